"""Reference solutions of chapter 8, "LSTM and GRU from scratch".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

Weights follow PyTorch's names, layout and gate order. The LSTM has
``W_ih: (4H, D)``, ``W_hh: (4H, H)``, ``b_ih, b_hh: (4H,)``, with the row
blocks in the order i, f, g, o; the GRU has ``(3H, D)``, ``(3H, H)`` and
``(3H,)`` with blocks r, z, n. Sequences are time-major: ``x`` is ``(T, B, D)``.
"""

import numpy as np


def lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step with fused gate matrices, PyTorch's gate order i, f, g, o.

    x_t: (B, D); h_prev, c_prev: (B, H); W_ih: (4H, D); W_hh: (4H, H);
    b_ih, b_hh: (4H,).
    Returns (h_t, c_t), both (B, H):
        c_t = f * c_prev + i * g,   h_t = o * tanh(c_t).
    """
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H): one product for all gates
    i = 1 / (1 + np.exp(-a[:, :H]))
    f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = 1 / (1 + np.exp(-a[:, 3 * H :]))
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def lstm_step_stacked(x_t, h_prev, c_prev, W):
    """One LSTM step with the weights stored as one stacked matrix, gate order i, f, o, g.

    x_t: (B, D); h_prev, c_prev: (B, H); W: (1 + D + H, 4H), whose rows are
    the bias (row 0), then the input weights (rows 1 to D), then the hidden
    weights (the last H rows), applied to the row [1, x_t, h_prev].
    Returns (h_t, c_t), both (B, H), the same quantities as lstm_step_forward.
    """
    B, H = h_prev.shape
    a = np.concatenate([np.ones((B, 1)), x_t, h_prev], axis=1) @ W  # (B, 4H)
    i = 1 / (1 + np.exp(-a[:, :H]))
    f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
    o = 1 / (1 + np.exp(-a[:, 2 * H : 3 * H]))  # o comes third in this layout...
    g = np.tanh(a[:, 3 * H :])  # ...and the candidate g last
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """Backward pass of one LSTM step (gate order i, f, g, o).

    dh_t, dc_t: (B, H), the gradients of the loss with respect to h_t and c_t
    (dc_t is what reaches c_t from later steps, not through h_t);
    x_t: (B, D); h_prev, c_prev: (B, H); W_ih: (4H, D); W_hh: (4H, H);
    b_ih, b_hh: (4H,). The gate values are recomputed from these inputs.
    Returns (dx_t, dh_prev, dc_prev, dW_ih, dW_hh, db) with shapes
    (B, D), (B, H), (B, H), (4H, D), (4H, H), (4H,); db is dL/db_ih and also dL/db_hh.
    """
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i = 1 / (1 + np.exp(-a[:, :H]))
    f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = 1 / (1 + np.exp(-a[:, 3 * H :]))
    tanh_c = np.tanh(f * c_prev + i * g)

    dc = dc_t + dh_t * o * (1 - tanh_c**2)  # c_t reaches the loss directly and through h_t
    da = np.concatenate(
        [
            dc * g * i * (1 - i),  # input gate: dL/di times sigmoid'
            dc * c_prev * f * (1 - f),  # forget gate
            dc * i * (1 - g**2),  # candidate: dL/dg times tanh'
            dh_t * tanh_c * o * (1 - o),  # output gate
        ],
        axis=1,
    )  # (B, 4H), the gradient of the pre-activation a
    dx_t = da @ W_ih
    dh_prev = da @ W_hh
    dc_prev = dc * f
    dW_ih = da.T @ x_t
    dW_hh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx_t, dh_prev, dc_prev, dW_ih, dW_hh, db


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """Run an LSTM over a whole sequence (gate order i, f, g, o).

    x: (T, B, D) time-major inputs; h0, c0: (B, H) initial states;
    W_ih: (4H, D); W_hh: (4H, H); b_ih, b_hh: (4H,).
    Returns (h, c_T): h: (T, B, H), every hidden state (h[t] from x[t] and the
    states of step t - 1, or h0 and c0 when t = 0), and c_T: (B, H), the last cell state.
    """
    T, B, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((T, B, H))
    h_prev, c_prev = h0, c0
    for t in range(T):
        a = x[t] @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
        i = 1 / (1 + np.exp(-a[:, :H]))
        f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
        g = np.tanh(a[:, 2 * H : 3 * H])
        o = 1 / (1 + np.exp(-a[:, 3 * H :]))
        c_prev = f * c_prev + i * g
        h_prev = o * np.tanh(c_prev)
        h[t] = h_prev
    return h, c_prev


def lstm_backward(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """Backpropagation through time for an LSTM (gate order i, f, g, o).

    dh: (T, B, H), the gradient of the loss with respect to each hidden state
    directly (not through later steps); nothing reaches the final cell state
    from outside. x: (T, B, D); h0, c0: (B, H); W_ih: (4H, D); W_hh: (4H, H);
    b_ih, b_hh: (4H,). The forward pass is rerun to build the cache.
    Returns (dx, dh0, dc0, dW_ih, dW_hh, db) with shapes
    (T, B, D), (B, H), (B, H), (4H, D), (4H, H), (4H,); db is dL/db_ih and also dL/db_hh.
    """
    T = x.shape[0]
    H = h0.shape[1]
    # Forward, keeping what the backward pass needs: states and gate values.
    hs, cs, gates = [h0], [c0], []
    for t in range(T):
        a = x[t] @ W_ih.T + b_ih + hs[t] @ W_hh.T + b_hh
        i = 1 / (1 + np.exp(-a[:, :H]))
        f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
        g = np.tanh(a[:, 2 * H : 3 * H])
        o = 1 / (1 + np.exp(-a[:, 3 * H :]))
        cs.append(f * cs[t] + i * g)
        hs.append(o * np.tanh(cs[t + 1]))
        gates.append((i, f, g, o))
    # Backward: hs[t] and cs[t] are the states before step t (hs[0] = h0).
    dx = np.zeros_like(x)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db = np.zeros(4 * H)
    dh_next = np.zeros_like(h0)  # gradient reaching h_t from step t + 1
    dc_next = np.zeros_like(c0)  # gradient reaching c_t from step t + 1
    for t in reversed(range(T)):
        i, f, g, o = gates[t]
        tanh_c = np.tanh(cs[t + 1])
        dh_t = dh[t] + dh_next
        dc = dc_next + dh_t * o * (1 - tanh_c**2)
        da = np.concatenate(
            [dc * g * i * (1 - i), dc * cs[t] * f * (1 - f), dc * i * (1 - g**2), dh_t * tanh_c * o * (1 - o)],
            axis=1,
        )
        dx[t] = da @ W_ih
        dh_next = da @ W_hh
        dc_next = dc * f
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ hs[t]
        db += da.sum(axis=0)
    return dx, dh_next, dc_next, dW_ih, dW_hh, db


def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One GRU step, PyTorch's equations and gate order r, z, n.

    x_t: (B, D); h_prev: (B, H); W_ih: (3H, D); W_hh: (3H, H); b_ih, b_hh: (3H,).
    Returns h_t: (B, H), where
        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr),  z likewise,
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),
        h_t = (1 - z) * n + z * h_prev.
    """
    H = h_prev.shape[1]
    xw = x_t @ W_ih.T + b_ih  # (B, 3H)
    hw = h_prev @ W_hh.T + b_hh  # (B, 3H); the reset gate scales its n block
    r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
    z = 1 / (1 + np.exp(-(xw[:, H : 2 * H] + hw[:, H : 2 * H])))
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """Backward pass of one GRU step (PyTorch's equations, gate order r, z, n).

    dh_t: (B, H), the gradient of the loss with respect to h_t; x_t: (B, D);
    h_prev: (B, H); W_ih: (3H, D); W_hh: (3H, H); b_ih, b_hh: (3H,).
    Returns (dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_hh) with shapes
    (B, D), (B, H), (3H, D), (3H, H), (3H,), (3H,). The two bias gradients
    differ in the n block, because the reset gate scales b_hn but not b_in.
    """
    H = h_prev.shape[1]
    xw = x_t @ W_ih.T + b_ih
    hw = h_prev @ W_hh.T + b_hh
    r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
    z = 1 / (1 + np.exp(-(xw[:, H : 2 * H] + hw[:, H : 2 * H])))
    hn = hw[:, 2 * H :]  # h_prev W_hn^T + b_hn
    n = np.tanh(xw[:, 2 * H :] + r * hn)

    da_n = dh_t * (1 - z) * (1 - n**2)  # through h_t = (1 - z) n + z h_prev, then tanh
    da_z = dh_t * (h_prev - n) * z * (1 - z)
    da_r = da_n * hn * r * (1 - r)
    d_xw = np.concatenate([da_r, da_z, da_n], axis=1)  # gradient of x W_ih^T + b_ih
    d_hw = np.concatenate([da_r, da_z, da_n * r], axis=1)  # gradient of h W_hh^T + b_hh
    dx_t = d_xw @ W_ih
    dh_prev = dh_t * z + d_hw @ W_hh  # directly through z * h_prev, and through the gates
    dW_ih = d_xw.T @ x_t
    dW_hh = d_hw.T @ h_prev
    db_ih = d_xw.sum(axis=0)
    db_hh = d_hw.sum(axis=0)
    return dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_hh


def gru_backward(dh, x, h0, W_ih, W_hh, b_ih, b_hh):
    """Backpropagation through time for a GRU (PyTorch's equations, gate order r, z, n).

    dh: (T, B, H), the gradient of the loss with respect to each hidden state
    directly (not through later steps). x: (T, B, D); h0: (B, H); W_ih: (3H, D);
    W_hh: (3H, H); b_ih, b_hh: (3H,). The forward pass is rerun to build the cache.
    Returns (dx, dh0, dW_ih, dW_hh, db_ih, db_hh) with shapes
    (T, B, D), (B, H), (3H, D), (3H, H), (3H,), (3H,).
    """
    T = x.shape[0]
    H = h0.shape[1]
    hs, cache = [h0], []
    for t in range(T):
        xw = x[t] @ W_ih.T + b_ih
        hw = hs[t] @ W_hh.T + b_hh
        r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
        z = 1 / (1 + np.exp(-(xw[:, H : 2 * H] + hw[:, H : 2 * H])))
        hn = hw[:, 2 * H :]
        n = np.tanh(xw[:, 2 * H :] + r * hn)
        hs.append((1 - z) * n + z * hs[t])
        cache.append((r, z, n, hn))
    dx = np.zeros_like(x)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros(3 * H), np.zeros(3 * H)
    dh_next = np.zeros_like(h0)  # gradient reaching h_t from step t + 1
    for t in reversed(range(T)):
        r, z, n, hn = cache[t]
        dh_t = dh[t] + dh_next
        da_n = dh_t * (1 - z) * (1 - n**2)
        da_z = dh_t * (hs[t] - n) * z * (1 - z)
        da_r = da_n * hn * r * (1 - r)
        d_xw = np.concatenate([da_r, da_z, da_n], axis=1)
        d_hw = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dx[t] = d_xw @ W_ih
        dh_next = dh_t * z + d_hw @ W_hh
        dW_ih += d_xw.T @ x[t]
        dW_hh += d_hw.T @ hs[t]
        db_ih += d_xw.sum(axis=0)
        db_hh += d_hw.sum(axis=0)
    return dx, dh_next, dW_ih, dW_hh, db_ih, db_hh
