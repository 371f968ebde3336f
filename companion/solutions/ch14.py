"""Reference solutions of chapter 14, "Keras 3 on the PyTorch backend".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. PyTorch stores a layer's
input weights as ``weight_ih: (G*H, D)`` with two biases; Keras stores
``kernel: (D, G*H)``, ``recurrent_kernel: (H, G*H)`` and one bias (the GRU:
two rows). Keras 3 works batch-major: ``x: (B, T, D)``.
"""

import numpy as np


def lstm_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """A torch.nn.LSTM layer's weights in the layout of keras.layers.LSTM.

    weight_ih: (4H, D); weight_hh: (4H, H); bias_ih, bias_hh: (4H,); gates i, f, g, o.
    Returns (kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)): Keras keeps
    the gate order (i, f, c, o) but has one bias.
    """
    return weight_ih.T.copy(), weight_hh.T.copy(), bias_ih + bias_hh


def gru_torch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """A torch.nn.GRU layer's weights in the layout of keras.layers.GRU(reset_after=True).

    weight_ih: (3H, D); weight_hh: (3H, H); bias_ih, bias_hh: (3H,); PyTorch's gates r, z, n.
    Returns (kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H)) with Keras's
    gate order z, r, h, and bias[0] the input bias, bias[1] the recurrent bias.
    """
    def z_r_n(blocks):
        r, z, n = np.split(blocks, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)

    return z_r_n(weight_ih).T.copy(), z_r_n(weight_hh).T.copy(), np.stack([z_r_n(bias_ih), z_r_n(bias_hh)])


def keras_parameter_count(kind, D, H, bidirectional, num_layers):
    """The number of weights of a stack of Keras recurrent layers.

    kind: "rnn" (SimpleRNN), "lstm" or "gru" (reset_after=True, the default);
    D: input features; H: units per layer and direction; bidirectional: each
    layer wrapped in Bidirectional (outputs concatenated); num_layers: layers stacked.
    Returns an int.
    """
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    biases = 2 if kind == "gru" else 1
    directions = 2 if bidirectional else 1
    total, inputs = 0, D
    for _ in range(num_layers):
        total += directions * gates * (inputs * H + H * H + biases * H)
        inputs = directions * H
    return total


def masked_rnn_last_state(x, kernel, recurrent_kernel, bias, mask_value):
    """What keras.layers.SimpleRNN returns after a Masking(mask_value) layer: the last state.

    x: (B, T, D), batch-major; kernel: (D, H); recurrent_kernel: (H, H); bias: (H,).
    A step is masked for a sequence when all D of its features equal mask_value;
    a masked step leaves that sequence's state as it was. The state starts at
    zeros and h = tanh(x_t kernel + h recurrent_kernel + bias) at unmasked steps.
    Returns h: (B, H), the state after the last step.
    """
    B, T, _ = x.shape
    h = np.zeros((B, kernel.shape[1]))
    for t in range(T):
        keep = np.any(x[:, t] != mask_value, axis=1)[:, None]  # (B, 1): is this step real?
        h_new = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        h = np.where(keep, h_new, h)
    return h
