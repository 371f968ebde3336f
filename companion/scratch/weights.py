"""Initial weights for the NumPy cells (placeholder: re-exports)."""

from companion.scratch.numpy_rnn import init_weights

__all__ = ["init_weights"]
