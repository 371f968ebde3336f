"""Chapter 17's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch17 as solutions
from exercise_messages import message_of



# --- ch17.bag_of_words --------------------------------------------------------------------

def bow_counts_padding(ids, lengths, V):
    return np.stack([np.bincount(row, minlength=V) for row in ids]).astype(np.float64)


def bow_transposed(ids, lengths, V):
    return solutions.bag_of_words(ids, lengths, V).T.copy()


def bow_presence(ids, lengths, V):
    return np.minimum(solutions.bag_of_words(ids, lengths, V), 1.0)


def bow_too_narrow(ids, lengths, V):
    return solutions.bag_of_words(ids, lengths, int(ids.max()) + 1)


def bow_int(ids, lengths, V):
    return solutions.bag_of_words(ids, lengths, V).astype(np.int64)


def bow_one_short(ids, lengths, V):
    return solutions.bag_of_words(ids, np.maximum(lengths - 1, 0), V)


@pytest.mark.parametrize("wrong, expected", [
    (bow_counts_padding, 'counts is wrong in case "'),
    (bow_transposed, 'counts has shape (3, 1) in case "N=1, T=1, V=3"; expected (N, V) = (1, 3).'),
    (bow_presence, 'counts is wrong in case "'),
    (bow_too_narrow, 'counts has shape'),
    (bow_int, 'counts has dtype int64 in case "N=1, T=1, V=3"'),
    (bow_one_short, 'counts is wrong in case "N=1, T=1, V=3"'),
])
def test_wrong_bag_of_words_fails(wrong, expected):
    message = message_of("ch17.bag_of_words", wrong)
    assert message.startswith("ch17.bag_of_words: " + expected), message


# --- ch17.masked_attention_weights --------------------------------------------------------

def weights_unmasked(scores, lengths):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def weights_unshifted(scores, lengths):
    real = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    e = np.where(real, np.exp(np.where(real, scores, 0.0)), 0.0)
    return e / e.sum(axis=1, keepdims=True)


def weights_mask_after_softmax(scores, lengths):
    real = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    return weights_unmasked(scores, lengths) * real


def weights_over_batch(scores, lengths):
    real = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    masked = np.where(real, scores, -np.inf)
    e = np.where(real, np.exp(masked - masked.max(axis=0, keepdims=True)), 0.0)
    return e / e.sum(axis=0, keepdims=True)


def weights_zero_score_padding(scores, lengths):
    real = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    return weights_unmasked(np.where(real, scores, 0.0), lengths)


def weights_not_normalised(scores, lengths):
    real = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    masked = np.where(real, scores, -np.inf)
    return np.where(real, np.exp(masked - masked.max(axis=1, keepdims=True)), 0.0)


@pytest.mark.parametrize("wrong, expected", [
    (weights_unmasked, 'weights is wrong in case "B='),
    (weights_unshifted, 'raised FloatingPointError in case "B='),
    (weights_mask_after_softmax, 'weights is wrong in case "B='),
    (weights_over_batch, 'weights is wrong in case "B='),
    (weights_zero_score_padding, 'weights is wrong in case "B='),
    (weights_not_normalised, 'weights is wrong in case "B='),
])
def test_wrong_attention_weights_fail(wrong, expected):
    message = message_of("ch17.masked_attention_weights", wrong)
    assert message.startswith("ch17.masked_attention_weights") and expected in message, message


# --- ch17.attention_pool ------------------------------------------------------------------

def pool_mean(states, W, b, v, lengths):
    _, weights = solutions.attention_pool(states, W, b, v, lengths)
    real = (np.arange(states.shape[1])[None, :] < lengths[:, None]).astype(np.float64)
    return (states * real[..., None]).sum(axis=1) / lengths[:, None], weights


def pool_unmasked(states, W, b, v, lengths):
    return solutions.attention_pool(states, W, b, v, np.full_like(lengths, states.shape[1]))


def pool_no_tanh(states, W, b, v, lengths):
    scores = (states @ W + b) @ v
    real = np.arange(states.shape[1])[None, :] < lengths[:, None]
    masked = np.where(real, scores, -np.inf)
    e = np.where(real, np.exp(masked - masked.max(axis=1, keepdims=True)), 0.0)
    weights = e / e.sum(axis=1, keepdims=True)
    return np.einsum("bt,bth->bh", weights, states), weights


def pool_last_state(states, W, b, v, lengths):
    pooled, weights = solutions.attention_pool(states, W, b, v, lengths)
    return states[np.arange(len(lengths)), lengths - 1], weights


def pool_swapped(states, W, b, v, lengths):
    pooled, weights = solutions.attention_pool(states, W, b, v, lengths)
    return weights, pooled


def pool_no_bias(states, W, b, v, lengths):
    return solutions.attention_pool(states, W, np.zeros_like(b), v, lengths)


@pytest.mark.parametrize("wrong, expected", [
    (pool_mean, 'pooled is wrong in case "B='),
    (pool_unmasked, 'is wrong in case "B='),
    (pool_no_tanh, 'is wrong in case "B='),
    (pool_last_state, 'pooled is wrong in case "B='),
    (pool_swapped, 'swapped'),
    (pool_no_bias, 'is wrong in case "B='),
])
def test_wrong_attention_pool_fails(wrong, expected):
    message = message_of("ch17.attention_pool", wrong)
    assert message.startswith("ch17.attention_pool: ") and expected in message, message


# --- ch17.centroid_track ------------------------------------------------------------------

def centroid_swapped_axes(frames):
    return solutions.centroid_track(frames)[..., ::-1].copy()


def centroid_unweighted_argmax(frames):
    N, T, R, C = frames.shape
    flat = frames.reshape(N, T, -1).argmax(axis=2)
    return np.stack([flat // C, flat % C], axis=-1).astype(np.float64)


def centroid_not_normalised(frames):
    R, C = frames.shape[2:]
    rows = (frames.sum(axis=3) * np.arange(R)).sum(axis=2)
    cols = (frames.sum(axis=2) * np.arange(C)).sum(axis=2)
    return np.stack([rows, cols], axis=-1)


def centroid_one_based(frames):
    return solutions.centroid_track(frames) + 1.0


def centroid_time_major(frames):
    return solutions.centroid_track(frames).transpose(1, 0, 2).copy()


def centroid_mean_over_time(frames):
    c = solutions.centroid_track(frames)
    return np.broadcast_to(c.mean(axis=1, keepdims=True), c.shape).copy()


@pytest.mark.parametrize("wrong, expected", [
    (centroid_swapped_axes, 'centroids is wrong in case "N=1, T=1, R=2, C=3"'),
    (centroid_unweighted_argmax, 'centroids is wrong in case "N=1, T=1, R=2, C=3"'),
    (centroid_not_normalised, 'centroids is wrong in case "N=1, T=1, R=2, C=3"'),
    (centroid_one_based, 'centroids is wrong in case "N=1, T=1, R=2, C=3"'),
    (centroid_time_major, 'centroids has shape'),
    (centroid_mean_over_time, 'centroids is wrong in case "N='),
])
def test_wrong_centroids_fail(wrong, expected):
    message = message_of("ch17.centroid_track", wrong)
    assert message.startswith("ch17.centroid_track: ") and expected in message, message
