"""The negation sentiment task: labels follow the rule, and features count what they say."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.toy_tasks import (
    build_vocab,
    bigram_features,
    count_features,
    encode,
    negation_sentences,
    pad_left,
    phrase_polarity,
)


def test_phrase_polarity_is_flipped_by_not():
    assert phrase_polarity(["good"]) == 1
    assert phrase_polarity(["not", "good"]) == -1
    assert phrase_polarity(["not", "very", "bad"]) == 1
    assert phrase_polarity(["really", "bad"]) == -1


def test_labels_follow_the_first_phrase_and_both_phrases_agree():
    sentences, labels = negation_sentences(300, np.random.default_rng(0))
    for words, label in zip(sentences, labels):
        assert words[0] == "the" and words[2] == "was"
        rest = words[3:]
        cut = next((i for i, w in enumerate(rest) if w in (",", "and")), len(rest))
        polarities = [phrase_polarity(rest[:cut])] + ([phrase_polarity(rest[cut + 1:])] if cut < len(rest) else [])
        assert len(set(polarities)) == 1
        assert label == int(polarities[0] > 0)


def test_generator_is_seeded_and_balanced():
    a, labels_a = negation_sentences(2000, np.random.default_rng(1))
    b, labels_b = negation_sentences(2000, np.random.default_rng(1))
    assert a == b and np.array_equal(labels_a, labels_b)
    assert 0.45 < labels_a.mean() < 0.55
    assert labels_a.dtype == np.int64


def test_vocab_covers_every_generated_word_and_pads_with_zero():
    vocab = build_vocab()
    assert vocab["<pad>"] == 0
    assert len(set(vocab.values())) == len(vocab)
    sentences, _ = negation_sentences(500, np.random.default_rng(2))
    ids = encode(sentences, vocab)
    assert all(len(i) == len(s) for i, s in zip(ids, sentences))


def test_unknown_word_raises_key_error():
    with pytest.raises(KeyError, match="movie"):
        encode([["the", "movie"]], build_vocab())


def test_reordered_sentences_have_equal_counts_but_different_bigrams():
    vocab = build_vocab()
    ids = encode([["the", "film", "was", "good", ",", "not", "bad"],
                  ["the", "film", "was", "bad", ",", "not", "good"]], vocab)
    counts = count_features(ids, len(vocab))
    assert counts.shape == (2, len(vocab)) and counts.sum() == 14
    np.testing.assert_array_equal(counts[0], counts[1])
    pairs = bigram_features(ids, len(vocab))
    assert pairs.shape == (2, len(vocab) ** 2) and pairs.sum() == 12
    assert not np.array_equal(pairs[0], pairs[1])
    assert pairs[0, vocab["not"] * len(vocab) + vocab["bad"]] == 1
    assert pairs[1, vocab["not"] * len(vocab) + vocab["bad"]] == 0


def test_repeated_words_are_counted():
    vocab = build_vocab()
    ids = encode([["very", "very", "very"]], vocab)
    assert count_features(ids, len(vocab))[0, vocab["very"]] == 3
    assert bigram_features(ids, len(vocab))[0, vocab["very"] * (len(vocab) + 1)] == 2


def test_pad_left_keeps_the_last_word_last():
    batch = pad_left([np.array([4, 5]), np.array([1, 2, 3])])
    np.testing.assert_array_equal(batch, [[0, 4, 5], [1, 2, 3]])
    with pytest.raises(ValueError, match="at least one"):
        pad_left([])
