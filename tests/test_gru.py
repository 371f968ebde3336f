"""companion.scratch.gru against torch.nn.GRU (to 1e-10 in float64) and against finite differences."""

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
from companion.scratch.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from companion.scratch.weights import init_weights


@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_forward_and_backward_match_torch_in_float64(T, B, D, H):
    assert_matches_torch("gru", None, make_case("gru", T, B, D, H), atol=1e-10)


def test_float32_runs_in_float32_and_matches_torch_loosely():
    assert_matches_torch("gru", None, make_case("gru", 7, 4, 3, 6, dtype=np.float32), atol=1e-5)


def test_sequence_backward_matches_numerical_gradient():
    assert_sequence_backward_matches_numerical_gradient("gru")


def test_step_backward_matches_numerical_gradient():
    assert_step_backward_matches_numerical_gradient("gru", seed=4)


def test_step_forward_matches_one_step_of_the_sequence():
    assert_step_forward_matches_one_step_of_the_sequence("gru")


def test_missing_initial_state_means_zeros_and_still_gets_a_gradient():
    assert_missing_initial_state_means_zeros("gru")


def test_forward_and_backward_leave_their_arguments_unchanged():
    assert_arguments_unchanged("gru")


def test_editing_returned_arrays_in_place_leaves_the_gradients_unchanged():
    assert_returned_arrays_are_not_views_of_the_cache("gru")


def test_cache_holds_every_step_of_the_step_function():
    case = make_case("gru", 3, 2, 3, 4)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    _, _, cache = gru_forward(case["x"], case["h0"], **w)
    h = case["h0"]
    for t in range(3):
        h, step = gru_step_forward(case["x"][t], h, **w)
        for name, ours, theirs in zip(step._fields, cache.step(t), step, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14, err_msg=f"{name} at step {t}")


def test_step_functions_keep_float32():
    rng = np.random.default_rng(5)
    x_t, h = rng.standard_normal((2, 2, 4)).astype(np.float32)
    h_t, cache = gru_step_forward(x_t, h, **init_weights("gru", 4, 4, rng, np.float32))
    assert h_t.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_step_backward(h_t, cache).values())


def test_step_functions_reject_bad_input():
    w = init_weights("gru", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x_t must be \(B, D\) = \(\*, 3\); got \(2, 1, 3\)"):
        gru_step_forward(np.zeros((2, 1, 3)), np.zeros((2, 4)), **w)
    with pytest.raises(ValueError, match=r"h_prev must be \(B, H\) = \(2, 4\); got \(2, 5\)"):
        gru_step_forward(np.zeros((2, 3)), np.zeros((2, 5)), **w)


def test_backward_rejects_upstream_gradients_of_the_wrong_shape():
    w = init_weights("gru", 3, 4, np.random.default_rng(0))
    _, _, cache = gru_forward(np.zeros((5, 2, 3)), None, **w)
    with pytest.raises(ValueError, match=r"d_hT must be \(B, H\) = \(2, 4\); got \(4,\)"):
        gru_backward(np.zeros((5, 2, 4)), cache, d_hT=np.zeros(4))
