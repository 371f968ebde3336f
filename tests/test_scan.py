"""The parallel scan equals the loop for linear recurrences h_t = a_t h_{t-1} + b_t."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.scan import combine, linear_recurrence, parallel_scan


@pytest.mark.parametrize("T", [1, 2, 3, 5, 8, 17, 64, 100, 1000, 4097])
def test_parallel_scan_equals_the_loop_to_1e_10(T):
    rng = np.random.default_rng(T)
    a, b, h0 = rng.uniform(-1.0, 1.0, (T, 3, 4)), rng.normal(size=(T, 3, 4)), rng.normal(size=(3, 4))
    expected = linear_recurrence(a, b, h0)
    assert np.max(np.abs(parallel_scan(a, b, h0) - expected)) < 1e-10


def test_loop_computes_the_recurrence_by_hand():
    a, b = np.array([2.0, 3.0, 0.5]), np.array([1.0, -1.0, 4.0])
    np.testing.assert_allclose(linear_recurrence(a, b, np.array(1.0)), [3.0, 8.0, 8.0])
    np.testing.assert_allclose(parallel_scan(a, b, np.array(1.0)), [3.0, 8.0, 8.0])


def test_combine_is_associative_and_applies_the_first_map_first():
    rng = np.random.default_rng(0)
    maps = [tuple(rng.normal(size=2)) for _ in range(3)]
    left = combine(*combine(*maps[0], *maps[1]), *maps[2])
    right = combine(*maps[0], *combine(*maps[1], *maps[2]))
    np.testing.assert_allclose(left, right, rtol=1e-12)
    (a1, b1), (a2, b2) = maps[:2]
    a, b = combine(a1, b1, a2, b2)
    assert np.isclose(a * 0.7 + b, a2 * (a1 * 0.7 + b1) + b2)


def test_inputs_are_not_changed_and_h0_defaults_to_zero():
    a, b = np.full((4, 2), 0.5), np.ones((4, 2))
    before = a.copy(), b.copy()
    np.testing.assert_allclose(parallel_scan(a, b), linear_recurrence(a, b, np.zeros(2)))
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])


def test_shapes_are_validated_with_clear_messages():
    with pytest.raises(ValueError, match=r"a and b must be \(T, ...\) of one shape; got \(3, 2\) and \(3,\)"):
        parallel_scan(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"h0 must be the shape of one step, \(2,\); got \(3,\)"):
        linear_recurrence(np.ones((3, 2)), np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="at least one step"):
        parallel_scan(np.ones((0, 2)), np.ones((0, 2)))
