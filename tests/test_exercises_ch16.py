"""Chapter 16's exercises: typical mistakes fail with a message that points at them.

(The references passing on 20 seeds, the stubs and the case sizes are checked for
every chapter in tests/test_exercise_contract.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch16 as solutions
from exercise_messages import message_of

# --- ch16.perplexity_from_losses ----------------------------------------------------------


def ppl_log2_of_nats(losses, n_words):  # takes nats for bits: forgets to divide by ln 2
    bpc = float(np.mean(losses))
    return bpc, 2.0**bpc, float(np.exp(np.sum(losses) / n_words))


def ppl_exp_of_bits(losses, n_words):  # perplexity e ** bpc instead of 2 ** bpc
    bpc = float(np.mean(losses) / np.log(2))
    return bpc, float(np.exp(bpc)), float(np.exp(np.sum(losses) / n_words))


def ppl_word_from_mean(losses, n_words):  # per-word perplexity from the per-character mean
    bpc = float(np.mean(losses) / np.log(2))
    return bpc, 2.0**bpc, float(np.exp(np.mean(losses) * n_words))


def ppl_sum_not_mean(losses, n_words):
    bpc = float(np.sum(losses) / np.log(2))
    return bpc, 2.0**bpc, float(np.exp(np.sum(losses) / n_words))


def ppl_mean_of_exps(losses, n_words):  # the mean of per-character perplexities, not the perplexity of the mean
    bpc = float(np.mean(losses) / np.log(2))
    return bpc, float(np.mean(np.exp(losses))), float(np.exp(np.sum(losses) / n_words))


def ppl_log10(losses, n_words):
    bpc = float(np.mean(losses) / np.log(10))
    return bpc, 10.0**bpc, float(np.exp(np.sum(losses) / n_words))


def ppl_word_per_length(losses, n_words):  # divides by the number of characters twice
    bpc = float(np.mean(losses) / np.log(2))
    return bpc, 2.0**bpc, float(2.0 ** (bpc / n_words))


@pytest.mark.parametrize(("wrong", "output"), [
    (ppl_log2_of_nats, "bpc"), (ppl_sum_not_mean, "bpc"), (ppl_log10, "bpc"),
    (ppl_exp_of_bits, "char_ppl"), (ppl_mean_of_exps, "char_ppl"),
    (ppl_word_from_mean, "word_ppl"), (ppl_word_per_length, "word_ppl"),
])
def test_wrong_perplexities_name_the_wrong_output(wrong, output):
    message = message_of("ch16.perplexity_from_losses", wrong)
    assert f"{output} is wrong in case" in message


def test_a_per_character_array_gives_a_shape_message():
    def per_character(losses, n_words):
        return losses / np.log(2), 2.0 ** (losses / np.log(2)), float(np.exp(np.sum(losses) / n_words))

    assert "bpc has shape" in message_of("ch16.perplexity_from_losses", per_character)


# --- ch16.add_k_trigram_bits --------------------------------------------------------------


def _counts(train_ids, V):
    counts = np.zeros((V, V, V))
    np.add.at(counts, (train_ids[:-2], train_ids[1:-1], train_ids[2:]), 1.0)
    return counts


def trigram_total_denominator(train_ids, test_ids, V, k):  # divides by all triples, not by the context's
    counts = _counts(train_ids, V)
    a, b, c = test_ids[:-2], test_ids[1:-1], test_ids[2:]
    return float(-np.mean(np.log2((counts[a, b, c] + k) / (counts.sum() + k * V**3))))


def trigram_no_kv(train_ids, test_ids, V, k):  # k in the numerator only: not a distribution
    counts = _counts(train_ids, V)
    a, b, c = test_ids[:-2], test_ids[1:-1], test_ids[2:]
    return float(-np.mean(np.log2((counts[a, b, c] + k) / (counts[a, b].sum(axis=-1) + k))))


def trigram_nats(train_ids, test_ids, V, k):
    return solutions.add_k_trigram_bits(train_ids, test_ids, V, k) * np.log(2)


def trigram_bigram(train_ids, test_ids, V, k):  # the previous character only
    counts = np.zeros((V, V))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    b, c = test_ids[1:-1], test_ids[2:]
    return float(-np.mean(np.log2((counts[b, c] + k) / (counts[b].sum(axis=-1) + k * V))))


def trigram_reversed_context(train_ids, test_ids, V, k):  # reads the context as (b, a)
    counts = _counts(train_ids, V)
    a, b, c = test_ids[:-2], test_ids[1:-1], test_ids[2:]
    return float(-np.mean(np.log2((counts[b, a, c] + k) / (counts[b, a].sum(axis=-1) + k * V))))


def trigram_sum_not_mean(train_ids, test_ids, V, k):
    return solutions.add_k_trigram_bits(train_ids, test_ids, V, k) * (len(test_ids) - 2)


def trigram_fitted_on_test(train_ids, test_ids, V, k):  # counts the test text: a leak
    return solutions.add_k_trigram_bits(test_ids, test_ids, V, k)


@pytest.mark.parametrize("wrong", [trigram_total_denominator, trigram_no_kv, trigram_nats, trigram_bigram,
                                   trigram_reversed_context, trigram_sum_not_mean, trigram_fitted_on_test])
def test_wrong_trigram_models_are_reported_wrong(wrong):
    assert "bits is wrong in case" in message_of("ch16.add_k_trigram_bits", wrong)


# --- ch16.top_k_probs ---------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def top_k_no_renormalisation(logits, k, temperature):
    probs = _softmax(logits / temperature)
    kth = np.sort(probs, axis=-1)[:, -k][:, None]
    return np.where(probs >= kth, probs, 0.0)


def top_k_smallest(logits, k, temperature):  # keeps the k least probable
    z = logits / temperature
    kth = np.sort(z, axis=-1)[:, k - 1][:, None]
    e = np.where(z <= kth, np.exp(z - z.max(axis=-1, keepdims=True)), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_off_by_one(logits, k, temperature):  # keeps k + 1 (or all, when k = V)
    z = logits / temperature
    kth = np.sort(z, axis=-1)[:, -min(k + 1, z.shape[-1])][:, None]
    e = np.where(z >= kth, np.exp(z - z.max(axis=-1, keepdims=True)), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_temperature_times(logits, k, temperature):
    return solutions.top_k_probs(logits * temperature, k, 1.0)


def top_k_unstable(logits, k, temperature):  # exp without subtracting the maximum
    z = logits / temperature
    kth = np.sort(z, axis=-1)[:, -k][:, None]
    e = np.where(z >= kth, np.exp(z), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_columns(logits, k, temperature):  # the k largest of each column, not row
    z = logits / temperature
    kth = np.sort(z, axis=0)[-min(k, z.shape[0]), :][None, :]
    e = np.where(z >= kth, np.exp(z - z.max(axis=-1, keepdims=True)), 0.0)
    e = e + 1e-300
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("wrong", [top_k_no_renormalisation, top_k_smallest, top_k_off_by_one,
                                   top_k_temperature_times, top_k_columns])
def test_wrong_top_k_is_reported_wrong(wrong):
    assert "probs is wrong in case" in message_of("ch16.top_k_probs", wrong)


def test_an_unshifted_exp_overflows_on_large_logits():
    message = message_of("ch16.top_k_probs", top_k_unstable)
    assert 'raised FloatingPointError in case "B=2, V=6, k=2, temperature=0.1, large logits"' in message


# --- ch16.nucleus_probs -------------------------------------------------------------------


def _nucleus_keep(probs, keep_sorted_fn):
    order = np.argsort(-probs, axis=-1)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    keep_sorted = keep_sorted_fn(sorted_probs)
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def nucleus_stops_before_p(logits, p, temperature):  # keeps only while the cumulative sum is <= p
    probs = _softmax(logits / temperature)
    return _nucleus_keep(probs, lambda s: (np.cumsum(s, axis=-1) <= p) | (np.arange(s.shape[-1]) == 0))


def nucleus_least_probable(logits, p, temperature):  # sorts ascending
    probs = _softmax(logits / temperature)
    order = np.argsort(probs, axis=-1)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    keep_sorted = np.cumsum(sorted_probs, axis=-1) - sorted_probs < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def nucleus_no_renormalisation(logits, p, temperature):
    probs = _softmax(logits / temperature)
    kept = solutions.nucleus_probs(logits, p, temperature)
    return np.where(kept > 0, probs, 0.0)


def nucleus_unsorted(logits, p, temperature):  # cumulative sum in the original order
    probs = _softmax(logits / temperature)
    keep = np.cumsum(probs, axis=-1) - probs < p
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def nucleus_temperature_after(logits, p, temperature):  # cuts at temperature 1, then applies it
    kept = solutions.nucleus_probs(logits, p, 1.0) > 0
    probs = _softmax(logits / temperature)
    probs = np.where(kept, probs, 0.0)
    return probs / probs.sum(axis=-1, keepdims=True)


def nucleus_threshold(logits, p, temperature):  # keeps tokens whose own probability is at least 1 - p
    probs = _softmax(logits / temperature)
    keep = (probs >= 1 - p) | (probs == probs.max(axis=-1, keepdims=True))
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("wrong", [nucleus_stops_before_p, nucleus_least_probable, nucleus_no_renormalisation,
                                   nucleus_unsorted, nucleus_temperature_after, nucleus_threshold])
def test_wrong_nucleus_is_reported_wrong(wrong):
    assert "probs is wrong in case" in message_of("ch16.nucleus_probs", wrong)


# --- ch16.distinct_ngrams -----------------------------------------------------------------


def distinct_over_T(ids, n):  # divides by T instead of T - n + 1
    return solutions.distinct_ngrams(ids, n) * (ids.shape[1] - n + 1) / ids.shape[1]


def distinct_unigrams(ids, n):  # ignores n
    return solutions.distinct_ngrams(ids, 1)


def distinct_whole_batch(ids, n):  # pools the rows
    B, T = ids.shape
    grams = {tuple(ids[b, t:t + n].tolist()) for b in range(B) for t in range(T - n + 1)}
    return np.full(B, len(grams) / (B * (T - n + 1)))


def distinct_sets_of_ids(ids, n):  # an n-gram as a set: order ignored
    B, T = ids.shape
    return np.array([len({frozenset(ids[b, t:t + n].tolist()) for t in range(T - n + 1)}) / (T - n + 1)
                     for b in range(B)])


def distinct_repeated_fraction(ids, n):  # the share of repeats instead of distinct n-grams
    return 1.0 - solutions.distinct_ngrams(ids, n)


def distinct_counts(ids, n):  # the number, not the fraction
    return solutions.distinct_ngrams(ids, n) * (ids.shape[1] - n + 1)


def distinct_columns(ids, n):
    return solutions.distinct_ngrams(ids.T.copy(), min(n, ids.shape[0]))


@pytest.mark.parametrize("wrong", [distinct_over_T, distinct_unigrams, distinct_whole_batch, distinct_sets_of_ids,
                                   distinct_repeated_fraction, distinct_counts])
def test_wrong_distinct_fractions_are_reported_wrong(wrong):
    assert "fraction is wrong in case" in message_of("ch16.distinct_ngrams", wrong)


def test_columns_instead_of_rows_give_a_shape_message():
    assert "expected (B,)" in message_of("ch16.distinct_ngrams", distinct_columns)
