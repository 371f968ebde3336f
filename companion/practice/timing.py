"""Wall-clock timing of a call: one untimed warm-up call, then the timed ones.

    from companion.practice.timing import median_seconds
    seconds = median_seconds(lambda: layer(x), repeats=7)

The warm-up call pays for what only the first call does (allocating buffers,
filling caches, compiling); the median of the timed calls is steadier than
their mean on a shared machine, where one call can be held up by another
process.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable


def run_times(fn: Callable[[], object], repeats: int) -> list[float]:
    """The times in seconds of ``repeats`` calls of ``fn``, after one untimed warm-up call."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(fn: Callable[[], object], repeats: int = 5) -> float:
    """The median wall time of ``fn()`` over ``repeats`` calls, after one warm-up call."""
    return statistics.median(run_times(fn, repeats))
