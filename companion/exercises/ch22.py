"""Exercises of chapter 22, "Scaling up and what came next".

Arrays are float64 from ``np.random.default_rng((seed, i))``. The scan's
operator and the recurrence take values with |a| near 1 and both signs, so
that swapping the two maps, or applying them in the wrong order, shows. The
sharding cases include N a multiple of the world size, N not a multiple
(padding), N smaller than the world size, and the last rank. The first case
of each exercise is the smallest and the same for every seed.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch22 as solutions


def _size(seed: int, salt: int, low: int, high: int) -> int:
    return int(np.random.default_rng((seed, salt)).integers(low, high))


def combine_cases(seed: int = 0) -> list[Case]:
    """Four arrays (N,): N = 1 first, then N from the seed, twice with other values."""
    N = _size(seed, 31, 3, 9)
    cases = []
    for i, n in enumerate([1, N, N]):
        rng = np.random.default_rng((seed, i))
        a1, a2 = rng.uniform(0.3, 1.5, size=(2, n)) * rng.choice([-1.0, 1.0], size=(2, n))
        b1, b2 = rng.normal(size=(2, n)) * 2.0
        name = f"N={n}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"a1": a1, "b1": b1, "a2": a2, "b2": b2}, {"N": n}))
    return cases


def recurrence_cases(seed: int = 0) -> list[Case]:
    """a, b (T, N) and h0 (N,): T = N = 1 first, then T != N from the seed, one with h0 = 0."""
    rng_sizes = np.random.default_rng((seed, 32))
    while True:
        T, N = int(rng_sizes.integers(4, 10)), int(rng_sizes.integers(2, 7))
        if T != N:
            break
    cases = []
    for i, (t, n, zero) in enumerate([(1, 1, False), (T, N, False), (T, N, False), (T, N, True)]):
        rng = np.random.default_rng((seed, i))
        a = rng.uniform(0.5, 1.2, size=(t, n)) * rng.choice([-1.0, 1.0], size=(t, n))
        b = rng.normal(size=(t, n))
        h0 = np.zeros(n) if zero else rng.normal(size=n) + 1.0
        name = f"T={t}, N={n}" + (", other values" if i == 2 else "") + (", h0 = 0" if zero else "")
        cases.append(Case(name, {"a": a, "b": b, "h0": h0}, {"T": t, "N": n}))
    return cases


def shard_cases(seed: int = 0) -> list[Case]:
    """N, world_size, rank: W = 1 first; then N divisible by W, N % W != 0 (every rank), N < W."""
    W = _size(seed, 33, 3, 6)
    k = _size(seed, 34, 2, 5)
    cases = [Case("N=1, world_size=1, rank=0", {"N": 1, "world_size": 1, "rank": 0}, {"n": 1})]
    settings = [(k * W, W, 1), (k * W + 1, W, 0), (k * W + 1, W, W - 1), (k * W + W - 1, W, W - 1), (2, W, W - 1)]
    for N, w, rank in settings:
        n = -(-N // w)
        cases.append(Case(f"N={N}, world_size={w}, rank={rank}", {"N": N, "world_size": w, "rank": rank}, {"n": n}))
    return cases


def allreduce_cases(seed: int = 0) -> list[Case]:
    """grads (W, P): W = 1 first, then W != P from the seed, twice with other values, and W = 2."""
    W = _size(seed, 35, 3, 6)
    P = W + _size(seed, 36, 1, 5)
    cases = []
    for i, (w, p) in enumerate([(1, 3), (W, P), (W, P), (2, P)]):
        rng = np.random.default_rng((seed, i))
        grads = rng.normal(size=(w, p)) * rng.uniform(0.5, 5.0, size=(w, 1))
        name = f"W={w}, P={p}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"grads": grads}, {"W": w, "P": p}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch22.combine": Exercise(
        id="ch22.combine",
        title="The scan's operator: composing two affine maps",
        reference=solutions.combine,
        make_cases=combine_cases,
        outputs=("a", "b"),
        shapes=(("N",), ("N",)),
    ),
    "ch22.linear_recurrence": Exercise(
        id="ch22.linear_recurrence",
        title="The sequential linear recurrence",
        reference=solutions.linear_recurrence,
        make_cases=recurrence_cases,
        outputs=("h",),
        shapes=(("T", "N"),),
    ),
    "ch22.shard_indices": Exercise(
        id="ch22.shard_indices",
        title="Sharding a dataset across workers",
        reference=solutions.shard_indices,
        make_cases=shard_cases,
        outputs=("indices",),
        shapes=(("n",),),
        kinds=("int",),
    ),
    "ch22.average_gradients": Exercise(
        id="ch22.average_gradients",
        title="What the all-reduce leaves on each worker",
        reference=solutions.average_gradients,
        make_cases=allreduce_cases,
        outputs=("grads",),
        shapes=(("W", "P"),),
    ),
}
