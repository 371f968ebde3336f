"""Linear recurrences h_t = a_t * h_{t-1} + b_t, by a loop and by a parallel (associative) scan.

The recurrence is elementwise (a diagonal linear RNN): a, b: (T, ...) time-major,
h0: the shape of one step, a[t]. Both functions return h: (T, ...), the states
h_1 .. h_T, with h_0 = h0.

The step t -> t+1 is the affine map h -> a h + b. Composing two of them,
first (a1, b1) then (a2, b2), gives h -> a2 a1 h + (a2 b1 + b2): again affine,
and composition is associative. So the prefix compositions, one per step,
can be computed by a scan in ceil(log2 T) rounds, each one vectorised over
all T steps (Hillis and Steele's inclusive scan), instead of T dependent steps.
"""

from __future__ import annotations

import numpy as np


def _validate(a: np.ndarray, b: np.ndarray, h0: np.ndarray | None) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim < 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be (T, ...) of one shape; got {a.shape} and {b.shape}")
    if a.shape[0] < 1:
        raise ValueError(f"a must have at least one step (T >= 1); got shape {a.shape}")
    h0 = np.zeros(a.shape[1:], dtype=np.result_type(a, b)) if h0 is None else np.asarray(h0)
    if h0.shape != a.shape[1:]:
        raise ValueError(f"h0 must be the shape of one step, {a.shape[1:]}; got {h0.shape}")
    return h0


def combine(a1: np.ndarray, b1: np.ndarray, a2: np.ndarray, b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The affine map 'first h -> a1 h + b1, then h -> a2 h + b2', as (a, b)."""
    return a2 * a1, a2 * b1 + b2


def linear_recurrence(a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """The states h_t = a_t * h_{t-1} + b_t for t = 1..T, one step at a time. Returns (T, ...)."""
    h = _validate(a, b, h0)
    out = np.empty(np.broadcast_shapes(a.shape, h.shape), dtype=np.result_type(a, b, h))
    for t in range(a.shape[0]):
        h = a[t] * h + b[t]
        out[t] = h
    return out


def parallel_scan(a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """The same states by an inclusive Hillis-Steele scan: ceil(log2 T) vectorised rounds.

    After the round with offset d, (A[t], B[t]) is the composition of the maps
    of steps max(0, t - 2d + 1) .. t; when d reaches T every prefix is complete,
    and h_t = A[t] * h0 + B[t]. It does O(T log T) work against the loop's O(T),
    but each round is one array operation, which a parallel machine runs in
    one step for every t at once.
    """
    h0 = _validate(a, b, h0)
    A, B = np.array(a, dtype=np.result_type(a, b, h0)), np.array(b, dtype=np.result_type(a, b, h0))
    T, d = A.shape[0], 1
    while d < T:
        # step t takes in the prefix ending at t - d: composed first, so it is the inner map
        A_new, B_new = combine(A[:-d], B[:-d], A[d:], B[d:])
        A[d:], B[d:] = A_new, B_new
        d *= 2
    return A * h0 + B
