"""companion.scratch.lstm against torch.nn.LSTM (to 1e-10 in float64) and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from cell_cases import (
    SHAPES,
    assert_arguments_unchanged,
    assert_matches_torch,
    assert_missing_initial_state_means_zeros,
    assert_returned_arrays_are_not_views_of_the_cache,
    assert_sequence_backward_matches_numerical_gradient,
    assert_step_backward_matches_numerical_gradient,
    assert_step_forward_matches_one_step_of_the_sequence,
    make_case,
)
from companion.scratch.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward, sigmoid
from companion.scratch.weights import init_weights

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_forward_and_backward_match_torch_in_float64(T, B, D, H):
    assert_matches_torch("lstm", None, make_case("lstm", T, B, D, H), atol=1e-10)


def test_float32_runs_in_float32_and_matches_torch_loosely():
    assert_matches_torch("lstm", None, make_case("lstm", 7, 4, 3, 6, dtype=np.float32), atol=1e-5)


def test_sequence_backward_matches_numerical_gradient():
    assert_sequence_backward_matches_numerical_gradient("lstm")


def test_step_backward_matches_numerical_gradient():
    assert_step_backward_matches_numerical_gradient("lstm", seed=3)


def test_step_forward_matches_one_step_of_the_sequence():
    assert_step_forward_matches_one_step_of_the_sequence("lstm")


def test_missing_initial_state_means_zeros_and_still_gets_a_gradient():
    assert_missing_initial_state_means_zeros("lstm")


def test_forward_and_backward_leave_their_arguments_unchanged():
    assert_arguments_unchanged("lstm")


def test_editing_returned_arrays_in_place_leaves_the_gradients_unchanged():
    assert_returned_arrays_are_not_views_of_the_cache("lstm")


def test_sigmoid_is_the_logistic_function_and_does_not_overflow():
    a = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    with np.errstate(over="raise"):
        s = sigmoid(a)
    with np.errstate(over="ignore"):
        # Absolute accuracy: 1 + tanh(a/2) cancels for very negative a, where the value is below 1e-13 anyway.
        np.testing.assert_allclose(s, 1 / (1 + np.exp(-a)), rtol=0, atol=3e-16)  # an ulp of 1 is 2.2e-16


def test_cache_holds_every_step_of_the_step_function():
    T, B, D, H = 4, 3, 2, 5
    case = make_case("lstm", T, B, D, H)
    w = {k: case[k] for k in WEIGHTS}
    outputs, (h_T, c_T), cache = lstm_forward(case["x"], case["h0"], case["c0"], **w)
    assert cache.x.shape == (T, B, D) and cache.hs.shape == cache.cs.shape == (T + 1, B, H)
    assert cache.gates.shape == (T, B, 4 * H)
    np.testing.assert_array_equal(cache.x, case["x"])
    h, c = case["h0"], case["c0"]
    for t in range(T):
        h, c, step = lstm_step_forward(case["x"][t], h, c, **w)
        for name, ours, theirs in zip(step._fields, cache.step(t), step, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14, err_msg=f"{name} at step {t}")
        for name, ours, theirs in [("h", cache.hs[t + 1], h), ("c", cache.cs[t + 1], c), ("output", outputs[t], h)]:
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14, err_msg=f"{name} at step {t}")
    np.testing.assert_array_equal(h_T, outputs[-1])
    np.testing.assert_array_equal(c_T, cache.cs[T])


def test_backward_without_final_state_gradients_treats_them_as_zero():
    case = make_case("lstm", 4, 2, 3, 4)
    _, _, cache = lstm_forward(case["x"], case["h0"], case["c0"], **{k: case[k] for k in WEIGHTS})
    zeros = np.zeros_like(case["h0"])
    implicit = lstm_backward(case["G_out"], cache)
    explicit = lstm_backward(case["G_out"], cache, zeros, zeros)
    for name in implicit:
        np.testing.assert_array_equal(implicit[name], explicit[name])


def test_step_functions_keep_float32():
    rng = np.random.default_rng(5)
    x_t, h, c = rng.standard_normal((3, 2, 4)).astype(np.float32)
    h_t, c_t, cache = lstm_step_forward(x_t, h, c, **init_weights("lstm", 4, 4, rng, np.float32))
    assert h_t.dtype == c_t.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_step_backward(h_t, c_t, cache).values())


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


def test_step_functions_reject_bad_input():
    lw = init_weights("lstm", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="x_t has dtype int64; expected float32 or float64"):
        lstm_step_forward(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4)), np.zeros((2, 4)), **lw)
    with pytest.raises(ValueError, match=r"c_prev must be \(B, H\) = \(2, 4\); got \(4,\)"):
        lstm_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros(4), **lw)
    _, _, cache = lstm_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), **lw)
    with pytest.raises(ValueError, match=r"dc_t must be \(B, H\) = \(2, 4\); got \(2, 5\)"):
        lstm_step_backward(np.zeros((2, 4)), np.zeros((2, 5)), cache)


def test_backward_rejects_upstream_gradients_of_the_wrong_shape():
    _, _, cache = lstm_forward(**lstm_args())
    with pytest.raises(ValueError, match=r"d_cT must be \(B, H\) = \(2, 8\); got \(8, 2\)"):
        lstm_backward(np.zeros((5, 2, 8)), cache, d_cT=np.zeros((8, 2)))
