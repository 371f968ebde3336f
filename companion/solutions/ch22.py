"""Reference solutions of chapter 22, "Scaling up and what came next".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.
"""

import numpy as np


def combine(a1, b1, a2, b2):
    """The affine map 'first h -> a1 * h + b1, then h -> a2 * h + b2', as a pair (a, b).

    a1, b1, a2, b2: float64 arrays of one shape (N,). Returns (a, b), each (N,),
    with a * h + b == a2 * (a1 * h + b1) + b2 for every h.
    """
    return a2 * a1, a2 * b1 + b2


def linear_recurrence(a, b, h0):
    """The states of h_t = a_t * h_{t-1} + b_t (elementwise) for t = 1..T, computed step by step.

    a, b: (T, N) float64; h0: (N,), the state before the first step.
    Returns h: (T, N), row t - 1 holding h_t.
    """
    h = h0
    states = []
    for t in range(a.shape[0]):
        h = a[t] * h + b[t]
        states.append(h)
    return np.stack(states)


def shard_indices(N, world_size, rank):
    """The sample indices worker ``rank`` reads, as DistributedSampler(shuffle=False, drop_last=False) picks them.

    0..N-1 is padded by repeating its start until its length is a multiple of
    world_size; the worker takes every world_size-th index from position rank.
    Returns an int array of ceil(N / world_size) indices.
    """
    total = -(-N // world_size) * world_size
    padded = np.resize(np.arange(N), total)          # np.resize repeats the array from its start
    return padded[rank:total:world_size]


def average_gradients(grads):
    """What every worker holds after DDP's all-reduce: the mean of the workers' gradients.

    grads: (W, P) float64, worker w's flattened gradient in row w.
    Returns (W, P): every row the mean over the W rows.
    """
    W = grads.shape[0]
    mean = grads.sum(axis=0) / W
    return np.repeat(mean[None, :], W, axis=0)
