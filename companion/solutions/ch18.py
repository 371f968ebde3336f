"""Reference solutions of chapter 18, "Sequence-to-sequence with attention".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.
"""

import numpy as np


def iso_dates(days, months, years):
    """Dates as ISO numbers YYYYMMDD (the digits of "YYYY-MM-DD"), or -1 where no such day exists.

    days, months, years: int arrays (N,). A month is 1..12; a day is 1 up to the
    month's length, with February 29 only in leap years (divisible by 4, except
    centuries not divisible by 400). Returns an int64 array (N,).
    """
    lengths = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    out = np.full(len(days), -1, dtype=np.int64)
    for i, (d, m, y) in enumerate(zip(days, months, years)):
        if not (1 <= m <= 12 and 1 <= y <= 9999):
            continue
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        last = 29 if (m == 2 and leap) else lengths[m - 1]
        if 1 <= d <= last:
            out[i] = y * 10000 + m * 100 + d
    return out


def additive_attention(query, keys, lengths, W_q, W_k, v):
    """One step of additive attention (Bahdanau et al., 2015) over a padded batch of encoder outputs.

    query: (B, Q), the decoder state; keys: (B, S, K), the encoder outputs, padded at
    the end; lengths: int array (B,), each in 1..S; W_q: (Q, A); W_k: (K, A); v: (A,).
    scores[b, s] = v . tanh(query[b] @ W_q + keys[b, s] @ W_k); the weights are the
    softmax of the scores over the real steps s < lengths[b] (0 at the padding).
    Returns (context (B, K) = sum_s weights[b, s] keys[b, s], weights (B, S)).
    """
    S = keys.shape[1]
    scores = np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v       # (B, S)
    mask = np.arange(S)[None, :] < lengths[:, None]
    scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.where(mask, np.exp(scores), 0.0)
    weights = weights / weights.sum(axis=1, keepdims=True)
    context = np.einsum("bs,bsk->bk", weights, keys)
    return context, weights


def beam_step(scores, log_probs, beam):
    """One step of beam search: the best extensions of the live hypotheses.

    scores: (K,), the total log-probability of each live hypothesis; log_probs: (K, V),
    the log-probabilities of the next character after each; beam: int >= 1.
    Every pair (row, char) has the total scores[row] + log_probs[row, char]; keep the
    k = min(beam, K * V) best, from the best down. Returns (rows (k,) int64, the
    hypothesis each extends; chars (k,) int64; totals (k,) float64).
    """
    total = scores[:, None] + log_probs                                # (K, V)
    k = min(beam, total.size)
    flat = np.argsort(-total, axis=None, kind="stable")[:k]
    rows, chars = np.divmod(flat, total.shape[1])
    return rows.astype(np.int64), chars.astype(np.int64), total.ravel()[flat]


def exact_match(predicted, expected, end_id):
    """The fraction of sequences decoded exactly right, read up to and including the first end mark.

    predicted, expected: int arrays (N, U) of ids; what follows a row's first end_id
    (padding, or characters a decoder produced after it) is not part of the
    output. A row without an end mark is read in full. Returns a float.
    """
    def output(row):
        ends = np.flatnonzero(row == end_id)
        return tuple(row[:ends[0] + 1]) if len(ends) else tuple(row)

    right = [output(p) == output(e) for p, e in zip(predicted, expected)]
    return float(np.mean(right))
