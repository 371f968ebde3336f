"""The melody generator: sizes, determinism, disjoint splits, the token range, and the grammar it promises."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data import melody


@pytest.fixture(scope="module")
def splits():
    return melody.melody_splits(n_train=120, n_valid=30, n_test=30, seed=3)


def test_splits_have_the_sizes_asked_for(splits):
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (120, 30, 30)


def test_the_same_seed_gives_the_same_melodies_and_another_seed_others(splits):
    again = melody.melody_splits(n_train=120, n_valid=30, n_test=30, seed=3)
    assert again == splits
    other = melody.melody_splits(n_train=120, n_valid=30, n_test=30, seed=4)
    assert other.train != splits.train


def test_no_melody_is_in_two_splits_or_twice_in_one(splits):
    everything = [tuple(m) for part in (splits.train, splits.valid, splits.test) for m in part]
    assert len(set(everything)) == len(everything)


def test_tokens_lie_in_the_vocabulary_and_each_melody_ends_with_END(splits):
    ids = melody.to_stream(splits.train)
    assert ids.dtype == np.int64 and ids.min() >= 0 and ids.max() == melody.END == melody.VOCAB_SIZE - 1
    assert (ids == melody.END).sum() == len(splits.train) and ids[-1] == melody.END
    assert len(ids) == sum(len(m) for m in splits.train) + len(splits.train)


def test_encode_and_decode_are_inverse(splits):
    notes = splits.valid[0]
    assert melody.decode(melody.encode(notes)) == notes
    assert melody.decode(np.append(melody.encode(notes), [melody.END, 0])) == notes  # stops at END


def test_every_melody_keeps_the_grammar(splits):
    for notes in splits.train:
        assert melody.fits_one_key(notes) and melody.bar_aligned(notes)
        assert sum(d for _, d in notes) == melody.BAR * melody.BARS
        assert all(melody.LOW <= p <= melody.HIGH and d in melody.DURATIONS for p, d in notes)


def test_the_second_phrase_repeats_the_first(splits):
    for notes in splits.train[:20]:
        starts = np.cumsum([0] + [d for _, d in notes])
        a = [n for n, s in zip(notes, starts) if s < 2 * melody.BAR]
        second = [n for n, s in zip(notes, starts) if 2 * melody.BAR <= s < 4 * melody.BAR]
        assert a == second


def test_the_melody_ends_on_the_tonic_after_a_step_down(splits):
    for notes in splits.train[:50]:
        *_, (p1, _), (p2, _), (p3, d3) = notes
        assert p1 > p2 > p3 and d3 == 8


def test_checks_of_the_grammar_reject_what_breaks_it():
    assert not melody.fits_one_key([(60, 4), (61, 4), (62, 4), (63, 4)])  # four semitones in a row
    assert melody.fits_one_key([(60, 4), (62, 4), (64, 4), (67, 4)])
    assert not melody.bar_aligned([(60, 6), (62, 6), (64, 8)])  # the third note crosses the bar line
    assert not melody.bar_aligned([(60, 4), (62, 4)])  # a bar left unfinished
    assert melody.bar_aligned([(60, 8), (62, 8), (64, 16)])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="n_valid must be a positive int"):
        melody.melody_splits(n_train=5, n_valid=0, n_test=5)
    with pytest.raises(ValueError, match=r"pitch in \[55, 81\]"):
        melody.encode([(40, 4)])
    with pytest.raises(ValueError, match="ids must be integers"):
        melody.decode(np.array([melody.VOCAB_SIZE]))
    with pytest.raises(ValueError, match="scale must be one of"):
        melody.scale_pitches("blues", 0)
