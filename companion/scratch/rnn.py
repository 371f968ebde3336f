"""The vanilla RNN in NumPy (placeholder: re-exports; the readable version replaces it)."""

from companion.scratch.numpy_rnn import RNNCache, RNNStepCache, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = ["RNNCache", "RNNStepCache", "rnn_backward", "rnn_forward", "rnn_step_backward", "rnn_step_forward"]
