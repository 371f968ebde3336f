"""The hand-written optimisers take the same steps as torch.optim, and clipping keeps the direction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.optim import SGD, Adagrad, Adam, RMSProp, clip_grad_norm, global_norm

PAIRS = [
    (lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda: Adagrad(0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    (lambda: RMSProp(0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
]


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_five_steps_match_torch_optim(ours, theirs):
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    tensors = [torch.tensor(v.copy(), requires_grad=True) for v in params.values()]
    optimizer, reference = ours(), theirs(tensors)
    for _ in range(5):
        grads = {name: rng.normal(size=v.shape) for name, v in params.items()}
        for tensor, g in zip(tensors, grads.values()):
            tensor.grad = torch.tensor(g)
        optimizer.step(params, grads)
        reference.step()
    for value, tensor in zip(params.values(), tensors):
        np.testing.assert_allclose(value, tensor.detach().numpy(), rtol=0, atol=1e-12)


def test_clip_grad_norm_matches_torch_and_keeps_the_direction():
    rng = np.random.default_rng(1)
    grads = {"a": rng.normal(size=(5, 3)) * 10, "b": rng.normal(size=3)}
    before = {k: v.copy() for k, v in grads.items()}
    tensors = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in grads.values()]
    for tensor, g in zip(tensors, before.values()):
        tensor.grad = torch.tensor(g)
    norm = clip_grad_norm(grads, 1.0)
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, 1.0)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12)
    assert global_norm(grads) == pytest.approx(1.0, rel=1e-5)
    for g, tensor in zip(grads.values(), tensors):
        np.testing.assert_allclose(g, tensor.grad.numpy(), rtol=1e-12)
    ratio = grads["a"] / before["a"]
    np.testing.assert_allclose(ratio, ratio.flat[0])


def test_small_gradients_are_not_clipped():
    grads = {"a": np.array([0.3, 0.4])}
    assert clip_grad_norm(grads, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads["a"], [0.3, 0.4])


def test_nan_gradient_stops_with_a_clear_message():
    with pytest.raises(FloatingPointError, match=r"grads\['W'\] contains NaN or inf at step 1"):
        SGD(0.1).step({"W": np.zeros(2)}, {"W": np.array([np.nan, 0.0])})
    with pytest.raises(FloatingPointError, match="the gradient norm is nan"):
        clip_grad_norm({"W": np.array([np.nan])}, 1.0)


def test_mismatched_shapes_and_keys_are_named():
    with pytest.raises(ValueError, match=r"grads\['W'\] must have the shape of params\['W'\], \(2,\); got \(3,\)"):
        Adam().step({"W": np.zeros(2)}, {"W": np.zeros(3)})
    with pytest.raises(ValueError, match="same keys"):
        Adam().step({"W": np.zeros(2)}, {"V": np.zeros(2)})
