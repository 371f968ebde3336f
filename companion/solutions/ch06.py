"""Reference solutions of chapter 6, "Architectures and decoding".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one. All log-probabilities are natural logarithms.
"""

import numpy as np


def softmax_with_temperature(logits, temperature):
    """softmax(logits / temperature) along the last axis, without overflow.

    logits: (B, V) scores for V tokens; temperature: a positive float.
    Returns probs: (B, V), each row non-negative and summing to one.
    """
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)  # the largest becomes 0: exp cannot overflow
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def additive_attention(query, keys, W_q, W_k, b, v):
    """Additive (Bahdanau) attention of one decoder state over the encoder states.

    query: (B, H) decoder state; keys: (T, B, E) encoder states, time-major;
    W_q: (A, H); W_k: (A, E); b: (A,); v: (A,).
    scores[t] = tanh(query W_q^T + keys[t] W_k^T + b) v, a softmax over the T
    steps turns them into weights, and the context is the weighted sum of keys.
    Returns (weights, context) with shapes (T, B) and (B, E); weights[:, i] sums to one.
    """
    hidden = np.tanh(query @ W_q.T + keys @ W_k.T + b)  # (T, B, A); the query broadcasts over T
    scores = hidden @ v  # (T, B)
    scores = scores - scores.max(axis=0)
    weights = np.exp(scores) / np.exp(scores).sum(axis=0)  # softmax over time, not over the batch
    context = (weights[:, :, None] * keys).sum(axis=0)  # (B, E)
    return weights, context


def beam_search(log_probs_first, log_transition, length, beam_width):
    """Beam search for the most probable sequence of ``length`` tokens of a Markov model.

    log_probs_first: (V,), log P(y_1 = v); log_transition: (V, V), where
    log_transition[i, j] = log P(y_{t+1} = j | y_t = i); length, beam_width: ints >= 1.
    Keeps the beam_width best partial sequences by summed log-probability.
    Returns (tokens, log_prob): the best sequence found, an int array of shape
    (length,), and its summed log-probability, a float.
    """
    V = len(log_probs_first)
    beam = [((v,), float(log_probs_first[v])) for v in range(V)]
    beam = sorted(beam, key=lambda item: -item[1])[:beam_width]
    for _ in range(length - 1):
        candidates = [
            (tokens + (v,), score + float(log_transition[tokens[-1], v]))
            for tokens, score in beam
            for v in range(V)
        ]
        beam = sorted(candidates, key=lambda item: -item[1])[:beam_width]
    tokens, score = beam[0]
    return np.array(tokens, dtype=np.int64), score


def ctc_collapse(path, blank):
    """The CTC collapse B: merge runs of equal symbols, then remove the blanks.

    path: (T,) int array, one symbol per frame; blank: the blank's index.
    Returns labels: an int array of length at most T, e.g. [1, 1, 0, 1, 2] -> [1, 1, 2].
    """
    labels = []
    previous = None
    for symbol in path:
        symbol = int(symbol)
        if symbol != blank and symbol != previous:
            labels.append(symbol)
        previous = symbol  # a blank also resets the run, so "a - a" keeps both a's
    return np.array(labels, dtype=np.int64)


def ctc_forward(log_probs, target, blank):
    """Negative log-likelihood -log p(target | x) under CTC, in log space.

    log_probs: (T, V) per-frame log-probabilities; target: (U,) int labels,
    none equal to blank (U may be 0); blank: the blank's index.
    Returns nll: a float, the forward (alpha) recursion over the extended
    sequence z = [blank, y_1, blank, ..., y_U, blank] of length S = 2U + 1.
    """
    T = log_probs.shape[0]
    z = np.full(2 * len(target) + 1, blank)
    z[1::2] = target
    S = len(z)
    log_alpha = np.full(S, -np.inf)
    log_alpha[:2] = log_probs[0, z[:2]]  # start in the first blank or on the first label
    for t in range(1, T):
        new = np.full(S, -np.inf)
        for s in range(S):
            total = log_alpha[s]  # stay
            if s >= 1:
                total = np.logaddexp(total, log_alpha[s - 1])  # advance by one
            if s >= 2 and z[s] != blank and z[s] != z[s - 2]:
                total = np.logaddexp(total, log_alpha[s - 2])  # skip a blank between different labels
            new[s] = total + log_probs[t, z[s]]
        log_alpha = new
    return -float(np.logaddexp.reduce(log_alpha[-2:]))  # end on the last label or the final blank
