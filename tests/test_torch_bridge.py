"""companion.practice.torch_bridge: weights travel between NumPy and torch.nn unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.lstm import lstm_forward
from companion.scratch.weights import init_weights
from companion.practice.torch_bridge import weights_from_torch, weights_to_torch


def test_weights_round_trip_through_any_layer_and_direction():
    module = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    weights = init_weights("gru", 8, 4, np.random.default_rng(0))  # layer 1 reads both directions: D = 2H
    weights_to_torch(module, weights, layer=1, reverse=True)
    back = weights_from_torch(module, layer=1, reverse=True)
    assert back.keys() == weights.keys()
    for name in weights:
        assert back[name].dtype == np.float64
        np.testing.assert_array_equal(back[name], weights[name])
    np.testing.assert_array_equal(module.weight_hh_l1_reverse.detach().numpy(), weights["W_hh"])


def test_weights_from_torch_keeps_dtype_and_copies():
    module = torch.nn.LSTM(3, 5)  # float32
    weights = weights_from_torch(module)
    assert {k: v.shape for k, v in weights.items()} == {"W_ih": (20, 3), "W_hh": (20, 5), "b_ih": (20,), "b_hh": (20,)}
    assert all(v.dtype == np.float32 for v in weights.values())
    weights["W_ih"][:] = 0  # a copy: the module is untouched
    assert torch.count_nonzero(module.weight_ih_l0) > 0


def test_module_without_bias_gives_zero_biases_and_the_same_outputs():
    module = torch.nn.LSTM(3, 4, bias=False, dtype=torch.float64)
    weights = weights_from_torch(module)
    assert not weights["b_ih"].any() and not weights["b_hh"].any()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    out, _, _ = lstm_forward(x, None, None, **weights)
    np.testing.assert_allclose(out, module(torch.tensor(x))[0].detach().numpy(), rtol=0, atol=1e-12)
    weights_to_torch(module, weights)  # zero biases are fine
    weights["b_hh"][0] = 1.0
    with pytest.raises(ValueError, match="bias=False, so b_hh must be zero"):
        weights_to_torch(module, weights)


def test_bridge_rejects_wrong_shapes_layers_and_modules():
    module = torch.nn.GRU(3, 4, num_layers=2)
    weights = init_weights("gru", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"W_ih must be \(3\*H, D\) = \(12, 4\); got \(12, 3\)"):
        weights_to_torch(module, weights, layer=1)
    with pytest.raises(ValueError, match="layer must be in"):
        weights_from_torch(module, layer=2)
    with pytest.raises(ValueError, match="reverse=True needs a bidirectional module"):
        weights_from_torch(module, reverse=True)
    with pytest.raises(ValueError, match="missing"):
        weights_to_torch(module, {"W_ih": weights["W_ih"]})
    with pytest.raises(ValueError, match="must be a torch.nn.RNN, LSTM or GRU"):
        weights_from_torch(torch.nn.Linear(3, 4))
    with pytest.raises(ValueError, match="proj_size"):
        weights_from_torch(torch.nn.LSTM(3, 4, proj_size=2))
