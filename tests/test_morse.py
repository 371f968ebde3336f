"""The Morse generator: timing, features, splits (sizes, balance, no shared texts, determinism)."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.morse import (
    ALPHABET, FRAME, MORSE, N_BANDS, SAMPLE_RATE, SENDERS, carrier_energy, decode_labels, encode_text,
    frame_features, make_morse_splits, message_units, morse_units, synthesize,
)


def test_morse_units_follow_the_timing_convention():
    assert morse_units(".-") == [(1, 1.0), (0, 1.0), (1, 3.0)]
    assert morse_units("-", dash_ratio=2.5) == [(1, 2.5)]
    # "E E" is a dot, a word gap of 7, a dot; "EE" has a character gap of 3.
    assert message_units("E E") == [(1, 1.0), (0, 7.0), (1, 1.0)]
    assert message_units("EE") == [(1, 1.0), (0, 3.0), (1, 1.0)]


def test_paris_is_fifty_units_with_its_word_gap():
    units = sum(u for _, u in message_units("PARIS")) + 7
    assert units == 50


def test_bad_codes_and_characters_are_rejected():
    with pytest.raises(ValueError, match="code must be"):
        morse_units(".x")
    with pytest.raises(ValueError, match="text must use"):
        message_units("A?")


def test_every_alphabet_symbol_has_a_code_and_encoding_round_trips():
    assert set(ALPHABET) <= set(MORSE)
    text = ALPHABET[::-1]
    labels = encode_text(text)
    assert labels.min() >= 1 and labels.max() <= len(ALPHABET)
    assert decode_labels(labels) == text


def test_synthesized_audio_is_tone_where_the_key_is_down():
    sender = SENDERS[0]
    audio = synthesize("T", sender, np.random.default_rng(0), snr_db=40.0)
    assert audio.dtype == np.float32
    features = frame_features(audio)
    band = int(sender.tone_hz / (SAMPLE_RATE / 2) * N_BANDS)
    loud = features[:, band] > features[:, band].max() - 3.0
    # One dash of 3 units at 18 wpm (give or take 8%) = 0.2 s, about 6 frames of 32 ms.
    assert 4 <= loud.sum() <= 9
    assert np.argmax(features[loud].mean(axis=0)) == band


def test_frame_features_shape_and_validation():
    assert frame_features(np.zeros(10 * FRAME + 5)).shape == (10, N_BANDS)
    with pytest.raises(ValueError, match="audio must be"):
        frame_features(np.zeros((2, 100)))


def test_carrier_energy_is_standardised_and_high_where_the_tone_sounds():
    sender = SENDERS[3]
    audio = synthesize("TET", sender, np.random.default_rng(4), snr_db=20.0)
    carrier = carrier_energy(audio)
    assert carrier.shape == (len(audio) // FRAME,) and carrier.dtype == np.float32
    assert abs(carrier.mean()) < 1e-4 and abs(carrier.std() - 1.0) < 1e-3
    # Three pulses (dash, dot, dash): three runs of high energy, and the silence before and after is low.
    high = (carrier > 0).astype(int)
    assert np.count_nonzero(np.diff(high) == 1) == 3
    assert high[0] == 0 and high[-1] == 0
    # Louder audio or another noise level gives nearly the same standardised track.
    np.testing.assert_allclose(carrier_energy(10 * audio), carrier, atol=1e-3)
    with pytest.raises(ValueError, match="audio must be"):
        carrier_energy(np.zeros(FRAME))


def test_splits_have_sizes_balance_distinct_texts_and_are_deterministic():
    splits = make_morse_splits(60, 12, 18, seed=1)
    assert [len(s.texts) for s in splits.values()] == [60, 12, 18]
    for split in splits.values():
        assert len(split.carrier) == len(split.bands) == len(split.texts) == len(split.senders)
        counts = np.bincount(split.senders, minlength=len(SENDERS))
        assert counts.max() - counts.min() <= 1
        assert all(3 <= len(t) <= 6 and set(t) <= set(ALPHABET) for t in split.texts)
        assert all(b.shape[1] == N_BANDS and b.dtype == np.float32 for b in split.bands)
        assert all(c.shape == (len(b),) and c.dtype == np.float32 for c, b in zip(split.carrier, split.bands))
    all_texts = [t for s in splits.values() for t in s.texts]
    assert len(set(all_texts)) == len(all_texts)
    again = make_morse_splits(60, 12, 18, seed=1)
    assert again["test"].texts == splits["test"].texts
    np.testing.assert_array_equal(again["valid"].bands[3], splits["valid"].bands[3])
    np.testing.assert_array_equal(again["valid"].carrier[3], splits["valid"].carrier[3])
    other = make_morse_splits(60, 12, 18, seed=2)
    assert other["train"].texts != splits["train"].texts
