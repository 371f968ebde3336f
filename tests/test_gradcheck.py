"""companion.scratch.gradcheck: finite differences, relative error, and a check that catches bugs."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.gradcheck import gradcheck, numerical_gradient, relative_error


def test_numerical_gradient_of_sum_of_sin_is_cos():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    grad = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert grad.shape == x.shape and grad.dtype == x.dtype
    np.testing.assert_allclose(grad, np.cos(x), rtol=0, atol=1e-9)


def test_numerical_gradient_leaves_its_input_unchanged():
    x = np.linspace(0, 1, 5)
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_rejects_integer_arrays_and_bad_eps():
    with pytest.raises(ValueError, match="floating-point"):
        numerical_gradient(lambda v: float(np.sum(v)), np.arange(3))
    with pytest.raises(ValueError, match="eps must be positive"):
        numerical_gradient(lambda v: float(np.sum(v)), np.zeros(3), eps=0)


def test_relative_error_is_zero_for_equal_arrays_and_one_for_opposite_signs():
    a = np.array([1.0, -2.0, 0.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert relative_error(np.array([1.0]), np.array([1.0 + 1e-8])) == pytest.approx(5e-9, rel=1e-6)
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(3), np.zeros((3, 1)))


def test_gradcheck_accepts_a_correct_gradient():
    x = np.linspace(-1, 1, 6)
    W = np.linspace(0.5, 2, 6).reshape(2, 3)

    def f(x, W):
        return np.sum(np.tanh(W @ x.reshape(3, 2)))

    s = 1 - np.tanh(W @ x.reshape(3, 2)) ** 2
    analytic = {"x": (W.T @ s).reshape(6), "W": s @ x.reshape(3, 2).T}
    errors = gradcheck(f, {"x": x, "W": W}, analytic)
    assert errors.keys() == {"x", "W"}
    assert max(errors.values()) < 1e-7


def test_gradcheck_catches_a_gradient_off_by_a_factor():
    x = np.linspace(-1, 1, 5)
    errors = gradcheck(lambda x: np.sum(x**3), {"x": x}, {"x": 2 * x**2})  # should be 3 x**2
    assert errors["x"] == pytest.approx(0.2, rel=1e-6)  # |2 - 3| / (2 + 3)


def test_gradcheck_rejects_unknown_names_and_integer_inputs():
    with pytest.raises(ValueError, match="unknown inputs"):
        gradcheck(lambda x: np.sum(x), {"x": np.zeros(2)}, {"y": np.zeros(2)})
    with pytest.raises(ValueError, match="floating-point"):
        gradcheck(lambda x: np.sum(x), {"x": np.arange(2)}, {"x": np.ones(2)})
