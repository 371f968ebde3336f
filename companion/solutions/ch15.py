"""Reference solutions of chapter 15, "Time-series forecasting".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one. Series are float64 vectors (N,); index t is time.
"""

import numpy as np


def scaled_windows(y, train_end, L):
    """Standardise y with the statistics of y[:train_end] only; cut training windows.

    y: (N,); train_end: the first index that is not training; L: window length.
    Returns X (M, L) with X[i] = z[t - L : t] and targets (M,) with targets[i] = z[t],
    for t = L, ..., train_end - 1, where z = (y - mean) / std of the training part.
    """
    mean, std = y[:train_end].mean(), y[:train_end].std()
    z = (y - mean) / std
    t = np.arange(L, train_end)
    X = z[t[:, None] - L + np.arange(L)]
    return X, z[t]


def seasonal_naive_drift(y, m, train_end, h):
    """h-step seasonal naive forecasts with drift of y[t] for t = train_end, ..., N - 1.

    y_hat[t] = y[t - k m] + k d, k = ceil(h / m), d = mean(y[s] - y[s - m]) for m <= s < train_end.
    Returns (N - train_end,).
    """
    d = np.mean(y[m:train_end] - y[:train_end - m])
    k = -(-h // m)
    t = np.arange(train_end, len(y))
    return y[t - k * m] + k * d


def rmse_mae(y_hat, y):
    """(RMSE, MAE) of forecasts y_hat against y, both (N,), as Python floats."""
    error = y_hat - y
    return float(np.sqrt(np.mean(error**2))), float(np.mean(np.abs(error)))


def recursive_ar_forecast(coef, window, H):
    """H-step recursive forecasts (B, H) of an AR(p) model from windows (B, L), L >= p.

    coef: (p + 1,), the intercept c then a_1 (on the latest value) ... a_p.
    """
    p = len(coef) - 1
    history = window.copy()
    out = np.empty((window.shape[0], H))
    for step in range(H):
        latest_first = history[:, ::-1][:, :p]
        out[:, step] = coef[0] + latest_first @ coef[1:]
        history = np.column_stack([history[:, 1:], out[:, step]])
    return out


def ar_least_squares(y, p):
    """Least-squares AR(p) coefficients (p + 1,): (c, a_1, ..., a_p) for y_t ~ c + sum_j a_j y_{t-j}, t = p..N-1."""
    N = len(y)
    lags = np.column_stack([y[p - j:N - j] for j in range(1, p + 1)])
    design = np.column_stack([np.ones(N - p), lags])
    coef, *_ = np.linalg.lstsq(design, y[p:], rcond=None)
    return coef
