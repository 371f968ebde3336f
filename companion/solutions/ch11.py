"""Reference solutions of chapter 11, "PyTorch recurrent layers".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.

Layouts are PyTorch's: gates stacked along the rows of ``W_ih: (4H, D)`` and
``W_hh: (4H, H)`` in the order i, f, g, o; ``h_n`` has one row per layer and
direction, ordered layer 0 forward, layer 0 backward, layer 1 forward, ...
"""

import numpy as np


def lstm_parameter_count(input_size, hidden_size, num_layers, bidirectional, proj_size):
    """The number of parameters of torch.nn.LSTM(input_size, hidden_size, num_layers,
    bidirectional=bidirectional, proj_size=proj_size), with biases.

    Each direction of each layer has W_ih (4H, inputs), W_hh (4H, R), b_ih and
    b_hh (4H,), and with proj_size > 0 also W_hr (P, H); R (what h holds) is P
    when proj_size > 0, else H. Layer 0 reads input_size inputs.
    Returns a Python int.
    """
    H, P = hidden_size, proj_size
    R = P if P > 0 else H
    dirs = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else dirs * R
        per_direction = 4 * H * inputs + 4 * H * R + 2 * 4 * H + (P * H if P > 0 else 0)
        total += dirs * per_direction
    return total


def fused_to_torch_lstm(W, b):
    """Convert a fused LSTM layout to PyTorch's.

    W: (D + H, 4H), applied as [x_t, h_prev] @ W, with the gate blocks along
    the columns in the order i, f, o, g; b: (4H,) in the same order.
    Returns (W_ih, W_hh, bias): W_ih (4H, D) and W_hh (4H, H) with the gates
    along the rows in PyTorch's order i, f, g, o, and bias (4H,) in that order
    (load it as bias_ih and zeros as bias_hh).
    """
    H = W.shape[1] // 4
    D = W.shape[0] - H
    i, f, o, g = (slice(k * H, (k + 1) * H) for k in range(4))
    order = np.r_[i, f, g, o]  # column indices of PyTorch's gates in the fused layout
    W_ih = W[:D, order].T.copy()
    W_hh = W[D:, order].T.copy()
    bias = b[order].copy()
    return W_ih, W_hh, bias


def bidirectional_summary(h_n, num_layers):
    """The top layer's two final states, side by side: what a classifier should read.

    h_n: (num_layers * 2, B, H), as returned by a bidirectional torch.nn.RNN,
    GRU or LSTM (rows: layer 0 forward, layer 0 backward, layer 1 forward, ...).
    Returns (B, 2H): [top layer forward, top layer backward] for each sequence.
    """
    _, B, H = h_n.shape
    top = h_n.reshape(num_layers, 2, B, H)[-1]  # (2, B, H)
    return np.concatenate([top[0], top[1]], axis=1)


def lstm_proj_step(x, h, c, W_ih, W_hh, b_ih, b_hh, W_hr):
    """One step of torch.nn.LSTM with proj_size = P > 0.

    x: (B, D); h: (B, P), the previous projected state; c: (B, H);
    W_ih: (4H, D); W_hh: (4H, P); b_ih, b_hh: (4H,); W_hr: (P, H).
    Gates in PyTorch's order i, f, g, o. Returns (h_next (B, P), c_next (B, H)),
    with c_next = f * c + i * g and h_next = (o * tanh(c_next)) @ W_hr^T.
    """
    H = c.shape[1]
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
    i = 1.0 / (1.0 + np.exp(-a[:, :H]))
    f = 1.0 / (1.0 + np.exp(-a[:, H:2 * H]))
    g = np.tanh(a[:, 2 * H:3 * H])
    o = 1.0 / (1.0 + np.exp(-a[:, 3 * H:]))
    c_next = f * c + i * g
    h_next = (o * np.tanh(c_next)) @ W_hr.T
    return h_next, c_next
