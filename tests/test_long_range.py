"""The adding-problem and copy-task generators: shapes, markers, targets, baselines, seeds."""

import math

import numpy as np
import pytest

from companion.data.long_range import (
    BLANK,
    DELIMITER,
    adding_baseline_mse,
    adding_batch,
    copy_baseline_cross_entropy,
    copy_batch,
)


@pytest.mark.parametrize("T", [2, 3, 50, 101])
def test_adding_batch_has_one_marker_in_each_half_and_the_sum_as_target(T):
    x, y = adding_batch(np.random.default_rng(T), T, 200)
    assert x.shape == (T, 200, 2) and x.dtype == np.float32
    assert y.shape == (200,) and y.dtype == np.float32
    markers = x[..., 1]
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = T // 2
    assert (markers[:half].sum(axis=0) == 1).all()
    assert (markers[half:].sum(axis=0) == 1).all()
    np.testing.assert_allclose(y, (x[..., 0] * markers).sum(axis=0), rtol=1e-6)
    assert (x[..., 0] >= 0).all() and (x[..., 0] < 1).all()


def test_adding_marker_positions_cover_each_half():
    x, _ = adding_batch(np.random.default_rng(0), 10, 4000)
    first = x[:5, :, 1].argmax(axis=0)
    second = 5 + x[5:, :, 1].argmax(axis=0)
    assert set(first) == set(range(5)) and set(second) == set(range(5, 10))


def test_constant_predictor_mse_is_one_sixth_empirically():
    _, y = adding_batch(np.random.default_rng(1), 20, 200_000)
    assert adding_baseline_mse() == pytest.approx(1 / 6)
    assert float(((y - 1.0) ** 2).mean()) == pytest.approx(1 / 6, abs=0.003)
    assert float(y.mean()) == pytest.approx(1.0, abs=0.005)


@pytest.mark.parametrize("T", [1, 5, 100])
def test_copy_batch_layout(T):
    x, y = copy_batch(np.random.default_rng(T), T, 50)
    assert x.shape == y.shape == (T + 20, 50) and x.dtype == y.dtype == np.int64
    assert ((x[:10] >= 1) & (x[:10] <= 8)).all()
    assert (x[10 : 10 + T - 1] == BLANK).all()
    assert (x[10 + T - 1] == DELIMITER).all()
    assert (x[10 + T :] == BLANK).all()
    assert (y[: T + 10] == BLANK).all()
    np.testing.assert_array_equal(y[T + 10 :], x[:10])


def test_copy_baseline_matches_the_memoryless_strategy_empirically():
    T = 30
    _, y = copy_batch(np.random.default_rng(2), T, 500)
    # the memoryless strategy: blank with certainty until T + 10, then uniform over 1..8
    probs = np.zeros((T + 20, 500, 10))
    probs[: T + 10, :, BLANK] = 1.0
    probs[T + 10 :, :, 1:9] = 1 / 8
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
    ce = float(-np.log(picked).mean())
    assert ce == pytest.approx(copy_baseline_cross_entropy(T), rel=1e-12)
    assert copy_baseline_cross_entropy(T) == pytest.approx(10 * math.log(8) / 50)


def test_generators_are_deterministic_under_a_seed_and_fresh_on_each_call():
    a = adding_batch(np.random.default_rng(7), 30, 8)
    b = adding_batch(np.random.default_rng(7), 30, 8)
    np.testing.assert_array_equal(a[0], b[0])
    rng = np.random.default_rng(7)
    c, d = adding_batch(rng, 30, 8), adding_batch(rng, 30, 8)
    assert not np.array_equal(c[0], d[0])
    e = copy_batch(np.random.default_rng(3), 5, 8)
    f = copy_batch(np.random.default_rng(3), 5, 8)
    np.testing.assert_array_equal(e[0], f[0])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        adding_batch(np.random.default_rng(0), 1, 4)
    with pytest.raises(ValueError, match="batch_size"):
        copy_batch(np.random.default_rng(0), 5, 0)
    with pytest.raises(TypeError, match="rng must be"):
        adding_batch(0, 5, 4)
    with pytest.raises(ValueError, match="T must be"):
        copy_baseline_cross_entropy(0)
