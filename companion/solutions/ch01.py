"""Reference solutions of chapter 1, "Why sequences need memory".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``.

Sequences are time-major, ``x: (T, B, V)``, and words are one-hot vectors:
``x[t, b]`` is the one-hot vector of the word at step t of sequence b.
"""

import numpy as np


def bag_of_words(x):
    """Word counts of each sequence: the sum of its one-hot vectors over time.

    x: (T, B, V) one-hot words, time-major.
    Returns counts: (B, V), counts[b, v] = how often word v occurs in sequence b.
    """
    return x.sum(axis=0)


def bigram_counts(x):
    """Counts of adjacent word pairs in each sequence.

    x: (T, B, V) one-hot words, time-major.
    Returns pairs: (B, V, V), pairs[b, i, j] = the number of steps t at which
    sequence b has word i at step t and word j at step t + 1.
    """
    T, B, V = x.shape
    pairs = np.zeros((B, V, V))
    for t in range(T - 1):
        pairs += x[t][:, :, None] * x[t + 1][:, None, :]  # one outer product per sequence
    return pairs


def leaky_sum(x, decay):
    """A running state that forgets: s_t = decay * s_{t-1} + x_t, from s_0 = 0.

    x: (T, B, D) inputs, time-major; decay: a scalar (0-d array), usually in [0, 1].
    Returns s: (T, B, D), where s[t] is the state after reading x[0], ..., x[t].
    With decay = 1, s[T - 1] is the bag of words of one-hot inputs.
    """
    s = np.zeros_like(x)
    state = np.zeros_like(x[0])
    for t in range(x.shape[0]):
        state = decay * state + x[t]
        s[t] = state
    return s


def window_mlp_forward(x, W1, b1, W2, b2):
    """A one-hidden-layer MLP that reads a fixed window of T_w steps as one long vector.

    x: (T_w, B, D) the window, time-major; W1: (H, T_w * D), whose columns
    l * D to (l + 1) * D multiply step l; b1: (H,); W2: (K, H); b2: (K,).
    Returns scores: (B, K) = tanh(v W1^T + b1) W2^T + b2, where row b of v
    (B, T_w * D) is x[0, b], x[1, b], ..., x[T_w - 1, b] concatenated.
    """
    T_w, B, D = x.shape
    v = x.transpose(1, 0, 2).reshape(B, T_w * D)  # batch first, then steps side by side
    hidden = np.tanh(v @ W1.T + b1)
    return hidden @ W2.T + b2


def parameter_counts(T_w, D, H, K):
    """Parameters of an MLP over a window of T_w steps and of an RNN, both with K outputs.

    T_w: window length; D: inputs per step; H: hidden units; K: outputs (all ints).
    The MLP is Linear(T_w * D, H), tanh, Linear(H, K). The RNN is torch.nn.RNN(D, H),
    which has two bias vectors, followed by Linear(H, K).
    Returns (mlp, rnn), two ints.
    """
    mlp = T_w * D * H + H + H * K + K
    rnn = H * D + H * H + 2 * H + H * K + K
    return mlp, rnn
