"""Reference solutions of chapter 4, "Vanishing and exploding gradients".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

The RNN is the book's: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``,
with states in rows (``h_t: (B, H)``), so one step's Jacobian for sequence b is

    dh_t/dh_{t-1} = diag(1 - h_t**2) W_hh: (H, H).
"""

import numpy as np


def scalar_gradient_through_time(w, h):
    """dh_T/dh_t for B independent one-unit RNNs h_t = tanh(w h_{t-1} + (input terms)).

    w: (B,) the recurrent weight of each RNN; h: (T + 1, B) its states
    h_0, h_1, ..., h_T (h[0] is the initial state).
    Returns g: (T + 1, B) with g[t] = dh_T/dh_t = prod over s = t+1..T of
    w * (1 - h_s**2); so g[T] = 1 and g[0] = dh_T/dh_0.
    """
    g = np.ones_like(h)
    for t in range(h.shape[0] - 2, -1, -1):
        g[t] = g[t + 1] * w * (1.0 - h[t + 1] ** 2)  # one more step back: times dh_{t+1}/dh_t
    return g


def rnn_jacobian(h_t, W_hh):
    """One step's Jacobian dh_t/dh_{t-1} = diag(1 - h_t**2) W_hh, for each sequence of a batch.

    h_t: (B, H) the states after the step (tanh'(a_t) = 1 - h_t**2); W_hh: (H, H).
    Returns J: (B, H, H) with J[b, i, j] = d h_t[b, i] / d h_{t-1}[b, j].
    """
    return (1.0 - h_t**2)[:, :, None] * W_hh  # row i of W_hh scaled by 1 - h_t[b, i]**2


def jacobian_product(h, W_hh):
    """The product of T step Jacobians, P = dh_T/dh_0 = J_T J_{T-1} ... J_1, and its spectral norm.

    h: (T, B, H) the states h_1..h_T of a tanh RNN (h[t - 1] is h_t); W_hh: (H, H).
    Returns (P, norms): P: (B, H, H), one product per sequence, and
    norms: (B,), the largest singular value of each P.
    """
    T, B, H = h.shape
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    for t in range(T):
        J = (1.0 - h[t] ** 2)[:, :, None] * W_hh  # (B, H, H): dh_{t+1}/dh_t in the book's indexing
        P = J @ P  # the newest Jacobian goes on the left
    norms = np.linalg.norm(P, ord=2, axis=(1, 2))
    return P, norms


def clip_by_global_norm(dW_ih, dW_hh, db, max_norm):
    """Rescale the three gradients together so that their global norm is at most max_norm.

    dW_ih: (H, D); dW_hh: (H, H); db: (H,); max_norm: a positive number.
    The global norm is sqrt(sum of every squared entry of all three). If it
    exceeds max_norm, every array is multiplied by max_norm / norm, so the
    direction of the whole gradient is kept; otherwise they are returned unchanged.
    Returns (dW_ih, dW_hh, db), new arrays of the same shapes.
    """
    norm = np.sqrt(np.sum(dW_ih**2) + np.sum(dW_hh**2) + np.sum(db**2))
    scale = max_norm / norm if norm > max_norm else 1.0
    return dW_ih * scale, dW_hh * scale, db * scale


def clip_by_value(dW_ih, dW_hh, db, clip_value):
    """Clip every entry of the three gradients into [-clip_value, clip_value].

    dW_ih: (H, D); dW_hh: (H, H); db: (H,); clip_value: a positive number.
    Returns (dW_ih, dW_hh, db), new arrays of the same shapes. Unlike clipping by
    the norm, this changes the direction of the gradient when only some entries are clipped.
    """
    return (
        np.clip(dW_ih, -clip_value, clip_value),
        np.clip(dW_hh, -clip_value, clip_value),
        np.clip(db, -clip_value, clip_value),
    )
