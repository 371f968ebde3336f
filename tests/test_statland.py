"""StatLand: the encoded data, the forward pass, hand-derived gradients, and the fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.gradcheck import numerical_gradient
from companion.data.statland import PARAM_NAMES, backward, fit, forward, statland_data, sum_squared_residuals

PARAMS = {"w_x": 0.7, "w_h": -0.9, "b_h": 0.2, "w_y": 1.3, "b_y": -0.1}


def test_data_encodes_the_three_patterns():
    x, y = statland_data()
    np.testing.assert_array_equal(x, [[0.0, 0.0, 1.0], [0.0, 0.5, 0.5]])
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0])


def test_forward_uses_the_same_weights_every_day():
    x = np.array([[0.5, 1.0], [0.0, 0.5], [1.0, 1.0]])
    h, y_hat = forward(x, PARAMS)
    assert h.shape == (4, 2) and y_hat.shape == (2,)
    assert np.all(h[0] == 0)
    for t in range(1, 4):
        np.testing.assert_allclose(h[t], np.tanh(0.7 * x[t - 1] - 0.9 * h[t - 1] + 0.2))
    np.testing.assert_allclose(y_hat, 1.3 * h[3] - 0.1)


def test_forward_rejects_a_feature_axis():
    with pytest.raises(ValueError, match=r"x must be \(T, B\)"):
        forward(np.zeros((2, 3, 1)), PARAMS)
    with pytest.raises(ValueError, match="missing w_h"):
        forward(np.zeros((2, 3)), {"w_x": 1.0, "b_h": 0, "w_y": 1, "b_y": 0})


def test_ssr_and_its_shape_check():
    assert sum_squared_residuals(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 5.0
    with pytest.raises(ValueError, match=r"\(B,\)"):
        sum_squared_residuals(np.zeros(2), np.zeros(3))


def ssr_of(x, y):
    def loss(**params):
        return sum_squared_residuals(forward(x, params)[1], y)
    return loss


def test_backward_matches_finite_differences():
    x = np.random.default_rng(0).choice([0.0, 0.5, 1.0], size=(4, 5))
    y = np.random.default_rng(1).uniform(size=5)
    h, y_hat = forward(x, PARAMS)
    grads = backward(2 * (y_hat - y), x, h, PARAMS)
    loss = ssr_of(x, y)
    for name in PARAM_NAMES:
        def f(value, name=name):
            return loss(**{**PARAMS, name: float(value)})
        numerical = numerical_gradient(f, np.array(PARAMS[name]))
        assert abs(grads[name] - numerical) < 1e-8 * max(1.0, abs(numerical)), name


def test_backward_matches_torch_autograd():
    x, y = statland_data()
    p = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in PARAMS.items()}
    h = torch.zeros(3, dtype=torch.float64)
    for t in range(2):
        h = torch.tanh(p["w_x"] * torch.tensor(x[t]) + p["w_h"] * h + p["b_h"])
    ((p["w_y"] * h + p["b_y"] - torch.tensor(y)) ** 2).sum().backward()
    h_np, y_hat = forward(x, PARAMS)
    grads = backward(2 * (y_hat - y), x, h_np, PARAMS)
    for name in PARAM_NAMES:
        assert abs(grads[name] - p[name].grad.item()) < 1e-12, name


def test_fit_reaches_a_perfect_fit_and_freezing_w_h_cannot():
    x, y = statland_data()
    start = dict(zip(PARAM_NAMES, np.random.default_rng(0).normal(0, 0.5, size=5)))
    fitted, history = fit(x, y, start, lr=0.1, steps=2000)
    assert history.shape == (2000,) and history[-1] < 1e-10 < history[0]
    assert start["w_x"] != fitted["w_x"]
    memoryless, history0 = fit(x, y, {**start, "w_h": 0.0}, lr=0.1, steps=2000, frozen=["w_h"])
    assert memoryless["w_h"] == 0.0
    assert history0[-1] > 0.5 - 1e-9


def test_fit_stops_with_a_message_on_divergence():
    x, y = statland_data()
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(FloatingPointError, match="smaller lr"):
        fit(x, y, {"w_x": 1.0, "w_h": 1.0, "b_h": 0.0, "w_y": 1.0, "b_y": 0.0}, lr=1e200, steps=5)
    with pytest.raises(ValueError, match="frozen"):
        fit(x, y, PARAMS, frozen=["W_hh"])
