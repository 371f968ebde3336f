"""StatLand: the smallest recurrent network, fitted to three stock-price patterns.

Prices in the imaginary country of StatLand are low, medium or high, encoded
as 0, 0.5 and 1. Given yesterday's and today's price, predict tomorrow's.
The model has one hidden unit and five scalar parameters, the same on every day:

    h_0 = 0
    h_t = tanh(w_x * x_t + w_h * h_{t-1} + b_h)      t = 1, ..., T
    y_hat = w_y * h_T + b_y

and is fitted by gradient descent on the sum of squared residuals
sum_b (y_hat_b - y_b)^2. Arrays are time-major: ``x: (T, B)`` holds B price
histories of T days (one number per day, so there is no feature axis).

    from companion.data.statland import statland_data, forward, backward, fit
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

PRICE_CODES = {"low": 0.0, "medium": 0.5, "high": 1.0}
# (yesterday, today, tomorrow)
PATTERNS = (("low", "low", "low"), ("low", "medium", "high"), ("high", "medium", "low"))
PARAM_NAMES = ("w_x", "w_h", "b_h", "w_y", "b_y")


def statland_data() -> tuple[np.ndarray, np.ndarray]:
    """The three patterns, encoded: x (T=2, B=3), yesterday in row 0 and today in row 1; y (3,), tomorrow."""
    codes = np.array([[PRICE_CODES[word] for word in pattern] for pattern in PATTERNS])  # (3, 3)
    return codes[:, :2].T.copy(), codes[:, 2].copy()


def _check(x: np.ndarray, params: Mapping[str, float]) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be (T, B) = (days, histories); got {x.shape}")
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError(f"params must have {', '.join(PARAM_NAMES)}; missing {', '.join(missing)}")
    return x


def forward(x: np.ndarray, params: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Run the one-unit RNN over every day of every history.

    x: (T, B) encoded prices; params: the five scalars of PARAM_NAMES.
    Returns (h, y_hat): every hidden state h (T + 1, B), with h[0] = h_0 = 0
    and h[t] = h_t, and the predictions y_hat (B,) read from h_T.
    """
    x = _check(x, params)
    T, B = x.shape
    h = np.zeros((T + 1, B))
    for t in range(1, T + 1):  # x[t - 1] holds x_t
        h[t] = np.tanh(params["w_x"] * x[t - 1] + params["w_h"] * h[t - 1] + params["b_h"])
    return h, params["w_y"] * h[T] + params["b_y"]


def sum_squared_residuals(y_hat: np.ndarray, y: np.ndarray) -> float:
    """SSR = sum_b (y_hat_b - y_b)^2 for y_hat, y of shape (B,)."""
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    if y_hat.shape != y.shape or y.ndim != 1:
        raise ValueError(f"y_hat and y must both be (B,); got {y_hat.shape} and {y.shape}")
    return float(np.sum((y_hat - y) ** 2))


def backward(dy_hat: np.ndarray, x: np.ndarray, h: np.ndarray, params: Mapping[str, float]) -> dict[str, float]:
    """Gradient of a loss L with respect to the five parameters, given dL/dy_hat.

    dy_hat: (B,) the gradient of L with respect to each prediction (for the
    SSR, 2 * (y_hat - y)); x: (T, B); h: (T + 1, B), the states from forward.
    Returns {name: dL/dname} for the names in PARAM_NAMES. Every parameter is
    used on every day, so its gradient is a sum over days (and histories).
    """
    x = _check(x, params)
    T = x.shape[0]
    grads = {"w_y": float(np.sum(dy_hat * h[T])), "b_y": float(np.sum(dy_hat))}
    grads.update(w_x=0.0, w_h=0.0, b_h=0.0)
    dh = dy_hat * params["w_y"]  # dL/dh_T
    for t in range(T, 0, -1):
        da = dh * (1.0 - h[t] ** 2)  # through tanh: dL/da_t
        grads["w_x"] += float(np.sum(da * x[t - 1]))
        grads["w_h"] += float(np.sum(da * h[t - 1]))  # at t = 1 this is h_0 = 0
        grads["b_h"] += float(np.sum(da))
        dh = da * params["w_h"]  # dL/dh_{t-1}, sent one day back
    return {name: grads[name] for name in PARAM_NAMES}


def fit(
    x: np.ndarray,
    y: np.ndarray,
    params: Mapping[str, float],
    lr: float = 0.1,
    steps: int = 1000,
    frozen: Iterable[str] = (),
) -> tuple[dict[str, float], np.ndarray]:
    """Full-batch gradient descent on the SSR, from ``params`` (left unchanged).

    frozen: names of parameters kept at their starting value.
    Returns the fitted parameters and the SSR before each step, an array (steps,).
    Raises FloatingPointError if the SSR becomes NaN or infinite (lower lr).
    """
    frozen = set(frozen)
    unknown = frozen - set(PARAM_NAMES)
    if unknown:
        raise ValueError(f"frozen names must be among {', '.join(PARAM_NAMES)}; got {sorted(unknown)}")
    params = {name: float(params[name]) for name in PARAM_NAMES}
    history = np.empty(steps)
    for step in range(steps):
        h, y_hat = forward(x, params)
        history[step] = sum_squared_residuals(y_hat, y)
        if not np.isfinite(history[step]):
            raise FloatingPointError(f"the SSR became {history[step]} at step {step}; try a smaller lr than {lr}")
        grads = backward(2.0 * (y_hat - y), x, h, params)
        for name in PARAM_NAMES:
            if name not in frozen:
                params[name] -= lr * grads[name]
    return params, history
