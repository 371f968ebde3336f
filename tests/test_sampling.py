"""Temperature sharpens or flattens the distribution; samples follow it and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.sampling import sample_with_temperature, softmax_with_temperature

LOGITS = np.array([2.0, 1.0, 0.0, -1.0])


def test_low_temperature_approaches_argmax_and_high_approaches_uniform():
    assert softmax_with_temperature(LOGITS, 0.01)[0] > 0.999
    np.testing.assert_allclose(softmax_with_temperature(LOGITS, 1e4), 0.25, atol=1e-3)
    np.testing.assert_allclose(softmax_with_temperature(LOGITS, 1.0).sum(), 1.0)


def test_sample_frequencies_follow_the_probabilities():
    rng = np.random.default_rng(0)
    batch = np.tile(LOGITS, (20000, 1))
    counts = np.bincount(sample_with_temperature(batch, 1.0, rng), minlength=4) / 20000
    # 20000 draws: the standard error of each frequency is below 0.0036, so 0.015 is four of them.
    np.testing.assert_allclose(counts, softmax_with_temperature(LOGITS, 1.0), atol=0.015)


def test_samples_are_reproducible_with_a_seed_and_have_the_right_shape():
    first = sample_with_temperature(np.zeros((3, 5)), 1.0, np.random.default_rng(7))
    second = sample_with_temperature(np.zeros((3, 5)), 1.0, np.random.default_rng(7))
    assert first.shape == (3,) and first.dtype == np.int64
    np.testing.assert_array_equal(first, second)
    assert sample_with_temperature(LOGITS, 1.0, np.random.default_rng(0)).shape == ()


def test_non_positive_temperature_is_refused():
    with pytest.raises(ValueError, match="temperature must be positive"):
        softmax_with_temperature(LOGITS, 0.0)
