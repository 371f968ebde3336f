"""The GRU in NumPy (placeholder: re-exports; the readable version replaces it)."""

from companion.scratch.numpy_rnn import GRUCache, GRUStepCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward

__all__ = ["GRUCache", "GRUStepCache", "gru_backward", "gru_forward", "gru_step_backward", "gru_step_forward"]
