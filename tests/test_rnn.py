"""companion.scratch.rnn against torch.nn.RNN (to 1e-10 in float64) and against finite differences."""

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
from companion.scratch.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from companion.scratch.weights import init_weights

NONLINEARITIES = ["tanh", "relu"]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_forward_and_backward_match_torch_in_float64(nonlinearity, T, B, D, H):
    assert_matches_torch("rnn", nonlinearity, make_case("rnn", T, B, D, H), atol=1e-10)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_float32_runs_in_float32_and_matches_torch_loosely(nonlinearity):
    assert_matches_torch("rnn", nonlinearity, make_case("rnn", 7, 4, 3, 6, dtype=np.float32), atol=1e-5)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_sequence_backward_matches_numerical_gradient(nonlinearity):
    assert_sequence_backward_matches_numerical_gradient("rnn", nonlinearity)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_step_backward_matches_numerical_gradient(nonlinearity):
    assert_step_backward_matches_numerical_gradient("rnn", nonlinearity)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_step_forward_matches_one_step_of_the_sequence(nonlinearity):
    assert_step_forward_matches_one_step_of_the_sequence("rnn", nonlinearity)


def test_missing_initial_state_means_zeros_and_still_gets_a_gradient():
    assert_missing_initial_state_means_zeros("rnn")


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_forward_and_backward_leave_their_arguments_unchanged(nonlinearity):
    assert_arguments_unchanged("rnn", nonlinearity)


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_editing_returned_arrays_in_place_leaves_the_gradients_unchanged(nonlinearity):
    assert_returned_arrays_are_not_views_of_the_cache("rnn", nonlinearity)


def test_cache_step_gives_what_the_step_function_cached():
    case = make_case("rnn", 3, 2, 3, 4)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    _, _, cache = rnn_forward(case["x"], case["h0"], **w)
    h = case["h0"]
    for t in range(3):
        h, step = rnn_step_forward(case["x"][t], h, **w)
        assert cache.step(t).nonlinearity == step.nonlinearity
        for ours, theirs in zip(cache.step(t)[:-1], step[:-1], strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)


def test_step_functions_keep_float32():
    rng = np.random.default_rng(5)
    x_t, h = rng.standard_normal((2, 2, 4)).astype(np.float32)
    h_t, cache = rnn_step_forward(x_t, h, **init_weights("rnn", 4, 4, rng, np.float32))
    assert h_t.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_step_backward(h_t, cache).values())


def test_rnn_rejects_bad_nonlinearity():
    w = init_weights("rnn", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match='nonlinearity must be "tanh" or "relu"; got \'sigmoid\''):
        rnn_forward(np.zeros((2, 1, 3)), None, **w, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity must be"):
        rnn_step_forward(np.zeros((1, 3)), np.zeros((1, 4)), **w, nonlinearity="sigmoid")


def test_step_functions_reject_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"W_hh must be \(H, H\) = \(4, 4\); got \(12, 4\)"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), **init_weights("gru", 3, 4, rng))
    with pytest.raises(ValueError, match="h_prev has dtype float32 but x_t has float64"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4), np.float32), **init_weights("rnn", 3, 4, rng))


def test_backward_rejects_upstream_gradients_of_the_wrong_shape_or_dtype():
    w = init_weights("rnn", 3, 4, np.random.default_rng(0))
    _, _, cache = rnn_forward(np.zeros((5, 2, 3)), None, **w)
    with pytest.raises(ValueError, match=r"d_outputs must be \(T, B, H\) = \(5, 2, 4\); got \(5, 4\)"):
        rnn_backward(np.zeros((5, 4)), cache)
    with pytest.raises(ValueError, match=r"d_hT must be \(B, H\) = \(2, 4\); got \(4,\)"):
        rnn_backward(np.zeros((5, 2, 4)), cache, d_hT=np.zeros(4))
    with pytest.raises(ValueError, match="d_outputs has dtype float32; expected float64"):
        rnn_backward(np.zeros((5, 2, 4), np.float32), cache)
    with pytest.raises(ValueError, match=r"dh_t must be \(B, H\) = \(2, 4\); got \(2, 5\)"):
        rnn_step_backward(np.zeros((2, 5)), cache.step(0))
