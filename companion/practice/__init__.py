"""PyTorch and Keras code for Parts III to V."""
