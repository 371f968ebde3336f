"""The NumPy RNN, LSTM and GRU against torch.nn (to 1e-10 in float64) and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.gradcheck import gradcheck
from companion.scratch.numpy_rnn import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    init_weights,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from companion.practice.torch_bridge import weights_to_torch

SHAPES = [(1, 1, 1, 1), (1, 3, 4, 5), (5, 1, 3, 2), (7, 4, 3, 6)]  # (T, B, D, H)
# (cell, nonlinearity): the RNN twice, once per nonlinearity.
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]
# Finite-difference step. Rounding error in f(x +- eps) is about 1e-16 / eps, so
# with eps = 1e-6 a gradient entry of size 1e-4 already shows a relative error
# near 1e-7; eps = 1e-5 balances rounding against the eps**2 truncation error.
EPS = 1e-5
TORCH_CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def make_case(cell, T, B, D, H, dtype=np.float64, seed=0):
    """Random inputs, non-zero initial states, weights, and upstream gradients for a sequence."""
    rng = np.random.default_rng(seed)
    case = {
        "x": rng.standard_normal((T, B, D)).astype(dtype),
        "h0": rng.standard_normal((B, H)).astype(dtype),
        **init_weights(cell, D, H, rng, dtype),
        "G_out": rng.standard_normal((T, B, H)).astype(dtype),
        "G_h": rng.standard_normal((B, H)).astype(dtype),
    }
    if cell == "lstm":
        case["c0"] = rng.standard_normal((B, H)).astype(dtype)
        case["G_c"] = rng.standard_normal((B, H)).astype(dtype)
    return case


def numpy_run(cell, nonlinearity, case):
    """Outputs, final states and gradients of loss = sum(out G_out) + sum(h_T G_h) (+ sum(c_T G_c))."""
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    if cell == "rnn":
        out, h_T, cache = rnn_forward(case["x"], case["h0"], **w, nonlinearity=nonlinearity)
        return out, (h_T,), rnn_backward(case["G_out"], cache, d_hT=case["G_h"])
    if cell == "lstm":
        out, (h_T, c_T), cache = lstm_forward(case["x"], case["h0"], case["c0"], **w)
        return out, (h_T, c_T), lstm_backward(case["G_out"], cache, d_hT=case["G_h"], d_cT=case["G_c"])
    out, h_T, cache = gru_forward(case["x"], case["h0"], **w)
    return out, (h_T,), gru_backward(case["G_out"], cache, d_hT=case["G_h"])


def torch_run(cell, nonlinearity, case):
    """The same as numpy_run, by torch.nn and autograd; states carry torch's layer axis."""
    T, B, D = case["x"].shape
    H = case["h0"].shape[1]
    dtype = torch.float64 if case["x"].dtype == np.float64 else torch.float32
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    module = TORCH_CLASSES[cell](D, H, dtype=dtype, **kwargs)
    weights_to_torch(module, {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")})
    x = torch.tensor(case["x"], requires_grad=True)
    h0 = torch.tensor(case["h0"][None], requires_grad=True)
    if cell == "lstm":
        c0 = torch.tensor(case["c0"][None], requires_grad=True)
        out, (h_n, c_n) = module(x, (h0, c0))
        states = (h_n[0], c_n[0])
        loss = (c_n[0] * torch.tensor(case["G_c"])).sum()
    else:
        out, h_n = module(x, h0)
        states = (h_n[0],)
        loss = 0
    loss = loss + (out * torch.tensor(case["G_out"])).sum() + (h_n[0] * torch.tensor(case["G_h"])).sum()
    loss.backward()
    params = dict(zip(("W_ih", "W_hh", "b_ih", "b_hh"), module.parameters()))
    grads = {"x": x.grad.numpy(), "h0": h0.grad[0].numpy(), **{k: p.grad.numpy() for k, p in params.items()}}
    if cell == "lstm":
        grads["c0"] = c0.grad[0].numpy()
    return out.detach().numpy(), tuple(s.detach().numpy() for s in states), grads


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_forward_and_backward_match_torch_in_float64(cell, nonlinearity, T, B, D, H):
    case = make_case(cell, T, B, D, H)
    out, states, grads = numpy_run(cell, nonlinearity, case)
    t_out, t_states, t_grads = torch_run(cell, nonlinearity, case)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=1e-10)
    for state, t_state in zip(states, t_states, strict=True):
        np.testing.assert_allclose(state, t_state, rtol=0, atol=1e-10)
    assert grads.keys() == t_grads.keys()
    for name in grads:
        assert grads[name].shape == t_grads[name].shape, name
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=0, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_float32_runs_in_float32_and_matches_torch_loosely(cell, nonlinearity):
    case = make_case(cell, 7, 4, 3, 6, dtype=np.float32)
    out, states, grads = numpy_run(cell, nonlinearity, case)
    t_out, t_states, t_grads = torch_run(cell, nonlinearity, case)
    tolerance = 1e-5  # float32 rounding, accumulated over 7 steps
    for ours, theirs in [(out, t_out), *zip(states, t_states)]:
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)
    for name in grads:
        assert grads[name].dtype == np.float32, name
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=tolerance, atol=tolerance, err_msg=name)


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_sequence_backward_matches_numerical_gradient(cell, nonlinearity):
    case = make_case(cell, 4, 2, 3, 3, seed=1)
    inputs = {k: case[k] for k in ("x", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh") if k in case}

    def loss(**inputs):
        out, states, _ = numpy_run(cell, nonlinearity, {**case, **inputs})
        upstream = (case["G_h"], case["G_c"]) if cell == "lstm" else (case["G_h"],)
        return np.sum(out * case["G_out"]) + sum(np.sum(s * g) for s, g in zip(states, upstream))

    _, _, grads = numpy_run(cell, nonlinearity, case)
    assert grads.keys() == inputs.keys()
    errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
    assert max(errors.values()) < 1e-7, errors


def test_rnn_step_backward_matches_numerical_gradient():
    rng = np.random.default_rng(2)
    for nonlinearity in ("tanh", "relu"):
        inputs = {"x_t": rng.standard_normal((3, 4)), "h_prev": rng.standard_normal((3, 5))}
        inputs.update(init_weights("rnn", 4, 5, rng))
        G = rng.standard_normal((3, 5))

        def loss(**inputs):
            return np.sum(rnn_step_forward(**inputs, nonlinearity=nonlinearity)[0] * G)

        grads = rnn_step_backward(G, rnn_step_forward(**inputs, nonlinearity=nonlinearity)[1])
        assert grads.keys() == inputs.keys()
        errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
        assert max(errors.values()) < 1e-7, (nonlinearity, errors)


def test_lstm_step_backward_matches_numerical_gradient():
    rng = np.random.default_rng(3)
    inputs = {
        "x_t": rng.standard_normal((3, 4)),
        "h_prev": rng.standard_normal((3, 5)),
        "c_prev": rng.standard_normal((3, 5)),
        **init_weights("lstm", 4, 5, rng),
    }
    G_h, G_c = rng.standard_normal((2, 3, 5))

    def loss(**inputs):
        h_t, c_t, _ = lstm_step_forward(**inputs)
        return np.sum(h_t * G_h) + np.sum(c_t * G_c)

    grads = lstm_step_backward(G_h, G_c, lstm_step_forward(**inputs)[2])
    assert grads.keys() == inputs.keys()
    errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
    assert max(errors.values()) < 1e-7, errors


def test_gru_step_backward_matches_numerical_gradient():
    rng = np.random.default_rng(4)
    inputs = {"x_t": rng.standard_normal((3, 4)), "h_prev": rng.standard_normal((3, 5))}
    inputs.update(init_weights("gru", 4, 5, rng))
    G = rng.standard_normal((3, 5))

    def loss(**inputs):
        return np.sum(gru_step_forward(**inputs)[0] * G)

    grads = gru_step_backward(G, gru_step_forward(**inputs)[1])
    assert grads.keys() == inputs.keys()
    errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_step_forward_matches_one_step_of_the_sequence(cell, nonlinearity):
    case = make_case(cell, 1, 3, 4, 5)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    out, states, _ = numpy_run(cell, nonlinearity, case)
    if cell == "rnn":
        step = (rnn_step_forward(case["x"][0], case["h0"], **w, nonlinearity=nonlinearity)[0],)
    elif cell == "lstm":
        step = lstm_step_forward(case["x"][0], case["h0"], case["c0"], **w)[:2]
    else:
        step = (gru_step_forward(case["x"][0], case["h0"], **w)[0],)
    for ours, theirs in zip(step, states, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)


def test_lstm_cache_views_hold_every_step_of_the_step_function():
    # The cache stores the batch in columns; its time-major views must show what each step computed.
    T, B, D, H = 4, 3, 2, 5
    case = make_case("lstm", T, B, D, H)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    outputs, (h_T, c_T), cache = lstm_forward(case["x"], case["h0"], case["c0"], **w)
    assert cache.x.shape == (T, B, D) and cache.hs.shape == cache.cs.shape == (T + 1, B, H)
    assert cache.gates.shape == (T, B, 4 * H)
    np.testing.assert_array_equal(cache.x, case["x"])
    h, c = case["h0"], case["c0"]
    for t in range(T):
        h, c, step = lstm_step_forward(case["x"][t], h, c, **w)
        for name, ours, theirs in [("h", cache.hs[t + 1], h), ("c", cache.cs[t + 1], c),
                                   ("gates", cache.gates[t], step.gates), ("output", outputs[t], h)]:
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14, err_msg=f"{name} at step {t}")
    np.testing.assert_array_equal(h_T, outputs[-1])
    np.testing.assert_array_equal(c_T, cache.cs[T])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_missing_initial_state_means_zeros_and_still_gets_a_gradient(cell):
    case = make_case(cell, 3, 2, 3, 4)
    case["h0"] = np.zeros_like(case["h0"])
    if cell == "lstm":
        case["c0"] = np.zeros_like(case["c0"])
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    out, _, grads = numpy_run(cell, "tanh", case)
    if cell == "rnn":
        out_none, _, cache = rnn_forward(case["x"], None, **w)
        grads_none = rnn_backward(case["G_out"], cache, case["G_h"])
    elif cell == "lstm":
        out_none, _, cache = lstm_forward(case["x"], None, None, **w)
        grads_none = lstm_backward(case["G_out"], cache, case["G_h"], case["G_c"])
    else:
        out_none, _, cache = gru_forward(case["x"], None, **w)
        grads_none = gru_backward(case["G_out"], cache, case["G_h"])
    np.testing.assert_array_equal(out_none, out)
    for name in grads:
        np.testing.assert_array_equal(grads_none[name], grads[name])


def test_backward_without_final_state_gradients_treats_them_as_zero():
    case = make_case("lstm", 4, 2, 3, 4)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    _, _, cache = lstm_forward(case["x"], case["h0"], case["c0"], **w)
    zeros = np.zeros_like(case["h0"])
    implicit = lstm_backward(case["G_out"], cache)
    explicit = lstm_backward(case["G_out"], cache, zeros, zeros)
    for name in implicit:
        np.testing.assert_array_equal(implicit[name], explicit[name])


def test_init_weights_has_torch_shapes_range_and_dtype():
    rng = np.random.default_rng(0)
    for cell, G in [("rnn", 1), ("lstm", 4), ("gru", 3)]:
        w = init_weights(cell, 3, 16, rng, dtype=np.float32)
        assert {k: v.shape for k, v in w.items()} == {
            "W_ih": (G * 16, 3), "W_hh": (G * 16, 16), "b_ih": (G * 16,), "b_hh": (G * 16,)}
        assert all(v.dtype == np.float32 and np.abs(v).max() <= 0.25 for v in w.values())
    with pytest.raises(ValueError, match='cell must be "rnn", "lstm" or "gru"'):
        init_weights("transformer", 3, 4, rng)


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
def test_forward_and_backward_leave_their_arguments_unchanged(cell, nonlinearity):
    case = make_case(cell, 3, 2, 3, 4)
    before = {k: v.copy() for k, v in case.items()}
    numpy_run(cell, nonlinearity, case)
    for name in case:
        np.testing.assert_array_equal(case[name], before[name], err_msg=name)


def test_step_functions_keep_float32():
    rng = np.random.default_rng(5)
    x_t, h, c = rng.standard_normal((3, 2, 4)).astype(np.float32)  # B = 2, D = H = 4
    w = {cell: init_weights(cell, 4, 4, rng, np.float32) for cell in ("rnn", "lstm", "gru")}
    h_rnn, cache = rnn_step_forward(x_t, h, **w["rnn"])
    grads = [rnn_step_backward(h_rnn, cache)]
    h_lstm, c_lstm, cache = lstm_step_forward(x_t, h, c, **w["lstm"])
    grads.append(lstm_step_backward(h_lstm, c_lstm, cache))
    h_gru, cache = gru_step_forward(x_t, h, **w["gru"])
    grads.append(gru_step_backward(h_gru, cache))
    assert all(a.dtype == np.float32 for a in (h_rnn, h_lstm, c_lstm, h_gru))
    assert all(g.dtype == np.float32 for d in grads for g in d.values())


# --------------------------------------------------------------- bad input


def lstm_args(**changes):
    rng = np.random.default_rng(0)
    args = {"x": np.zeros((5, 2, 3)), "h0": np.zeros((2, 8)), "c0": np.zeros((2, 8)), **init_weights("lstm", 3, 8, rng)}
    return {**args, **changes}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"x": np.zeros((5, 3))}, r"x must be \(T, B, D\) = \(\*, \*, 3\); got \(5, 3\)"),
        ({"x": np.zeros((5, 2, 4))}, r"x must be \(T, B, D\) = \(\*, \*, 3\); got \(5, 2, 4\)"),
        ({"W_hh": np.zeros((8, 8))}, r"W_hh must be \(4\*H, H\) = \(32, 8\); got \(8, 8\)"),
        ({"W_ih": np.zeros((32, 3, 1))}, r"W_ih must be \(4\*H, D\) = \(32, \*\); got \(32, 3, 1\)"),
        ({"b_hh": np.zeros(8)}, r"b_hh must be \(4\*H,\) = \(32,\); got \(8,\)"),
        ({"h0": np.zeros((3, 8))}, r"h0 must be \(B, H\) = \(2, 8\); got \(3, 8\)"),
        ({"c0": np.zeros((2, 7))}, r"c0 must be \(B, H\) = \(2, 8\); got \(2, 7\)"),
        ({"x": np.zeros((5, 2, 3), dtype=np.int64)}, "x has dtype int64; expected float32 or float64"),
        ({"W_ih": np.zeros((32, 3), dtype=np.float32)}, "W_ih has dtype float32 but x has float64"),
    ],
)
def test_lstm_forward_rejects_bad_input_naming_the_expected_shape(changes, message):
    with pytest.raises(ValueError, match=message):
        lstm_forward(**lstm_args(**changes))


def test_rnn_rejects_bad_nonlinearity():
    w = init_weights("rnn", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match='nonlinearity must be "tanh" or "relu"; got \'sigmoid\''):
        rnn_forward(np.zeros((2, 1, 3)), None, **w, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity must be"):
        rnn_step_forward(np.zeros((1, 3)), np.zeros((1, 4)), **w, nonlinearity="sigmoid")


def test_step_functions_reject_bad_input():
    rng = np.random.default_rng(0)
    w = init_weights("gru", 3, 4, rng)
    with pytest.raises(ValueError, match=r"x_t must be \(B, D\) = \(\*, 3\); got \(2, 1, 3\)"):
        gru_step_forward(np.zeros((2, 1, 3)), np.zeros((2, 4)), **w)
    with pytest.raises(ValueError, match=r"h_prev must be \(B, H\) = \(2, 4\); got \(2, 5\)"):
        gru_step_forward(np.zeros((2, 3)), np.zeros((2, 5)), **w)
    with pytest.raises(ValueError, match=r"W_hh must be \(H, H\) = \(4, 4\); got \(12, 4\)"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), **w)
    with pytest.raises(ValueError, match="h_prev has dtype float32 but x_t has float64"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4), np.float32), **init_weights("rnn", 3, 4, rng))
    lw = init_weights("lstm", 3, 4, rng)
    with pytest.raises(ValueError, match="x_t has dtype int64; expected float32 or float64"):
        lstm_step_forward(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4)), np.zeros((2, 4)), **lw)


def test_backward_rejects_upstream_gradients_of_the_wrong_shape_or_dtype():
    w = init_weights("rnn", 3, 4, np.random.default_rng(0))
    _, _, cache = rnn_forward(np.zeros((5, 2, 3)), None, **w)
    with pytest.raises(ValueError, match=r"d_outputs must be \(T, B, H\) = \(5, 2, 4\); got \(5, 4\)"):
        rnn_backward(np.zeros((5, 4)), cache)
    with pytest.raises(ValueError, match=r"d_hT must be \(B, H\) = \(2, 4\); got \(4,\)"):
        rnn_backward(np.zeros((5, 2, 4)), cache, d_hT=np.zeros(4))
    with pytest.raises(ValueError, match="d_outputs has dtype float32; expected float64"):
        rnn_backward(np.zeros((5, 2, 4), np.float32), cache)
