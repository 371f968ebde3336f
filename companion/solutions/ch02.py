"""Reference solutions of chapter 2, "The recurrent cell".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

The chapter's notation, for a batch of B sequences stored time-major:

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)     (B, H)
    y_t = h_t W_hy^T + b_y                             (B, K)

The StatLand model is the same cell with one input, one hidden unit and one
output, so its five parameters w_x, w_h, b_h, w_y, b_y are scalars.
"""

import numpy as np


def rnn_unroll(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    """Unroll an RNN with a readout over a whole sequence.

    x: (T, B, D) time-major inputs; h0: (B, H) initial state;
    W_ih: (H, D); W_hh: (H, H); b_ih, b_hh: (H,); W_hy: (K, H); b_y: (K,).
    Returns (h, y): every state h (T, B, H), where h[t] follows x[t] and the
    state before it (h0 when t = 0), and every output y (T, B, K), y[t] read from h[t].
    """
    T, B, _ = x.shape
    h = np.zeros((T, B, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(x[t] @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)
        h[t] = h_prev
    y = h @ W_hy.T + b_y  # the readout has no recurrence, so all steps at once
    return h, y


def statland_forward(x, w_x, w_h, b_h, w_y, b_y):
    """The StatLand RNN: one input, one hidden unit, one output, the same weights every day.

    x: (T, B) encoded prices, T days of B histories; w_x, w_h, b_h, w_y, b_y:
    scalars. From h_0 = 0, h_t = tanh(w_x x_t + w_h h_{t-1} + b_h).
    Returns y_hat: (B,), the prediction w_y h_T + b_y for the day after the last.
    """
    h = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        h = np.tanh(w_x * x[t] + w_h * h + b_h)
    return w_y * h + b_y


def sum_squared_residuals(y_hat, y):
    """The sum of squared residuals and its gradient with respect to the predictions.

    y_hat: (B,) predictions; y: (B,) targets.
    Returns (ssr, dy_hat): the scalar sum_b (y_hat_b - y_b)^2 and dy_hat (B,),
    its derivative with respect to each y_hat_b.
    """
    residuals = y_hat - y
    return np.sum(residuals**2), 2.0 * residuals


def statland_backward(dy_hat, x, w_x, w_h, b_h, w_y, b_y):
    """Gradients of a loss L with respect to the five StatLand parameters.

    dy_hat: (B,) the gradient dL/dy_hat of the predictions (for the SSR,
    2 (y_hat - y)); x: (T, B); w_x, w_h, b_h, w_y, b_y: scalars.
    Returns (dw_x, dw_h, db_h, dw_y, db_y), five scalars. Each weight is used
    on every day, so its gradient is a sum over the days and the histories.
    """
    T, B = x.shape
    h = np.zeros((T + 1, B))  # h[0] is h_0 = 0; h[t] is h_t
    for t in range(T):
        h[t + 1] = np.tanh(w_x * x[t] + w_h * h[t] + b_h)
    dw_y = np.sum(dy_hat * h[T])
    db_y = np.sum(dy_hat)
    dw_x = dw_h = db_h = 0.0
    dh = dy_hat * w_y  # dL/dh_T
    for t in range(T, 0, -1):
        da = dh * (1.0 - h[t] ** 2)  # dL/da_t, through tanh
        dw_x += np.sum(da * x[t - 1])
        dw_h += np.sum(da * h[t - 1])
        db_h += np.sum(da)
        dh = da * w_h  # dL/dh_{t-1}
    return dw_x, dw_h, db_h, dw_y, db_y


def fixed_point_jacobian(h, W, b):
    """Jacobian of the map F(h) = tanh(W h + b) at each of B points.

    h: (B, H) points, one per row; W: (H, H); b: (H,).
    Returns J: (B, H, H) with J[n, i, j] = dF_i/dh_j at h[n]
    = (1 - tanh(a_i)^2) W[i, j], where a = W h[n] + b.
    """
    a = h @ W.T + b  # (B, H), one pre-activation per row
    return (1.0 - np.tanh(a) ** 2)[:, :, None] * W  # row i of W scaled by tanh'(a_i)
