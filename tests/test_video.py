"""The moving-blob video generator: shapes, balance, determinism, and the motion it encodes."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.video import DIRECTIONS, STEPS, moving_blobs


def test_shapes_dtypes_and_balanced_labels():
    frames, labels = moving_blobs(41, np.random.default_rng(0), T=5, size=7)
    assert frames.shape == (41, 5, 7, 7) and frames.dtype == np.float32 and labels.dtype == np.int64
    counts = np.bincount(labels, minlength=len(DIRECTIONS))
    assert counts.max() - counts.min() <= 1


def test_blob_moves_one_cell_per_frame_in_its_direction_with_wraparound():
    frames, labels = moving_blobs(12, np.random.default_rng(1), T=6, size=8, blob=1, noise=0.0)
    for clip, label in zip(frames, labels):
        positions = [np.unravel_index(frame.argmax(), frame.shape) for frame in clip]
        for before, after in zip(positions, positions[1:]):
            assert tuple((np.array(before) + STEPS[label]) % 8) == tuple(after)


def test_single_frames_carry_no_direction():
    frames, labels = moving_blobs(2000, np.random.default_rng(2), noise=0.0)
    mean_position = [frames[labels == k, 3].mean(axis=0) for k in range(4)]
    assert max(np.abs(m - mean_position[0]).max() for m in mean_position) < 0.08


def test_deterministic_under_a_seed_and_rejects_bad_sizes():
    a, b = (moving_blobs(5, np.random.default_rng(7)) for _ in range(2))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="size > blob"):
        moving_blobs(3, np.random.default_rng(0), size=2, blob=2)
