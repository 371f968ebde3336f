"""The forecasting baselines and the recursive forecaster."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.practice.forecasting import RNNForecaster, as_predictor, train_forecaster
from companion.scratch.forecasting import (ar_fit, ar_predict, forecast_levels, mae, naive, rmse, seasonal_drift,
                                           seasonal_naive)


def test_naive_and_seasonal_forecasts_read_only_the_past():
    y = np.arange(20.0) ** 2
    t = np.arange(10, 20)
    assert np.array_equal(naive(y, t, 3), y[t - 3])
    assert np.array_equal(seasonal_naive(y, t, 4, 1), y[t - 4])
    assert np.array_equal(seasonal_naive(y, t, 4, 5), y[t - 8])


def test_seasonal_drift_is_exact_on_a_line_plus_a_season():
    n = np.arange(60)
    y = 0.5 * n + np.sin(2 * np.pi * n / 12)
    t = np.arange(40, 60)
    for h in (1, 12, 13):
        assert np.allclose(seasonal_drift(y, t, 12, 40, h), y[t])


def test_scores():
    assert rmse(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx(np.sqrt(5))
    assert mae(np.array([1.0, -3.0]), np.array([0.0, 0.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        rmse(np.zeros(2), np.zeros(3))


def test_ar_fit_recovers_a_noiseless_ar2():
    y = np.zeros(50)
    y[:2] = [1.0, 0.5]
    for t in range(2, 50):
        y[t] = 0.1 + 0.6 * y[t - 1] - 0.3 * y[t - 2]
    X = np.stack([y[t - 4:t] for t in range(4, 50)])
    coef = ar_fit(X, y[4:], 2)
    assert np.allclose(coef, [0.1, 0.6, -0.3])
    assert np.allclose(ar_predict(coef, X), y[4:])


def test_forecast_levels_on_differences_continues_a_line():
    y = 2.0 * np.arange(30.0)
    out = forecast_levels(lambda W: W[:, -1], y, (2.0, 1.0), 3, True, np.array([10, 20]), 4)
    assert np.allclose(out, [y[11:15], y[21:25]])


def test_forecast_levels_one_step_equals_the_predictor_on_true_windows():
    y = np.sin(np.arange(40.0))
    coef = np.array([0.0, 0.5, 0.2])
    out = forecast_levels(lambda W: ar_predict(coef, W), y, (0.0, 1.0), 5, False, np.arange(10, 20), 1)
    X = np.stack([y[o - 4:o + 1] for o in range(10, 20)])
    assert np.allclose(out[:, 0], ar_predict(coef, X))


def test_rnn_forecaster_shapes_and_training_lowers_the_validation_loss():
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    z = np.sin(np.arange(400) * 0.3) + 0.05 * rng.standard_normal(400)
    X = np.stack([z[t - 10:t] for t in range(10, 400)])
    y = z[10:400]
    model, history = train_forecaster("gru", X[:300], y[:300], X[300:], y[300:], hidden=8, epochs=5, seed=0)
    assert as_predictor(model)(X[:7]).shape == (7,)
    assert min(history.valid_loss) < 0.75 * history.valid_loss[0]
    with pytest.raises(ValueError, match="lstm"):
        RNNForecaster("rnn")
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        model(torch.zeros(2, 3, 1))
