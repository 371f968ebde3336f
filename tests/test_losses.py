"""Softmax cross-entropy and MSE: values and gradients against torch, and stability at large logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.gradcheck import numerical_gradient
from companion.scratch.losses import log_softmax, mean_squared_error, softmax, softmax_cross_entropy


def test_cross_entropy_matches_torch_value_and_gradient():
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(7, 5)) * 3, rng.integers(0, 5, size=7)
    loss, dlogits = softmax_cross_entropy(logits, targets)
    t = torch.tensor(logits, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(t, torch.tensor(targets))
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    logits, targets = rng.normal(size=(4, 6)), rng.integers(0, 6, size=4)
    numerical = numerical_gradient(lambda z: softmax_cross_entropy(z, targets)[0], logits.copy())
    np.testing.assert_allclose(softmax_cross_entropy(logits, targets)[1], numerical, rtol=1e-6, atol=1e-9)


def test_huge_logits_stay_finite():
    logits = np.array([[1000.0, 0.0, -1000.0]])
    loss, dlogits = softmax_cross_entropy(logits, np.array([0]))
    assert loss == 0.0 and np.all(np.isfinite(dlogits))
    assert np.all(np.isfinite(log_softmax(logits))) and softmax(logits).sum() == pytest.approx(1.0)


def test_bad_targets_are_explained():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, V\) = \[0, 3\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"logits must be \(N, V\)"):
        softmax_cross_entropy(np.zeros((2, 2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="targets must be integers"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_mean_squared_error_gradient():
    p, y = np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 1.0])
    loss, grad = mean_squared_error(p, y)
    assert loss == pytest.approx(10 / 3)
    np.testing.assert_allclose(grad, 2 * (p - y) / 3)
