"""companion.data.recipe_tasks: sizes, labels, balance, disjoint splits, determinism under a seed."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.recipe_tasks import digit_rows, majority_lengths, offset_copy, recall_first


def test_digit_rows_splits_are_disjoint_complete_and_seeded():
    splits = digit_rows(n_train=1000, n_valid=397, seed=0)
    assert [len(splits[k].y) for k in ("train", "valid", "test")] == [1000, 397, 400]
    assert splits["train"].x.shape == (1000, 8, 8) and splits["train"].x.dtype == np.float64
    assert splits["train"].x.min() == 0 and splits["train"].x.max() == 16
    rows = {k: {s.tobytes() for s in splits[k].x} for k in splits}
    assert not rows["train"] & rows["test"] and not rows["valid"] & rows["test"]
    counts = np.bincount(splits["train"].y, minlength=10)
    assert counts.min() > 70                     # every digit well represented
    again = digit_rows(n_train=1000, n_valid=397, seed=0)
    assert np.array_equal(again["valid"].x, splits["valid"].x)
    assert not np.array_equal(digit_rows(seed=1)["valid"].y, splits["valid"].y)
    with pytest.raises(ValueError, match="test set"):
        digit_rows(n_train=1500, n_valid=297)


def test_recall_first_labels_the_first_symbol():
    task = recall_first(500, 12, K=4, seed=3)
    assert task.x.shape == (500, 12) and task.y.shape == (500,)
    assert np.array_equal(task.y, task.x[:, 0])
    assert np.bincount(task.y, minlength=4).min() > 90
    assert np.array_equal(recall_first(500, 12, seed=3).x, task.x)
    with pytest.raises(ValueError, match="T must be a positive integer"):
        recall_first(5, 0)


@pytest.mark.parametrize("offset", [2, -2, 0])
def test_offset_copy_labels_and_ignored_steps(offset):
    task = offset_copy(20, 9, offset, seed=0)
    for t in range(9):
        if 0 <= t + offset < 9:
            assert np.array_equal(task.y[:, t], task.x[:, t + offset])
        else:
            assert (task.y[:, t] == -100).all()
    with pytest.raises(ValueError, match="offset"):
        offset_copy(5, 4, 4)


def test_majority_lengths_odd_lengths_correct_balanced_labels():
    sequences, y = majority_lengths(600, seed=0, median=16, max_len=96)
    lengths = np.array([len(s) for s in sequences])
    assert (lengths % 2 == 1).all() and lengths.min() >= 3 and lengths.max() <= 96
    for seq, label in zip(sequences, y):
        assert set(np.unique(seq)) <= {1, 2}
        assert label == int((seq == 1).sum() > (seq == 2).sum())
    assert 0.4 < y.mean() < 0.6
    again, y_again = majority_lengths(600, seed=0, median=16, max_len=96)
    assert all(np.array_equal(a, b) for a, b in zip(again, sequences)) and np.array_equal(y, y_again)
