"""Reference solutions of chapter 17, "Sequence classification and sentiment".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one. Batches are padded at the end: sequence ``b`` occupies steps
``0, ..., lengths[b] - 1``.
"""

import numpy as np


def bag_of_words(ids, lengths, V):
    """Word counts (N, V) float64: entry [n, v] is how often id v occurs among the real words of sentence n.

    ids: int array (N, T), padded at the end (the padding may hold any id);
    lengths: int array (N,), each in 1..T; V: the vocabulary size.
    """
    N, T = ids.shape
    counts = np.zeros((N, V))
    real = np.arange(T)[None, :] < lengths[:, None]
    rows = np.repeat(np.arange(N), T).reshape(N, T)
    np.add.at(counts, (rows[real], ids[real]), 1.0)
    return counts


def masked_attention_weights(scores, lengths):
    """Softmax of scores (B, T) over each sequence's real steps; 0.0 at the padding.

    Subtract each row's largest real score before exponentiating, so that
    large scores do not overflow. Returns (B, T) float64; each row sums to 1.
    """
    T = scores.shape[1]
    real = np.arange(T)[None, :] < lengths[:, None]
    masked = np.where(real, scores, -np.inf)
    shifted = masked - masked.max(axis=1, keepdims=True)
    e = np.where(real, np.exp(shifted), 0.0)
    return e / e.sum(axis=1, keepdims=True)


def attention_pool(states, W, b, v, lengths):
    """Additive attention pooling: scores e_t = v . tanh(W^T h_t + b), masked softmax, weighted sum.

    states: (B, T, H); W: (H, A); b: (A,); v: (A,); lengths: int array (B,).
    Returns (pooled (B, H), weights (B, T)); the padding gets weight 0.
    """
    T = states.shape[1]
    scores = np.tanh(states @ W + b) @ v
    real = np.arange(T)[None, :] < lengths[:, None]
    masked = np.where(real, scores, -np.inf)
    e = np.where(real, np.exp(masked - masked.max(axis=1, keepdims=True)), 0.0)
    weights = e / e.sum(axis=1, keepdims=True)
    return np.einsum("bt,bth->bh", weights, states), weights


def centroid_track(frames):
    """The intensity-weighted centre of each frame, (N, T, 2) float64 as (row, column).

    frames: (N, T, R, C), non-negative, each frame with a positive sum.
    """
    R, C = frames.shape[2:]
    mass = frames.sum(axis=(2, 3))
    rows = (frames.sum(axis=3) * np.arange(R)).sum(axis=2) / mass
    cols = (frames.sum(axis=2) * np.arange(C)).sum(axis=2) / mass
    return np.stack([rows, cols], axis=-1)
