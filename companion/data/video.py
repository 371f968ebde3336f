"""A tiny generated video task: which way does the blob move?

Each clip is ``T`` frames of a ``size x size`` grid holding one bright
``blob x blob`` square on a noisy background. The square starts at a uniform
random position and moves one cell per frame in one of four directions,
wrapping around the edges (the grid is a torus). Because the start is uniform
and the motion wraps, every single frame has the same distribution whatever
the direction: a model that sees one frame can only guess (accuracy 1/4), and
the label is in the change from frame to frame.

    from companion.data.video import moving_blobs, DIRECTIONS
    frames, labels = moving_blobs(1000, np.random.default_rng(0))   # (N, T, size, size), (N,)
"""

from __future__ import annotations

import numpy as np

DIRECTIONS = ("up", "down", "left", "right")
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (row, column) change per frame, in the order of DIRECTIONS


def moving_blobs(
    n: int, rng: np.random.Generator, T: int = 8, size: int = 10, blob: int = 2, noise: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` clips, float32 (n, T, size, size), and their direction labels, int64 (n,) indexing DIRECTIONS.

    Labels cycle through the four directions, so each occurs n // 4 or n // 4 + 1
    times; ``noise`` is the standard deviation of the Gaussian background noise.
    """
    if n < 1 or T < 2 or size < blob + 1 or blob < 1:
        raise ValueError(f"need n >= 1, T >= 2, blob >= 1 and size > blob; got n={n}, T={T}, size={size}, blob={blob}")
    labels = np.arange(n, dtype=np.int64) % len(DIRECTIONS)
    rng.shuffle(labels)
    frames = rng.normal(0.0, noise, size=(n, T, size, size)).astype(np.float32)
    start = rng.integers(0, size, size=(n, 2))
    offsets = np.arange(blob)
    for i in range(n):
        step = np.array(STEPS[labels[i]])
        for t in range(T):
            row, col = start[i] + t * step
            rows, cols = (row + offsets) % size, (col + offsets) % size
            frames[i, t][np.ix_(rows, cols)] += 1.0
    return frames, labels
