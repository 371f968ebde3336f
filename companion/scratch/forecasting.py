"""Forecasting baselines and scores in NumPy: naive, seasonal naive, drift, a least-squares autoregression.

A forecast made at origin o (the last time whose value is known) for horizon h
predicts y[o + h]. Every function here takes the target indices t and the
horizon h, so the origins are t - h and only values up to them are read.

    from companion.scratch.forecasting import (naive, seasonal_naive, seasonal_drift, rmse, mae,
                                               ar_fit, ar_predict, forecast_levels)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _targets(y: np.ndarray, t: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    y, t = np.asarray(y, dtype=np.float64), np.asarray(t, dtype=np.int64)
    if y.ndim != 1:
        raise ValueError(f"y must be (N,); got {y.shape}")
    if h < 1:
        raise ValueError(f"horizon h must be at least 1; got {h}")
    return y, t


def naive(y: np.ndarray, t: np.ndarray, h: int = 1) -> np.ndarray:
    """y_hat[t] = y[t - h]: the last value known at the origin."""
    y, t = _targets(y, t, h)
    return y[t - h]


def seasonal_naive(y: np.ndarray, t: np.ndarray, m: int, h: int = 1) -> np.ndarray:
    """y_hat[t] = y[t - k m], the same season in the last cycle known at the origin, k = ceil(h / m)."""
    y, t = _targets(y, t, h)
    k = -(-h // m)
    return y[t - k * m]


def seasonal_drift(y: np.ndarray, t: np.ndarray, m: int, train_end: int, h: int = 1) -> np.ndarray:
    """Seasonal naive plus k times the mean change per cycle, d = mean(y[s] - y[s - m]) over the training part."""
    y, t = _targets(y, t, h)
    d = float(np.mean(y[m:train_end] - y[:train_end - m]))
    k = -(-h // m)
    return y[t - k * m] + k * d


def rmse(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Root mean squared error, in the unit of y."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape; got {y_hat.shape} and {y.shape}")
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))


def mae(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Mean absolute error, in the unit of y."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape; got {y_hat.shape} and {y.shape}")
    return float(np.mean(np.abs(y_hat - y)))


def ar_fit(X: np.ndarray, y: np.ndarray, p: int) -> np.ndarray:
    """Least-squares AR(p): y ~ c + sum_j a_j X[:, -j], using the last p columns of the windows X (M, L).

    Returns the coefficients (p + 1,): the intercept c, then a_1 (on the latest value) ... a_p.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (M, L) and y (M,); got {X.shape} and {y.shape}")
    if not 1 <= p <= X.shape[1]:
        raise ValueError(f"p must be in 1..{X.shape[1]}; got {p}")
    design = np.column_stack([np.ones(len(y)), X[:, ::-1][:, :p]])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef


def ar_predict(coef: np.ndarray, X: np.ndarray) -> np.ndarray:
    """One-step AR predictions (M,) from windows X (M, L), L >= p."""
    coef, X = np.asarray(coef, dtype=np.float64), np.asarray(X, dtype=np.float64)
    p = len(coef) - 1
    if X.ndim != 2 or X.shape[1] < p:
        raise ValueError(f"X must be (M, L) with L >= p = {p}; got {X.shape}")
    return coef[0] + X[:, ::-1][:, :p] @ coef[1:]


def forecast_levels(predict: Callable[[np.ndarray], np.ndarray], y: np.ndarray, scale: tuple[float, float],
                    length: int, differenced: bool, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Recursive forecasts (len(origins), horizon) of y[o + 1 ... o + horizon], in the unit of y.

    The model sees scaled windows of u = y (levels) or u = diff(y) (changes), z = (u - mean) / std
    with ``scale = (mean, std)``, and ``predict`` maps windows (B, length) to the next z (B,).
    Each prediction is appended to the window and fed back for the next step; with
    horizon 1 this is the one-step forecast from true history.
    """
    y, origins = np.asarray(y, dtype=np.float64), np.asarray(origins, dtype=np.int64)
    mean, std = scale
    u = np.diff(y) if differenced else y
    z = (u - mean) / std
    last = origins - 1 if differenced else origins  # index in u of the last known value
    if np.any(last - length + 1 < 0) or np.any(origins >= len(y)):
        raise ValueError(f"every origin needs {length} known values before it and must lie inside y")
    window = np.stack([z[k - length + 1:k + 1] for k in last])
    steps = []
    for _ in range(horizon):
        z_next = np.asarray(predict(window), dtype=np.float64).reshape(-1)
        steps.append(z_next)
        window = np.column_stack([window[:, 1:], z_next])
    u_hat = np.column_stack(steps) * std + mean
    return y[origins][:, None] + np.cumsum(u_hat, axis=1) if differenced else u_hat
