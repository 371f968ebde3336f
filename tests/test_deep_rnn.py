"""companion.scratch.deep_rnn: stacked and bidirectional layers against torch.nn (to 1e-10 in float64) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.deep_rnn import (
    deep_backward,
    deep_forward,
    direction_forward,
    init_deep_weights,
    layer_weights,
)
from companion.scratch.gradcheck import numerical_gradient
from companion.scratch.lstm import lstm_forward
from companion.practice.torch_bridge import weights_from_torch

TORCH_CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
SHAPES = [(1, 1, 1, 1), (5, 1, 3, 2), (4, 3, 5, 6), (7, 2, 4, 3)]  # (T, B, D, H)


def torch_case(cell, T, B, D, H, num_layers, bidirectional, seed=0):
    """A float64 torch module with its weights as a NumPy dict, inputs, initial states and upstream gradients."""
    torch.manual_seed(seed)
    module = TORCH_CLASSES[cell](D, H, num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64)
    weights = {name: p.detach().numpy().copy() for name, p in module.named_parameters()}
    rng = np.random.default_rng(seed)
    L = num_layers * (2 if bidirectional else 1)
    case = {
        "x": rng.standard_normal((T, B, D)),
        "h0": rng.standard_normal((L, B, H)),
        "c0": rng.standard_normal((L, B, H)) if cell == "lstm" else None,
        "G_out": rng.standard_normal((T, B, H * (2 if bidirectional else 1))),
        "G_h": rng.standard_normal((L, B, H)),
        "G_c": rng.standard_normal((L, B, H)) if cell == "lstm" else None,
    }
    return module, weights, case


def torch_run(module, case):
    """Outputs, final states and gradients of sum(out G_out) + sum(h_n G_h) (+ sum(c_n G_c)) by autograd."""
    x = torch.tensor(case["x"], requires_grad=True)
    h0 = torch.tensor(case["h0"], requires_grad=True)
    if case["c0"] is not None:
        c0 = torch.tensor(case["c0"], requires_grad=True)
        out, (h_n, c_n) = module(x, (h0, c0))
        loss = (c_n * torch.tensor(case["G_c"])).sum()
    else:
        out, h_n = module(x, h0)
        c_n, loss = None, 0
    loss = loss + (out * torch.tensor(case["G_out"])).sum() + (h_n * torch.tensor(case["G_h"])).sum()
    loss.backward()
    grads = {"x": x.grad.numpy(), "h0": h0.grad.numpy()}
    if c_n is not None:
        grads["c0"] = c0.grad.numpy()
    grads.update({name: p.grad.numpy() for name, p in module.named_parameters()})
    states = (h_n.detach().numpy(), None if c_n is None else c_n.detach().numpy())
    return out.detach().numpy(), states, grads


def numpy_run(cell, weights, case, num_layers, bidirectional):
    out, states, cache = deep_forward(
        case["x"], weights, cell, num_layers, bidirectional, case["h0"], case["c0"]
    )
    grads = deep_backward(case["G_out"], cache, case["G_h"], case["G_c"])
    return out, states, grads


@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_two_layer_bidirectional_lstm_matches_torch_in_float64(T, B, D, H):
    module, weights, case = torch_case("lstm", T, B, D, H, num_layers=2, bidirectional=True)
    out, states, grads = numpy_run("lstm", weights, case, 2, True)
    t_out, t_states, t_grads = torch_run(module, case)
    assert out.shape == (T, B, 2 * H)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=1e-10)
    for ours, theirs in zip(states, t_states, strict=True):
        assert ours.shape == (4, B, H)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    assert grads.keys() == t_grads.keys()
    assert len(grads) == 3 + 16  # x, h0, c0 and 4 weights for each of 2 layers x 2 directions
    for name in grads:
        assert grads[name].shape == t_grads[name].shape, name
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=0, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (1, True), (3, False), (3, True)])
def test_every_cell_and_depth_matches_torch(cell, num_layers, bidirectional):
    module, weights, case = torch_case(cell, 4, 3, 2, 5, num_layers, bidirectional, seed=1)
    out, states, grads = numpy_run(cell, weights, case, num_layers, bidirectional)
    t_out, t_states, t_grads = torch_run(module, case)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=1e-10)
    np.testing.assert_allclose(states[0], t_states[0], rtol=0, atol=1e-10)
    assert (states[1] is None) == (cell != "lstm")
    assert grads.keys() == t_grads.keys()
    for name in grads:
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=0, atol=1e-10, err_msg=name)


def test_weights_from_torch_per_layer_agree_with_the_flat_dict():
    module, weights, _ = torch_case("lstm", 3, 2, 3, 4, num_layers=2, bidirectional=True)
    for layer in range(2):
        for reverse in (False, True):
            from_bridge = weights_from_torch(module, layer, reverse)
            ours = layer_weights(weights, layer, reverse)
            for name in from_bridge:
                np.testing.assert_array_equal(ours[name], from_bridge[name])


def test_deep_backward_matches_numerical_gradient():
    rng = np.random.default_rng(2)
    weights = init_deep_weights("lstm", 3, 2, num_layers=2, bidirectional=True, rng=rng)
    x = rng.standard_normal((4, 2, 3))
    h0, c0 = rng.standard_normal((2, 4, 2, 2))
    G = rng.standard_normal((4, 2, 4))

    def loss(x, h0, c0, **weights):
        return np.sum(deep_forward(x, weights, "lstm", 2, True, h0, c0)[0] * G)

    _, _, cache = deep_forward(x, weights, "lstm", 2, True, h0, c0)
    grads = deep_backward(G, cache)
    inputs = {"x": x, "h0": h0, "c0": c0, **weights}
    assert grads.keys() == inputs.keys()
    for name, value in inputs.items():
        numerical = numerical_gradient(lambda v, name=name: loss(**{**inputs, name: v}), value, eps=1e-5)
        # Relative to the whole array: a few entries near 1e-5 carry finite-difference noise of 1e-11.
        error = np.linalg.norm(grads[name] - numerical) / np.linalg.norm(numerical)
        assert error < 1e-8, (name, error)


def test_reverse_direction_equals_the_cell_on_the_flipped_sequence():
    rng = np.random.default_rng(3)
    w = init_deep_weights("lstm", 3, 4, 1, False, rng)
    x = rng.standard_normal((6, 2, 3))
    out_rev, h_T, _, _ = direction_forward("lstm", x, None, None, layer_weights(w, 0, False), reverse=True)
    out_flipped, (h_flipped, _), _ = lstm_forward(np.ascontiguousarray(x[::-1]), None, None, **layer_weights(w, 0, False))
    np.testing.assert_array_equal(out_rev, out_flipped[::-1])
    np.testing.assert_array_equal(h_T, out_rev[0])  # the backward direction ends at t = 0
    np.testing.assert_array_equal(h_T, h_flipped)


def test_init_deep_weights_has_torchs_names_and_shapes():
    module = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    weights = init_deep_weights("gru", 3, 5, 2, True, np.random.default_rng(0), np.float32)
    expected = {name: tuple(p.shape) for name, p in module.named_parameters()}
    assert {name: w.shape for name, w in weights.items()} == expected
    assert all(w.dtype == np.float32 for w in weights.values())


def test_float32_stays_float32():
    rng = np.random.default_rng(4)
    weights = init_deep_weights("lstm", 3, 4, 2, True, rng, np.float32)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    out, (h_n, c_n), cache = deep_forward(x, weights, "lstm", 2, True)
    grads = deep_backward(np.ones_like(out), cache)
    assert out.dtype == h_n.dtype == c_n.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


def test_outputs_are_not_views_into_the_cache():
    rng = np.random.default_rng(5)
    weights = init_deep_weights("rnn", 2, 3, 1, False, rng)
    x = rng.standard_normal((4, 2, 2))
    out, _, cache = deep_forward(x, weights, "rnn")
    before = cache.caches[0].hs.copy()
    out[...] = 0
    np.testing.assert_array_equal(cache.caches[0].hs, before)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(x=np.zeros((5, 3))), r"x must be \(T, B, D\); got \(5, 3\)"),
        (dict(num_layers=3), r"missing \['bias_hh_l2', 'bias_hh_l2_reverse'"),
        (dict(bidirectional=False), r"unexpected \['bias_hh_l0_reverse'"),
        (dict(x=np.zeros((5, 2, 4))), r"weight_ih_l0 must be \(4\*H, D\) = \(16, 4\); got \(16, 3\)"),
        (dict(h0=np.zeros((2, 2, 4))), r"h0 must be \(L\*dirs, B, H\) = \(4, 2, 4\); got \(2, 2, 4\)"),
        (dict(cell="transformer"), r'cell must be "rnn", "lstm" or "gru"'),
    ],
)
def test_deep_forward_rejects_bad_input_naming_the_expected_shape(change, message):
    weights = init_deep_weights("lstm", 3, 4, 2, True, np.random.default_rng(0))
    args = dict(x=np.zeros((5, 2, 3)), weights=weights, cell="lstm", num_layers=2, bidirectional=True)
    with pytest.raises(ValueError, match=message):
        deep_forward(**{**args, **change})


def test_deep_backward_rejects_upstream_of_the_wrong_width():
    weights = init_deep_weights("gru", 3, 4, 1, True, np.random.default_rng(0))
    _, _, cache = deep_forward(np.zeros((5, 2, 3)), weights, "gru", 1, True)
    with pytest.raises(ValueError, match=r"d_outputs must be \(T, B, dirs\*H\) = \(\*, \*, 8\); got \(5, 2, 4\)"):
        deep_backward(np.zeros((5, 2, 4)), cache)
