"""Reference solutions of chapter 7, "A vanilla RNN, forward and backward".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

Weights follow PyTorch's ``nn.RNN`` names and layout: ``W_ih`` is ``(H, D)``,
``W_hh`` is ``(H, H)``, and there are two biases ``b_ih`` and ``b_hh`` of shape
``(H,)``. Sequences are time-major: ``x`` is ``(T, B, D)``. One step is

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
"""

import numpy as np


def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One step of a vanilla RNN: h_t = tanh(x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh).

    x_t: (B, D) inputs at this step; h_prev: (B, H) previous hidden state;
    W_ih: (H, D); W_hh: (H, H); b_ih: (H,); b_hh: (H,).
    Returns h_t: (B, H), the new hidden state.
    """
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)


def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    """Backward pass of one RNN step, given the upstream gradient dh_t = dL/dh_t.

    dh_t: (B, H); x_t: (B, D) and h_prev: (B, H), the step's inputs;
    h_t: (B, H), the step's output (tanh'(a) = 1 - h_t**2 needs only h_t);
    W_ih: (H, D); W_hh: (H, H).
    Returns (dx_t, dh_prev, dW_ih, dW_hh, db) with shapes
    (B, D), (B, H), (H, D), (H, H), (H,).
    The biases b_ih and b_hh enter the pre-activation only through their sum
    b_ih + b_hh, so their gradients are equal: db is dL/db_ih and also dL/db_hh.
    """
    da = dh_t * (1.0 - h_t**2)  # through tanh; da: (B, H)
    dx_t = da @ W_ih
    dh_prev = da @ W_hh
    dW_ih = da.T @ x_t
    dW_hh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx_t, dh_prev, dW_ih, dW_hh, db


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """Run a vanilla RNN over a whole sequence.

    x: (T, B, D) time-major inputs; h0: (B, H) initial hidden state;
    W_ih: (H, D); W_hh: (H, H); b_ih: (H,); b_hh: (H,).
    Returns h: (T, B, H), every hidden state: h[t] is h_t, computed from x[t]
    and h[t - 1] (from h0 when t = 0). h0 itself is not included.
    """
    T, B, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((T, B, H))
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(x[t] @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)
        h[t] = h_prev
    return h


def rnn_backward(dh, x, h0, h, W_ih, W_hh):
    """Backpropagation through time for rnn_forward.

    dh: (T, B, H) upstream gradient of every hidden state, dL/dh[t] from the
    loss directly (not through later steps); x: (T, B, D); h0: (B, H);
    h: (T, B, H), the output of rnn_forward; W_ih: (H, D); W_hh: (H, H).
    Returns (dx, dh0, dW_ih, dW_hh, db) with shapes
    (T, B, D), (B, H), (H, D), (H, H), (H,); db is dL/db_ih and also dL/db_hh.
    Note that at t = 0 the previous state is h0, not zeros and not h[-1]: it
    enters dW_hh, and the gradient flowing out of step 0 is dh0.
    """
    T = x.shape[0]
    dx = np.zeros_like(x)
    dW_ih = np.zeros_like(W_ih)
    dW_hh = np.zeros_like(W_hh)
    db = np.zeros(W_hh.shape[0])
    dh_next = np.zeros_like(h0)  # gradient reaching h[t] from step t + 1
    for t in reversed(range(T)):
        h_prev = h[t - 1] if t > 0 else h0
        da = (dh[t] + dh_next) * (1.0 - h[t] ** 2)
        dx[t] = da @ W_ih
        dh_next = da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ h_prev
        db += da.sum(axis=0)
    return dx, dh_next, dW_ih, dW_hh, db
