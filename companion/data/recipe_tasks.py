"""Small, seeded tasks for chapter 20's ablations, each fast enough to train several times in seconds.

- ``digit_rows``: scikit-learn's 8x8 handwritten digits read row by row, a real
  sequence classification task (T = 8 steps of D = 8 pixels, 10 classes), with
  the raw pixel values 0..16 kept, so that input normalisation can be measured.
- ``recall_first``: a sequence of T random symbols; the label is the first one.
  The answer sits T - 1 steps before the end, so the gradient must travel back
  through the whole sequence: the task that separates initialisations.
- ``offset_copy``: per-step labels ``y[t] = x[t + offset]``; a positive offset
  needs the future (a bidirectional layer), a negative one only the past.
- ``majority_lengths``: variable-length sequences of the symbols 1 and 2 (0 is
  kept for padding); the label says whether 1 is the more frequent. Lengths are
  log-normal, as in text, so random batches carry much padding.

    from companion.data.recipe_tasks import digit_rows, recall_first
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """Inputs and labels of one split: ``x`` (N, T, D) float64 or (N, T) int64, ``y`` (N,) or (N, T) int64."""

    x: np.ndarray
    y: np.ndarray


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def digit_rows(n_train: int = 1000, n_valid: int = 397, seed: int = 0) -> dict[str, Split]:
    """The 1797 digits, shuffled with ``seed`` and split into train, valid and test (the rest).

    ``x`` is (N, 8, 8) float64: sequence of 8 rows, each of 8 raw pixel values in 0..16.
    """
    from sklearn.datasets import load_digits

    _check_sizes(n_train=n_train, n_valid=n_valid)
    digits = load_digits()
    n = len(digits.target)
    if n_train + n_valid >= n:
        raise ValueError(f"n_train + n_valid must leave a test set of the {n} digits; got {n_train} + {n_valid}")
    order = np.random.default_rng(seed).permutation(n)
    x = digits.images.astype(np.float64)
    y = digits.target.astype(np.int64)
    parts = {"train": order[:n_train], "valid": order[n_train:n_train + n_valid], "test": order[n_train + n_valid:]}
    return {name: Split(x[idx], y[idx]) for name, idx in parts.items()}


def recall_first(n: int, T: int, K: int = 4, seed: int = 0) -> Split:
    """``x`` (n, T) int64 symbols drawn uniformly from 0..K-1, ``y`` (n,) = the first symbol."""
    _check_sizes(n=n, T=T, K=K)
    x = np.random.default_rng(seed).integers(0, K, size=(n, T)).astype(np.int64)
    return Split(x, x[:, 0].copy())


def offset_copy(n: int, T: int, offset: int, K: int = 4, seed: int = 0) -> Split:
    """``x`` (n, T) symbols in 0..K-1; ``y[:, t] = x[:, t + offset]``, -100 where t + offset is outside 0..T-1.

    -100 is ``cross_entropy``'s default ``ignore_index``.
    """
    _check_sizes(n=n, T=T, K=K)
    if abs(offset) >= T:
        raise ValueError(f"|offset| must be below T = {T}; got {offset}")
    x = np.random.default_rng(seed).integers(0, K, size=(n, T)).astype(np.int64)
    y = np.full_like(x, -100)
    if offset >= 0:
        y[:, :T - offset] = x[:, offset:]
    else:
        y[:, -offset:] = x[:, :T + offset]
    return Split(x, y)


def majority_lengths(n: int, seed: int = 0, median: float = 20.0, sigma: float = 0.8,
                     max_len: int = 120) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` sequences of the symbols 1 and 2 with log-normal lengths in 3..max_len (odd, so no ties).

    Returns ``(sequences, y)``: a list of int64 arrays (L_i,) and y (n,) int64,
    1 when the symbol 1 is the more frequent. The labels are balanced (each
    sequence draws its own proportion of 1s), and 0 never appears (padding).
    """
    _check_sizes(n=n, max_len=max_len)
    rng = np.random.default_rng(seed)
    lengths = np.clip(np.round(rng.lognormal(np.log(median), sigma, size=n)), 3, max_len).astype(np.int64)
    lengths -= 1 - lengths % 2                       # odd lengths: a strict majority always exists
    sequences, labels = [], []
    for length in lengths:
        p = rng.uniform(0.25, 0.75)
        seq = np.where(rng.random(length) < p, 1, 2).astype(np.int64)
        sequences.append(seq)
        labels.append(int((seq == 1).sum() * 2 > length))
    return sequences, np.array(labels, dtype=np.int64)
