"""The LSTM in NumPy (placeholder: re-exports; the readable version replaces it)."""

from companion.scratch.numpy_rnn import LSTMCache, LSTMStepCache, lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

__all__ = ["LSTMCache", "LSTMStepCache", "lstm_backward", "lstm_forward", "lstm_step_backward", "lstm_step_forward"]
