"""Two synthetic tasks that need a memory over many steps: adding and copy.

**The adding problem** (in the form of Le et al., 2015). Each step carries two
numbers: a value drawn uniformly from [0, 1] and a marker, 0 or 1. Exactly two
markers are 1, one in each half of the sequence; the target is the sum of the
two marked values. A model that ignores the input and always predicts the mean
target, 1, has a mean squared error equal to the variance of a sum of two
independent uniforms, 2 * 1/12 = 1/6 (about 0.167).

    x: (T, B, 2) float32, x[..., 0] the values, x[..., 1] the markers
    y: (B,) float32, the sum of the two marked values

**The copy task** (in the form of Arjovsky et al., 2016). The alphabet has ten
symbols: 0 is the blank, 1 to 8 are data symbols, 9 is the delimiter. The
input is ten data symbols drawn uniformly from 1..8, then T - 1 blanks, the
delimiter, and ten more blanks: T + 20 steps in all. The target is T + 10
blanks followed by the ten data symbols. A memoryless model predicts blanks
for the first T + 10 steps (no loss) and a uniform guess over the eight data
symbols for the last ten, so its mean cross-entropy per step is
10 log 8 / (T + 20).

    x: (T + 20, B) int64 symbols;  y: (T + 20, B) int64 symbols

Both generators take a ``numpy.random.Generator``, so a seed fixes every batch,
and both are infinite: call them again for a fresh batch.

    from companion.data.long_range import adding_batch, copy_batch
    x, y = adding_batch(np.random.default_rng(0), T=100, batch_size=64)
"""

from __future__ import annotations

import math

import numpy as np

COPY_LENGTH = 10  # data symbols to remember in the copy task
COPY_ALPHABET = 10  # blank 0, data 1..8, delimiter 9
BLANK, DELIMITER = 0, 9


def _check(rng: np.random.Generator, T: int, batch_size: int, least_T: int) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    if int(T) != T or T < least_T:
        raise ValueError(f"T must be an integer >= {least_T}; got {T!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")


def adding_batch(rng: np.random.Generator, T: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """One batch of the adding problem: x (T, B, 2) float32 and y (B,) float32.

    The first marker sits at a uniform position in steps 0 .. T//2 - 1, the
    second in steps T//2 .. T - 1, so the two are at least one step apart and
    on average T/2 apart.
    """
    _check(rng, T, batch_size, least_T=2)
    values = rng.uniform(0.0, 1.0, size=(T, batch_size))
    half = T // 2
    first = rng.integers(0, half, size=batch_size)
    second = rng.integers(half, T, size=batch_size)
    columns = np.arange(batch_size)
    markers = np.zeros((T, batch_size))
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[first, columns] + values[second, columns]).astype(np.float32)
    return x, y


def adding_baseline_mse() -> float:
    """Mean squared error of always predicting 1 on the adding problem: 1/6."""
    return 1.0 / 6.0


def copy_batch(rng: np.random.Generator, T: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """One batch of the copy task: x and y, both (T + 20, B) int64 symbols.

    x = ten data symbols, T - 1 blanks, the delimiter, ten blanks;
    y = T + 10 blanks, then the ten data symbols.
    """
    _check(rng, T, batch_size, least_T=1)
    n = COPY_LENGTH
    data = rng.integers(1, 9, size=(n, batch_size))
    x = np.full((T + 2 * n, batch_size), BLANK, dtype=np.int64)
    y = np.full((T + 2 * n, batch_size), BLANK, dtype=np.int64)
    x[:n] = data
    x[n + T - 1] = DELIMITER
    y[T + n :] = data
    return x, y


def copy_baseline_cross_entropy(T: int) -> float:
    """Mean cross-entropy per step (nats) of the memoryless copy strategy: 10 log 8 / (T + 20)."""
    if int(T) != T or T < 1:
        raise ValueError(f"T must be an integer >= 1; got {T!r}")
    return COPY_LENGTH * math.log(8) / (T + 2 * COPY_LENGTH)
