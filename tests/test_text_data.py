"""Character data: vocabulary round trips, a split without overlap, streams that continue, honest baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from companion.data.text_data import (
    UNKNOWN,
    CharVocabulary,
    batchify,
    bigram_bits,
    bigram_log_probs,
    bits_per_character,
    bptt_chunks,
    load_pydoc_topics,
    split_ids,
    unigram_log_probs,
)

TEXT = "the cat sat on the mat. the hat is on the cat.\n" * 3


def test_vocabulary_is_sorted_with_unknown_last_and_round_trips():
    vocab = CharVocabulary.from_text(TEXT)
    assert list(vocab.symbols[:-1]) == sorted(set(TEXT))
    assert vocab.symbols[-1] == UNKNOWN and vocab.unknown_id == vocab.size - 1
    ids = vocab.encode(TEXT)
    assert ids.dtype == np.int64 and ids.shape == (len(TEXT),)
    assert vocab.decode(ids) == TEXT


def test_unseen_characters_map_to_unknown():
    vocab = CharVocabulary.from_text("abc")
    np.testing.assert_array_equal(vocab.encode("abz"), [0, 1, vocab.unknown_id])
    assert vocab.decode(vocab.encode("abz")) == "ab" + UNKNOWN


def test_split_has_no_overlap_and_keeps_order():
    ids = np.arange(1000)
    train, valid = split_ids(ids, valid_fraction=0.1)
    assert len(train) == 900 and len(valid) == 100
    np.testing.assert_array_equal(np.concatenate([train, valid]), ids)
    assert train.max() < valid.min()


def test_split_rejects_bad_fractions_and_shapes():
    with pytest.raises(ValueError, match=r"valid_fraction must lie in \(0, 1\); got 1.5"):
        split_ids(np.arange(10), 1.5)
    with pytest.raises(ValueError, match=r"ids must be integers of shape \(N,\); got float64 \(10,\)"):
        split_ids(np.zeros(10), 0.1)


def test_batchify_makes_contiguous_columns_and_drops_the_remainder():
    streams = batchify(np.arange(23), batch_size=4)
    assert streams.shape == (5, 4)  # L = 23 // 4 = 5; the last 3 ids are dropped
    for b in range(4):
        np.testing.assert_array_equal(streams[:, b], np.arange(5 * b, 5 * b + 5))


def test_batchify_rejects_a_batch_larger_than_the_text():
    with pytest.raises(ValueError, match=r"batch_size must lie in \[1, N\] = \[1, 3\]; got 4"):
        batchify(np.arange(3), 4)


def test_chunks_continue_each_other_and_targets_are_shifted():
    streams = batchify(np.arange(100), batch_size=4)  # L = 25
    chunks = list(bptt_chunks(streams, seq_len=6))
    assert len(chunks) == (25 - 1) // 6
    for inputs, targets in chunks:
        assert inputs.shape == targets.shape == (6, 4)
        np.testing.assert_array_equal(targets, inputs + 1)  # the next id of the same stream
    for (_, previous_targets), (next_inputs, _) in zip(chunks, chunks[1:]):
        np.testing.assert_array_equal(next_inputs[0], previous_targets[-1])


def test_chunks_need_at_least_one_full_chunk():
    with pytest.raises(ValueError, match=r"seq_len must lie in \[1, L\) = \[1, 5\); got 5"):
        list(bptt_chunks(batchify(np.arange(20), 4), 5))


def test_unigram_counts_with_add_alpha_by_hand():
    log_p = unigram_log_probs(np.array([0, 0, 1]), vocab_size=3, alpha=1.0)
    np.testing.assert_allclose(np.exp(log_p), [3 / 6, 2 / 6, 1 / 6])


def test_bigram_rows_are_distributions_and_match_counts_by_hand():
    ids = np.array([0, 1, 0, 1, 1, 2])
    log_p = bigram_log_probs(ids, vocab_size=3, alpha=0.5)
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0)
    # After 0: (0,1) twice. p(1 | 0) = (2 + 0.5) / (2 + 1.5).
    assert math.exp(log_p[0, 1]) == pytest.approx(2.5 / 3.5)
    # After 1: (1,0), (1,1), (1,2) once each.
    np.testing.assert_allclose(np.exp(log_p[1]), [1.5 / 4.5] * 3)


def test_bigram_beats_unigram_on_structured_text_and_bits_are_nats_over_ln2():
    vocab = CharVocabulary.from_text(TEXT)
    train, valid = split_ids(vocab.encode(TEXT), 0.3)
    uni = np.tile(unigram_log_probs(train, vocab.size), (vocab.size, 1))
    bi = bigram_log_probs(train, vocab.size)
    assert bigram_bits(bi, valid[:-1], valid[1:]) < bigram_bits(uni, valid[:-1], valid[1:])
    assert bits_per_character(math.log(2)) == pytest.approx(1.0)


def test_uniform_model_costs_log2_V_bits():
    V = 8
    log_p = np.full((V, V), -math.log(V))
    ids = np.arange(20) % V
    assert bigram_bits(log_p, ids[:-1], ids[1:]) == pytest.approx(3.0)


def test_the_pydoc_corpus_loads_offline():
    text = load_pydoc_topics()
    assert len(text) > 100_000
    vocab = CharVocabulary.from_text(text)
    assert 50 < vocab.size < 300
    assert "assert" in text and "lambda" in text


def test_split_ids_three_cuts_in_order_without_overlap():
    from companion.data.text_data import split_ids_three

    ids = np.arange(1000)
    train, valid, test = split_ids_three(ids, valid_fraction=0.1, test_fraction=0.05)
    assert (len(train), len(valid), len(test)) == (850, 100, 50)
    assert np.array_equal(np.concatenate([train, valid, test]), ids)
    with pytest.raises(ValueError, match="below 1"):
        split_ids_three(ids, 0.6, 0.5)
    with pytest.raises(ValueError, match="test_fraction must lie in"):
        split_ids_three(ids, 0.1, 0.0)


def test_ngram_tables_are_distributions_and_match_the_bigram_table():
    from companion.data.text_data import bigram_log_probs, ngram_bits, ngram_log_probs

    ids = np.random.default_rng(0).integers(0, 5, size=200)
    for order in (1, 2, 3):
        table = ngram_log_probs(ids, 5, order, alpha=0.3)
        assert table.shape == (5,) * order
        np.testing.assert_allclose(np.exp(table).sum(axis=-1), 1.0)
    np.testing.assert_allclose(ngram_log_probs(ids, 5, 2, 0.7), bigram_log_probs(ids, 5, 0.7))
    trigram = ngram_log_probs(ids, 5, 3, alpha=0.5)
    counts = np.zeros((5, 5, 5))
    np.add.at(counts, (ids[:-2], ids[1:-1], ids[2:]), 1)
    a, b, c = 3, 1, 4
    assert trigram[a, b, c] == pytest.approx(np.log((counts[a, b, c] + 0.5) / (counts[a, b].sum() + 2.5)))
    test = np.array([3, 1, 4, 1])
    expected = -(trigram[3, 1, 4] + trigram[1, 4, 1]) / 2 / np.log(2)
    assert ngram_bits(trigram, test) == pytest.approx(expected)


def test_ngram_arguments_are_checked():
    from companion.data.text_data import ngram_bits, ngram_log_probs

    with pytest.raises(ValueError, match="alpha must be positive"):
        ngram_log_probs(np.arange(4), 4, 2, alpha=0.0)
    with pytest.raises(ValueError, match="order must be at least 1"):
        ngram_log_probs(np.arange(4), 200, 4)
    with pytest.raises(ValueError, match="at least order = 3 ids"):
        ngram_bits(np.zeros((4, 4, 4)), np.array([1, 2]))
