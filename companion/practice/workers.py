"""Independent training runs spread over worker processes, one thread each.

    from companion.practice.workers import worker_pool
    with worker_pool() as pool:
        future = pool.submit(train_adding, "lstm", 100, 2500, seed=0)
        run = future.result()   # waits for that run only

Small recurrent models gain little from a second thread inside one run (the
matrices are too small to split), but separate runs share nothing, so a
machine with two cores finishes two runs in the time of one. Each worker is a
fresh Python process started with ``spawn`` (not ``fork``, which can copy a
parent's locked thread pools) and set to one thread, so a run gives the same
numbers in a worker as in the parent at one thread: where a run happens does
not change its result, only when it finishes.

The function a worker runs must be importable by name (defined in a module,
not in a notebook cell), and its arguments and result must pickle.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def available_cores() -> int:
    """The cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes (default: the available cores), each running torch on one thread.

    Submit the longest runs first: the pool starts jobs in the order they
    arrive, so a long run submitted last would run alone at the end.
    """
    if workers is None:
        workers = available_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer; got {workers!r}")
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_one_thread)
