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


# --- whole stacks: NumPy (companion.scratch) and torch.nn give the same numbers -------------

import itertools  # noqa: E402

from companion.practice.torch_bridge import deep_weights_from_torch, deep_weights_to_torch  # noqa: E402
from companion.scratch.deep_rnn import deep_forward, init_deep_weights  # noqa: E402
from companion.scratch.gru import gru_forward  # noqa: E402
from companion.scratch.rnn import rnn_forward  # noqa: E402
from companion.scratch.weights import init_weights as scratch_init_weights  # noqa: E402

MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_single_layer_numpy_weights_give_torch_outputs_to_1e_6_in_float32(cell):
    T, B, D, H = 6, 3, 4, 5
    rng = np.random.default_rng(1)
    weights = scratch_init_weights(cell, D, H, rng, dtype=np.float32)
    module = MODULES[cell](D, H)  # float32
    weights_to_torch(module, weights)
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    h0 = rng.standard_normal((B, H)).astype(np.float32)
    with torch.no_grad():
        if cell == "lstm":
            c0 = rng.standard_normal((B, H)).astype(np.float32)
            ours, (h_T, c_T), _ = lstm_forward(x, h0, c0, **weights)
            theirs, (h_n, c_n) = module(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
            np.testing.assert_allclose(c_T, c_n[0].numpy(), rtol=0, atol=1e-6)
        else:
            forward = rnn_forward if cell == "rnn" else gru_forward
            ours, h_T, _ = forward(x, h0, **weights)
            theirs, h_n = module(torch.from_numpy(x), torch.from_numpy(h0)[None])
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(h_T, h_n[0].numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("cell, num_layers, bidirectional", list(itertools.product(["rnn", "lstm", "gru"], [1, 2], [False, True])))
def test_stack_numpy_weights_give_torch_outputs_to_1e_6_in_float32(cell, num_layers, bidirectional):
    T, B, D, H = 5, 2, 3, 4
    rng = np.random.default_rng(2)
    weights = init_deep_weights(cell, D, H, num_layers, bidirectional, rng, dtype=np.float32)
    module = MODULES[cell](D, H, num_layers=num_layers, bidirectional=bidirectional)
    deep_weights_to_torch(module, weights)
    dirs = 2 if bidirectional else 1
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    h0 = rng.standard_normal((num_layers * dirs, B, H)).astype(np.float32)
    c0 = rng.standard_normal((num_layers * dirs, B, H)).astype(np.float32) if cell == "lstm" else None
    ours, (h_n, c_n), _ = deep_forward(x, weights, cell, num_layers, bidirectional, h0, c0)
    with torch.no_grad():
        state = torch.from_numpy(h0) if cell != "lstm" else (torch.from_numpy(h0), torch.from_numpy(c0))
        theirs, state_n = module(torch.from_numpy(x), state)
    h_n_t, c_n_t = state_n if cell == "lstm" else (state_n, None)
    assert ours.shape == (T, B, dirs * H)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(h_n, h_n_t.numpy(), rtol=0, atol=1e-6)
    if cell == "lstm":
        np.testing.assert_allclose(c_n, c_n_t.numpy(), rtol=0, atol=1e-6)
    back = deep_weights_from_torch(module)
    assert back.keys() == weights.keys()
    for name in weights:
        np.testing.assert_array_equal(back[name], weights[name])


def test_deep_weights_to_torch_names_missing_and_extra_weights():
    module = torch.nn.LSTM(3, 4, num_layers=2)
    weights = init_deep_weights("lstm", 3, 4, 2, True, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"bidirectional=False: missing \[\], unexpected \['bias_hh_l0_reverse'"):
        deep_weights_to_torch(module, weights)
    weights = init_deep_weights("lstm", 3, 4, 1, False, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l1', 'bias_ih_l1', 'weight_hh_l1', 'weight_ih_l1'\]"):
        deep_weights_to_torch(module, weights)
    with pytest.raises(ValueError, match="must be a torch.nn.RNN, LSTM or GRU"):
        deep_weights_to_torch(torch.nn.Linear(2, 2), {})
