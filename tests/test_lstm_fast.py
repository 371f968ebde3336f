"""companion.scratch.lstm_fast computes what companion.scratch.lstm computes, to 1e-12 in float64, and what torch does."""

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
    make_case,
    numpy_run,
)
from companion.scratch.lstm import lstm_forward
from companion.scratch.lstm_fast import gate_scale, lstm_backward_fast, lstm_forward_fast
from companion.scratch.weights import init_weights

# Both compute the same sums in a different order (one product on [x; h; 1] against two products and two
# additions, tanh(a/2) with the 1/2 folded into the weights): the results differ by rounding only.
TOLERANCE = 1e-12


def largest_difference(case):
    """The largest absolute difference between the fast and the readable LSTM, over outputs, states and gradients."""
    fast = numpy_run("lstm_fast", None, case)
    readable = numpy_run("lstm", None, case)
    differences = [np.abs(a - b).max() for a, b in zip([fast[0], *fast[1]], [readable[0], *readable[1]], strict=True)]
    assert fast[2].keys() == readable[2].keys()
    differences += [np.abs(fast[2][name] - readable[2][name]).max() for name in readable[2]]
    return max(differences)


@pytest.mark.parametrize("T, B, D, H", [*SHAPES, (30, 8, 5, 16)])
def test_outputs_and_every_gradient_equal_the_readable_lstm_in_float64(T, B, D, H):
    case = make_case("lstm_fast", T, B, D, H)
    for name in ("x", "h0", "c0", "G_out", "G_h", "G_c"):
        assert name in case
    assert largest_difference(case) < TOLERANCE


def test_a_wrong_fast_lstm_would_fail_the_equality_test(monkeypatch):
    # The equality test can fail: with the 1/2 of the sigmoid not folded in, the gates are wrong.
    from companion.scratch import lstm_fast

    monkeypatch.setattr(lstm_fast, "gate_scale", lambda H, dtype: np.ones(4 * H, dtype=dtype))
    assert largest_difference(make_case("lstm_fast", 4, 3, 2, 5)) > 1e-3


@pytest.mark.parametrize("T, B, D, H", SHAPES)
def test_forward_and_backward_match_torch_in_float64(T, B, D, H):
    assert_matches_torch("lstm_fast", None, make_case("lstm_fast", T, B, D, H), atol=1e-10)


def test_float32_runs_in_float32_and_matches_torch_loosely():
    assert_matches_torch("lstm_fast", None, make_case("lstm_fast", 7, 4, 3, 6, dtype=np.float32), atol=1e-5)


def test_sequence_backward_matches_numerical_gradient():
    assert_sequence_backward_matches_numerical_gradient("lstm_fast")


def test_missing_initial_state_means_zeros_and_still_gets_a_gradient():
    assert_missing_initial_state_means_zeros("lstm_fast")


def test_forward_and_backward_leave_their_arguments_unchanged():
    assert_arguments_unchanged("lstm_fast")


def test_editing_returned_arrays_in_place_leaves_the_gradients_unchanged():
    assert_returned_arrays_are_not_views_of_the_cache("lstm_fast")


def test_cache_properties_give_the_readable_caches_states_as_copies():
    case = make_case("lstm_fast", 5, 3, 2, 4)
    w = {k: case[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}
    _, _, fast = lstm_forward_fast(case["x"], case["h0"], case["c0"], **w)
    _, _, readable = lstm_forward(case["x"], case["h0"], case["c0"], **w)
    for name in ("hs", "cs"):
        np.testing.assert_allclose(getattr(fast, name), getattr(readable, name), rtol=0, atol=1e-14)
        getattr(fast, name)[...] = 0  # a copy: the cache keeps its values
        assert np.abs(getattr(fast, name)).max() > 0


def test_gate_scale_halves_the_sigmoid_gates_only():
    np.testing.assert_array_equal(gate_scale(2, np.float64), [0.5, 0.5, 0.5, 0.5, 1, 1, 0.5, 0.5])


def test_rejects_bad_input_like_the_readable_lstm():
    w = init_weights("lstm", 3, 8, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x must be \(T, B, D\) = \(\*, \*, 3\); got \(5, 3\)"):
        lstm_forward_fast(np.zeros((5, 3)), None, None, **w)
    _, _, cache = lstm_forward_fast(np.zeros((5, 2, 3)), None, None, **w)
    with pytest.raises(ValueError, match=r"d_outputs must be \(T, B, H\) = \(5, 2, 8\); got \(5, 8\)"):
        lstm_backward_fast(np.zeros((5, 8)), cache)
    with pytest.raises(ValueError, match="d_outputs has dtype float32; expected float64"):
        lstm_backward_fast(np.zeros((5, 2, 8), np.float32), cache)
