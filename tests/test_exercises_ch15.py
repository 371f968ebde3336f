"""Chapter 15's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch15 as solutions
from exercise_messages import message_of



def _windows(z, train_end, L):
    t = np.arange(L, train_end)
    return z[t[:, None] - L + np.arange(L)], z[t]


# --- ch15.scaled_windows ------------------------------------------------------------------

def windows_whole_series_scaling(y, train_end, L):
    return _windows((y - y.mean()) / y.std(), train_end, L)


def windows_sample_std(y, train_end, L):
    return _windows((y - y[:train_end].mean()) / y[:train_end].std(ddof=1), train_end, L)


def windows_target_inside(y, train_end, L):
    z = (y - y[:train_end].mean()) / y[:train_end].std()
    t = np.arange(L, train_end)
    return z[t[:, None] - L + 1 + np.arange(L)], z[t]


def windows_past_train_end(y, train_end, L):
    z = (y - y[:train_end].mean()) / y[:train_end].std()
    return _windows(z, train_end + 1, L)


def windows_unscaled(y, train_end, L):
    return _windows(y, train_end, L)


def windows_swapped(y, train_end, L):
    X, targets = solutions.scaled_windows(y, train_end, L)
    return targets, X


@pytest.mark.parametrize("wrong", [windows_whole_series_scaling, windows_sample_std, windows_target_inside, windows_unscaled])
def test_wrong_scaling_or_windows_are_reported_wrong(wrong):
    assert "is wrong in case" in message_of("ch15.scaled_windows", wrong)


def test_windows_past_train_end_give_shape_message():
    message = message_of("ch15.scaled_windows", windows_past_train_end)
    assert "has shape (3, 1)" in message and "expected (M, L) = (2, 1)" in message


def test_swapped_outputs_give_shape_message():
    assert "has shape" in message_of("ch15.scaled_windows", windows_swapped)


# --- ch15.seasonal_naive_drift ------------------------------------------------------------

def drift_without_k(y, m, train_end, h):
    d = np.mean(y[m:train_end] - y[:train_end - m])
    t = np.arange(train_end, len(y))
    return y[t - m] + d


def drift_floor(y, m, train_end, h):
    d = np.mean(y[m:train_end] - y[:train_end - m])
    k = max(h // m, 1)
    t = np.arange(train_end, len(y))
    return y[t - k * m] + k * d


def drift_whole_series(y, m, train_end, h):
    d = np.mean(y[m:] - y[:-m])
    k = -(-h // m)
    t = np.arange(train_end, len(y))
    return y[t - k * m] + k * d


def drift_missing(y, m, train_end, h):
    k = -(-h // m)
    t = np.arange(train_end, len(y))
    return y[t - k * m]


def drift_once(y, m, train_end, h):
    d = np.mean(y[m:train_end] - y[:train_end - m])
    k = -(-h // m)
    t = np.arange(train_end, len(y))
    return y[t - k * m] + d


def drift_per_step(y, m, train_end, h):
    d = np.mean(np.diff(y[:train_end]))
    t = np.arange(train_end, len(y))
    return y[t - h] + h * d


@pytest.mark.parametrize("wrong", [drift_without_k, drift_floor, drift_whole_series, drift_missing, drift_once,
                                   drift_per_step])
def test_wrong_seasonal_drift_is_reported_wrong(wrong):
    assert "y_hat is wrong in case" in message_of("ch15.seasonal_naive_drift", wrong)


# --- ch15.rmse_mae ------------------------------------------------------------------------

def scores_mse(y_hat, y):
    e = y_hat - y
    return float(np.mean(e**2)), float(np.mean(np.abs(e)))


def scores_swapped(y_hat, y):
    return solutions.rmse_mae(y_hat, y)[::-1]


def scores_signed_mae(y_hat, y):
    e = y_hat - y
    return float(np.sqrt(np.mean(e**2))), float(np.mean(e))


def scores_sum(y_hat, y):
    e = y_hat - y
    return float(np.sqrt(np.sum(e**2))), float(np.sum(np.abs(e)))


def scores_mean_of_root(y_hat, y):
    e = y_hat - y
    return float(np.mean(np.sqrt(e**2))), float(np.mean(np.abs(e)))


def scores_array(y_hat, y):
    e = y_hat - y
    return np.sqrt(e**2), np.abs(e)


@pytest.mark.parametrize("wrong", [scores_mse, scores_signed_mae, scores_sum, scores_mean_of_root])
def test_wrong_scores_are_reported_wrong(wrong):
    assert "is wrong in case" in message_of("ch15.rmse_mae", wrong)


def test_swapped_scores_are_named_swapped():
    assert "swap" in message_of("ch15.rmse_mae", scores_swapped)


def test_per_step_errors_give_shape_message():
    assert "shape" in message_of("ch15.rmse_mae", scores_array)


# --- ch15.recursive_ar_forecast -----------------------------------------------------------

def recursive_oldest_first(coef, window, H):
    p = len(coef) - 1
    history, out = window.copy(), np.empty((window.shape[0], H))
    for step in range(H):
        out[:, step] = coef[0] + history[:, -p:] @ coef[1:]
        history = np.column_stack([history[:, 1:], out[:, step]])
    return out


def recursive_no_feedback(coef, window, H):
    p = len(coef) - 1
    one = coef[0] + window[:, ::-1][:, :p] @ coef[1:]
    return np.repeat(one[:, None], H, axis=1)


def recursive_no_intercept(coef, window, H):
    p = len(coef) - 1
    history, out = window.copy(), np.empty((window.shape[0], H))
    for step in range(H):
        out[:, step] = history[:, ::-1][:, :p] @ coef[1:]
        history = np.column_stack([history[:, 1:], out[:, step]])
    return out


def recursive_prepends(coef, window, H):
    p = len(coef) - 1
    history, out = window.copy(), np.empty((window.shape[0], H))
    for step in range(H):
        out[:, step] = coef[0] + history[:, ::-1][:, :p] @ coef[1:]
        history = np.column_stack([out[:, step], history[:, :-1]])
    return out


def recursive_transposed(coef, window, H):
    return solutions.recursive_ar_forecast(coef, window, H).T.copy()


def recursive_in_place(coef, window, H):
    p = len(coef) - 1
    out = np.empty((window.shape[0], H))
    for step in range(H):
        out[:, step] = coef[0] + window[:, ::-1][:, :p] @ coef[1:]
        window[:, :-1] = window[:, 1:].copy()
        window[:, -1] = out[:, step]
    return out


@pytest.mark.parametrize("wrong", [recursive_oldest_first, recursive_no_feedback, recursive_no_intercept,
                                   recursive_prepends])
def test_wrong_recursion_is_reported_wrong(wrong):
    assert "forecast is wrong in case" in message_of("ch15.recursive_ar_forecast", wrong)


def test_transposed_forecast_gives_shape_message():
    assert "expected (B, H)" in message_of("ch15.recursive_ar_forecast", recursive_transposed)


def test_changing_the_window_in_place_is_reported():
    assert "window" in message_of("ch15.recursive_ar_forecast", recursive_in_place)


# --- ch15.ar_least_squares ----------------------------------------------------------------

def ar_no_intercept(y, p):
    N = len(y)
    lags = np.column_stack([y[p - j:N - j] for j in range(1, p + 1)])
    return np.concatenate([[0.0], np.linalg.lstsq(lags, y[p:], rcond=None)[0]])


def ar_reversed_lags(y, p):
    coef = solutions.ar_least_squares(y, p)
    return np.concatenate([coef[:1], coef[1:][::-1]])


def ar_off_by_one(y, p):
    N = len(y)  # drops the first target, t = p
    lags = np.column_stack([y[p + 1 - j:N - j] for j in range(1, p + 1)])
    design = np.column_stack([np.ones(N - p - 1), lags])
    return np.linalg.lstsq(design, y[p + 1:], rcond=None)[0]


def ar_yule_walker_like(y, p):
    z = y - y.mean()
    r = np.array([np.dot(z[:len(z) - k], z[k:]) for k in range(p + 1)]) / len(z)
    R = np.array([[r[abs(i - j)] for j in range(p)] for i in range(p)])
    a = np.linalg.solve(R, r[1:])
    return np.concatenate([[y.mean() * (1 - a.sum())], a])


def ar_without_coef_intercept(y, p):
    return solutions.ar_least_squares(y, p)[1:]


def ar_demeaned(y, p):
    coef = solutions.ar_least_squares(y - y.mean(), p)
    return coef


@pytest.mark.parametrize("wrong", [ar_no_intercept, ar_reversed_lags, ar_off_by_one, ar_yule_walker_like, ar_demeaned])
def test_wrong_ar_fits_are_reported_wrong(wrong):
    assert "coef is wrong in case" in message_of("ch15.ar_least_squares", wrong)


def test_ar_without_intercept_gives_shape_message():
    assert "expected (P,)" in message_of("ch15.ar_least_squares", ar_without_coef_intercept)
