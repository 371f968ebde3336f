"""Reference solutions of chapter 5, "Gated cells: LSTM and GRU".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines (the gated steps write the
sigmoid inline as ``0.5 * (1 + tanh(a / 2))``, which never overflows).

Weights follow PyTorch's layout: the gates are stacked in the rows of one
fused matrix, ``W_ih: (G*H, D)``, ``W_hh: (G*H, H)``, ``b_ih, b_hh: (G*H,)``,
in the order i, f, g, o for the LSTM (G = 4) and r, z, n for the GRU (G = 3).
States are rows: ``h_prev: (B, H)``.
"""

import numpy as np


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), elementwise, without overflow for any float64 x.

    x: any shape, float64. Returns an array of the same shape with values in [0, 1].
    exp is only ever applied to -|x| <= 0, so it cannot overflow.
    """
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step in PyTorch's layout and gate order (i, f, g, o).

    x_t: (B, D); h_prev, c_prev: (B, H); W_ih: (4H, D); W_hh: (4H, H); b_ih, b_hh: (4H,).
    Returns (h_t, c_t), both (B, H):
        i, f, o = sigmoid of their rows of a, g = tanh of its rows, where
        a = x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh: (B, 4H);
        c_t = f * c_prev + i * g;  h_t = o * tanh(c_t).
    """
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i = 0.5 * (1.0 + np.tanh(0.5 * a[:, :H]))  # sigmoid
    f = 0.5 * (1.0 + np.tanh(0.5 * a[:, H : 2 * H]))
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = 0.5 * (1.0 + np.tanh(0.5 * a[:, 3 * H :]))
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One GRU step as PyTorch computes it (gate order r, z, n; reset applied after W_hn).

    x_t: (B, D); h_prev: (B, H); W_ih: (3H, D); W_hh: (3H, H); b_ih, b_hh: (3H,).
    Returns h_t: (B, H):
        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr),  z likewise with the z rows,
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),
        h_t = (1 - z) * n + z * h_prev.
    """
    H = h_prev.shape[1]
    xw = x_t @ W_ih.T + b_ih  # (B, 3H)
    hw = h_prev @ W_hh.T + b_hh  # (B, 3H)
    r = 0.5 * (1.0 + np.tanh(0.5 * (xw[:, :H] + hw[:, :H])))
    z = 0.5 * (1.0 + np.tanh(0.5 * (xw[:, H : 2 * H] + hw[:, H : 2 * H])))
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])  # r scales W_hn h + b_hn
    return (1.0 - z) * n + z * h_prev


def gru_step_cho(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One GRU step with the reset gate placed as in Cho et al. (2014): before W_hn.

    Same arguments and layout as gru_step. The only change is the candidate:
        n = tanh(x W_in^T + b_in + (r * h_prev) W_hn^T + b_hn).
    Returns h_t: (B, H).
    """
    H = h_prev.shape[1]
    xw = x_t @ W_ih.T + b_ih  # (B, 3H)
    hw = h_prev @ W_hh[: 2 * H].T + b_hh[: 2 * H]  # r and z rows only: (B, 2H)
    r = 0.5 * (1.0 + np.tanh(0.5 * (xw[:, :H] + hw[:, :H])))
    z = 0.5 * (1.0 + np.tanh(0.5 * (xw[:, H : 2 * H] + hw[:, H:])))
    n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])  # r scales h first
    return (1.0 - z) * n + z * h_prev


def cell_gradient_path(f):
    """The direct path of dc_T/dc_t through an LSTM's cell state: products of forget gates.

    f: (T, B, H) forget-gate values f_1..f_T (f[t - 1] is f_t), in (0, 1).
    Along the path c_t = f_t * c_{t-1} + ..., dc_T/dc_t is diagonal with entries
    prod over s = t+1..T of f_s. Returns g: (T + 1, B, H) with g[t] that product,
    for t = 0..T; so g[T] = 1 and g[0] = f_1 * f_2 * ... * f_T.
    """
    T = f.shape[0]
    g = np.ones((T + 1,) + f.shape[1:])
    for t in range(T - 1, -1, -1):
        g[t] = g[t + 1] * f[t]  # f[t] is f_{t+1}, the gate between c_t and c_{t+1}
    return g
