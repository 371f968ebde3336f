"""The forecasting data: loaders, the random walk, time splits, train-only scaling and windows."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.series import SERIES_NAMES, Scaler, load_series, random_walk, time_split, windows


@pytest.mark.parametrize("name", SERIES_NAMES)
def test_every_series_loads_offline_without_gaps_and_in_time_order(name):
    s = load_series(name)
    assert s.values.dtype == np.float64 and np.all(np.isfinite(s.values))
    assert s.values.shape == s.times.shape and np.all(np.diff(s.times) > 0)


def test_series_have_their_documented_sizes():
    assert len(load_series("sunspots").values) == 309
    assert len(load_series("elnino").values) == 61 * 12
    assert len(load_series("consumption").values) == 203
    co2 = load_series("co2")
    assert np.allclose(np.diff(co2.times), 1 / 12) and co2.times[0] == 1958 + 2 / 12


def test_unknown_series_is_named():
    with pytest.raises(ValueError, match="sunspots"):
        load_series("elec_equip")


def test_random_walk_is_seeded_and_its_steps_are_independent_noise():
    a, b = random_walk(5000, seed=3), random_walk(5000, seed=3)
    assert np.array_equal(a, b) and not np.array_equal(a, random_walk(5000, seed=4))
    steps = np.diff(a)
    assert abs(steps.std() - 1.0) < 0.05 and abs(steps.mean()) < 0.05
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.05


def test_time_split_is_ordered_and_covers_the_series_without_overlap():
    train, valid, test = time_split(100, 10, 20)
    assert (train.stop, valid.start, valid.stop, test.start, test.stop) == (70, 70, 80, 80, 100)
    idx = np.concatenate([np.arange(100)[s] for s in (train, valid, test)])
    assert np.array_equal(idx, np.arange(100))
    with pytest.raises(ValueError):
        time_split(10, 5, 5)


def test_scaler_uses_the_training_part_only():
    y = np.arange(10.0)
    scaler = Scaler.fit(y[:4])
    assert scaler.mean == pytest.approx(1.5) and scaler.std == pytest.approx(np.std(y[:4]))
    assert np.allclose(scaler.inverse(scaler.transform(y)), y)
    with pytest.raises(ValueError, match="constant"):
        Scaler.fit(np.ones(5))


def test_windows_restrict_targets_but_read_the_past():
    z = np.arange(10.0)
    X, y = windows(z, 3, slice(5, 8))
    assert np.array_equal(y, [5, 6, 7]) and np.array_equal(X[0], [2, 3, 4])
    X, y = windows(z, 3)
    assert X.shape == (7, 3) and np.all(X[:, -1] + 1 == y)
    with pytest.raises(ValueError, match=r"\(N,\)"):
        windows(np.zeros((3, 2)), 2)
