"""Shared by tests/test_rnn.py, test_lstm.py, test_gru.py and test_lstm_fast.py: cases, runs, and torch's answers."""

from __future__ import annotations

import numpy as np
import torch

from companion.practice.torch_bridge import weights_to_torch
from companion.scratch.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from companion.scratch.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from companion.scratch.lstm_fast import lstm_backward_fast, lstm_forward_fast
from companion.scratch.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from companion.scratch.weights import init_weights

SHAPES = [(1, 1, 1, 1), (1, 3, 4, 5), (5, 1, 3, 2), (7, 4, 3, 6)]  # (T, B, D, H)
# Finite-difference step. Rounding error in f(x +- eps) is about 1e-16 / eps, so
# with eps = 1e-6 a gradient entry of size 1e-4 already shows a relative error
# near 1e-7; eps = 1e-5 balances rounding against the eps**2 truncation error.
EPS = 1e-5
TORCH_CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "lstm_fast": torch.nn.LSTM, "gru": torch.nn.GRU}
WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


def base(cell: str) -> str:
    """The cell whose weights ``cell`` takes: "lstm" for "lstm_fast"."""
    return "lstm" if cell == "lstm_fast" else cell


def make_case(cell, T, B, D, H, dtype=np.float64, seed=0):
    """Random inputs, non-zero initial states, weights, and upstream gradients for a sequence."""
    rng = np.random.default_rng(seed)
    case = {
        "x": rng.standard_normal((T, B, D)).astype(dtype),
        "h0": rng.standard_normal((B, H)).astype(dtype),
        **init_weights(base(cell), D, H, rng, dtype),
        "G_out": rng.standard_normal((T, B, H)).astype(dtype),
        "G_h": rng.standard_normal((B, H)).astype(dtype),
    }
    if base(cell) == "lstm":
        case["c0"] = rng.standard_normal((B, H)).astype(dtype)
        case["G_c"] = rng.standard_normal((B, H)).astype(dtype)
    return case


def numpy_forward(cell, nonlinearity, case):
    """``(outputs, final states as a tuple, cache)`` of the sequence function of ``cell``."""
    w = {k: case[k] for k in WEIGHTS}
    if cell == "rnn":
        out, h_T, cache = rnn_forward(case["x"], case["h0"], **w, nonlinearity=nonlinearity)
        return out, (h_T,), cache
    if cell in ("lstm", "lstm_fast"):
        forward = lstm_forward if cell == "lstm" else lstm_forward_fast
        out, (h_T, c_T), cache = forward(case["x"], case["h0"], case["c0"], **w)
        return out, (h_T, c_T), cache
    out, h_T, cache = gru_forward(case["x"], case["h0"], **w)
    return out, (h_T,), cache


def numpy_backward(cell, case, cache):
    """Gradients of loss = sum(out G_out) + sum(h_T G_h) (+ sum(c_T G_c)) from the forward's cache."""
    if cell == "rnn":
        return rnn_backward(case["G_out"], cache, d_hT=case["G_h"])
    if cell in ("lstm", "lstm_fast"):
        backward = lstm_backward if cell == "lstm" else lstm_backward_fast
        return backward(case["G_out"], cache, d_hT=case["G_h"], d_cT=case["G_c"])
    return gru_backward(case["G_out"], cache, d_hT=case["G_h"])


def numpy_run(cell, nonlinearity, case):
    """Outputs, final states and gradients of the loss of :func:`numpy_backward`."""
    out, states, cache = numpy_forward(cell, nonlinearity, case)
    return out, states, numpy_backward(cell, case, cache)


def step_forward(cell, nonlinearity, x_t, h_prev, c_prev, w):
    """``(returned states as a tuple, cache)`` of the step function of ``cell``."""
    if cell == "rnn":
        h_t, cache = rnn_step_forward(x_t, h_prev, **w, nonlinearity=nonlinearity)
        return (h_t,), cache
    if cell == "lstm":
        h_t, c_t, cache = lstm_step_forward(x_t, h_prev, c_prev, **w)
        return (h_t, c_t), cache
    h_t, cache = gru_step_forward(x_t, h_prev, **w)
    return (h_t,), cache


def step_backward(cell, upstream, cache):
    """The step backward of ``cell``, given one upstream gradient per returned state."""
    if cell == "rnn":
        return rnn_step_backward(*upstream, cache)
    if cell == "lstm":
        return lstm_step_backward(*upstream, cache)
    return gru_step_backward(*upstream, cache)


def torch_run(cell, nonlinearity, case):
    """The same as numpy_run, by torch.nn and autograd; states carry torch's layer axis."""
    T, B, D = case["x"].shape
    H = case["h0"].shape[1]
    dtype = torch.float64 if case["x"].dtype == np.float64 else torch.float32
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    module = TORCH_CLASSES[cell](D, H, dtype=dtype, **kwargs)
    weights_to_torch(module, {k: case[k] for k in WEIGHTS})
    x = torch.tensor(case["x"], requires_grad=True)
    h0 = torch.tensor(case["h0"][None], requires_grad=True)
    if base(cell) == "lstm":
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
    params = dict(zip(WEIGHTS, module.parameters()))
    grads = {"x": x.grad.numpy(), "h0": h0.grad[0].numpy(), **{k: p.grad.numpy() for k, p in params.items()}}
    if base(cell) == "lstm":
        grads["c0"] = c0.grad[0].numpy()
    return out.detach().numpy(), tuple(s.detach().numpy() for s in states), grads


def assert_matches_torch(cell, nonlinearity, case, atol):
    """Outputs, final states and every gradient of ``cell`` equal torch's, to ``atol``."""
    out, states, grads = numpy_run(cell, nonlinearity, case)
    t_out, t_states, t_grads = torch_run(cell, nonlinearity, case)
    for ours, theirs in [(out, t_out), *zip(states, t_states, strict=True)]:
        assert ours.dtype == case["x"].dtype
        np.testing.assert_allclose(ours, theirs, rtol=atol, atol=atol)
    assert grads.keys() == t_grads.keys()
    for name in grads:
        assert grads[name].shape == t_grads[name].shape, name
        assert grads[name].dtype == case["x"].dtype, name
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=atol, atol=atol, err_msg=name)


def assert_returned_arrays_are_not_views_of_the_cache(cell, nonlinearity="tanh"):
    """Edit every array a sequence function returns, in place; the backward pass must not change.

    For the step functions too (``cell`` other than "lstm_fast"): edit the
    returned states after the step and compare the step backward.
    """
    case = make_case(cell, 4, 3, 2, 5)
    _, _, expected = numpy_run(cell, nonlinearity, case)
    out, states, cache = numpy_forward(cell, nonlinearity, case)
    for array in (out, *states):
        array += 1.0
        array *= -3.0
    got = numpy_backward(cell, case, cache)
    assert got.keys() == expected.keys()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=f"{cell}: {name} changed")
    if cell == "lstm_fast":
        return
    w = {k: case[k] for k in WEIGHTS}
    c0 = case.get("c0")
    upstream = [case["G_h"], case["G_c"]] if cell == "lstm" else [case["G_h"]]
    states, cache = step_forward(cell, nonlinearity, case["x"][0], case["h0"], c0, w)
    expected = step_backward(cell, upstream, cache)
    states, cache = step_forward(cell, nonlinearity, case["x"][0], case["h0"], c0, w)
    for array in states:
        array += 1.0
        array *= -3.0
    got = step_backward(cell, upstream, cache)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=f"{cell} step: {name} changed")


def assert_sequence_backward_matches_numerical_gradient(cell, nonlinearity="tanh"):
    from companion.scratch.gradcheck import gradcheck

    case = make_case(cell, 4, 2, 3, 3, seed=1)
    inputs = {k: case[k] for k in ("x", "h0", "c0", *WEIGHTS) if k in case}

    def loss(**inputs):
        out, states, _ = numpy_forward(cell, nonlinearity, {**case, **inputs})
        upstream = (case["G_h"], case["G_c"]) if base(cell) == "lstm" else (case["G_h"],)
        return np.sum(out * case["G_out"]) + sum(np.sum(s * g) for s, g in zip(states, upstream))

    _, _, grads = numpy_run(cell, nonlinearity, case)
    assert grads.keys() == inputs.keys()
    errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
    assert max(errors.values()) < 1e-7, errors


def assert_step_backward_matches_numerical_gradient(cell, nonlinearity="tanh", seed=2):
    from companion.scratch.gradcheck import gradcheck

    rng = np.random.default_rng(seed)
    inputs = {"x_t": rng.standard_normal((3, 4)), "h_prev": rng.standard_normal((3, 5))}
    if cell == "lstm":
        inputs["c_prev"] = rng.standard_normal((3, 5))
    inputs.update(init_weights(cell, 4, 5, rng))
    upstream = list(rng.standard_normal((2 if cell == "lstm" else 1, 3, 5)))

    def run(inputs):
        w = {k: inputs[k] for k in WEIGHTS}
        return step_forward(cell, nonlinearity, inputs["x_t"], inputs["h_prev"], inputs.get("c_prev"), w)

    def loss(**inputs):
        states, _ = run(inputs)
        return sum(np.sum(s * g) for s, g in zip(states, upstream, strict=True))

    grads = step_backward(cell, upstream, run(inputs)[1])
    assert grads.keys() == inputs.keys()
    errors = gradcheck(loss, inputs, analytic=grads, eps=EPS)
    assert max(errors.values()) < 1e-7, (nonlinearity, errors)


def assert_step_forward_matches_one_step_of_the_sequence(cell, nonlinearity="tanh"):
    case = make_case(cell, 1, 3, 4, 5)
    _, states, _ = numpy_run(cell, nonlinearity, case)
    step, _ = step_forward(cell, nonlinearity, case["x"][0], case["h0"], case.get("c0"), {k: case[k] for k in WEIGHTS})
    for ours, theirs in zip(step, states, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)


def assert_missing_initial_state_means_zeros(cell):
    case = make_case(cell, 3, 2, 3, 4)
    case["h0"] = np.zeros_like(case["h0"])
    if "c0" in case:
        case["c0"] = np.zeros_like(case["c0"])
    out, _, grads = numpy_run(cell, "tanh", case)
    out_none, _, grads_none = numpy_run(cell, "tanh", {**case, "h0": None, "c0": None})
    np.testing.assert_array_equal(out_none, out)
    for name in grads:
        np.testing.assert_array_equal(grads_none[name], grads[name])


def assert_arguments_unchanged(cell, nonlinearity="tanh"):
    case = make_case(cell, 3, 2, 3, 4)
    before = {k: v.copy() for k, v in case.items()}
    numpy_run(cell, nonlinearity, case)
    for name in case:
        np.testing.assert_array_equal(case[name], before[name], err_msg=name)
