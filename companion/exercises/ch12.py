"""Exercises of chapter 12, "Variable-length batches".

Batches are batch-first and padded at the end. Lengths are int64 arrays,
continuous inputs float64 from ``np.random.default_rng((seed, i))``, and the
padded positions of outputs and losses hold large values (and, in one loss
case, NaN), so that reading or averaging them shows. The first case of each
exercise is the smallest (B = 1, T = 1) and the same for every seed; later
cases draw their sizes from the seed, and always include a sequence as long
as the batch (no padding), one of length 1, and two cases with the same sizes
and different values.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch12 as solutions


def _lengths(rng: np.random.Generator, B: int, T: int) -> np.ndarray:
    """Random lengths in 1..T with at least one 1 and one T (when B >= 2), shuffled."""
    lengths = rng.integers(1, T + 1, size=B)
    if B >= 2:
        lengths[:2] = [1, T]
        rng.shuffle(lengths)
    return lengths.astype(np.int64)


def _sizes(seed: int, salt: int) -> tuple[int, int, int]:
    """(B, T, H), all different, drawn from the seed: B in 3..6, T in 4..8, H in 2..9."""
    rng = np.random.default_rng((seed, salt))
    while True:
        B, T, H = int(rng.integers(3, 7)), int(rng.integers(4, 9)), int(rng.integers(2, 10))
        if len({B, T, H}) == 3:
            return B, T, H


def mask_cases(seed: int = 0) -> list[Case]:
    """lengths and T: B = T = 1 first, then T larger than every length (extra padding), then two of one size."""
    B, T, _ = _sizes(seed, 21)
    cases = [Case("B=1, T=1", {"lengths": np.array([1], dtype=np.int64), "T": 1}, {"B": 1, "T": 1})]
    rng = np.random.default_rng((seed, 0))
    short = rng.integers(1, T - 1, size=B).astype(np.int64)
    cases.append(Case(f"B={B}, T={T}, T > max(lengths)", {"lengths": short, "T": T}, {"B": B, "T": T}))
    for i in (1, 2):
        lengths = _lengths(np.random.default_rng((seed, i)), B, T)
        name = f"B={B}, T={T}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"lengths": lengths, "T": T}, {"B": B, "T": T}))
    return cases


def _padded_outputs(rng: np.random.Generator, lengths: np.ndarray, T: int, H: int) -> np.ndarray:
    outputs = rng.uniform(-1.0, 1.0, size=(len(lengths), T, H))
    for b, n in enumerate(lengths):
        outputs[b, n:] = rng.uniform(50.0, 100.0, size=(T - n, H))  # what an RNN computes on the padding
    return outputs


def last_state_cases(seed: int = 0) -> list[Case]:
    """outputs (B, T, H) with garbage after each sequence's end; B = T = 1 first."""
    B, T, H = _sizes(seed, 22)
    cases = []
    for i, (b, t, h) in enumerate([(1, 1, 2), (B, T, H), (B, T, H)]):
        rng = np.random.default_rng((seed, i))
        lengths = _lengths(rng, b, t)
        name = f"B={b}, T={t}, H={h}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"outputs": _padded_outputs(rng, lengths, t, h), "lengths": lengths},
                          {"B": b, "T": t, "H": h}))
    return cases


def masked_loss_cases(seed: int = 0) -> list[Case]:
    """Per-token losses (B, T) with large losses on the padding; the last case has NaN there."""
    B, T, _ = _sizes(seed, 23)
    cases = []
    for i, (b, t, nan) in enumerate([(1, 1, False), (B, T, False), (B, T, False), (B, T, True)]):
        rng = np.random.default_rng((seed, i))
        lengths = _lengths(rng, b, t)
        losses = rng.uniform(0.1, 3.0, size=(b, t))
        for row, n in enumerate(lengths):
            losses[row, n:] = np.nan if nan else rng.uniform(20.0, 40.0, size=t - n)
        name = f"B={b}, T={t}" + (", other values" if i == 2 else "") + (", NaN on the padding" if nan else "")
        cases.append(Case(name, {"losses": losses, "lengths": lengths}, {"B": b, "T": t}))
    return cases


def bucket_cases(seed: int = 0) -> list[Case]:
    """lengths (N,) with ties, and batch sizes that divide N, do not, exceed N, and equal 1."""
    rng = np.random.default_rng((seed, 24))
    N = int(rng.integers(9, 14))
    cases = [Case("N=1, batch_size=1", {"lengths": np.array([4], dtype=np.int64), "batch_size": 1}, {"N": 1})]
    for i, batch_size in enumerate([int(rng.integers(3, 5)), 1, N + 2, 5]):
        values = np.random.default_rng((seed, i))
        lengths = values.integers(1, 7, size=N).astype(np.int64)  # few distinct lengths: ties
        cases.append(Case(f"N={N}, batch_size={batch_size}", {"lengths": lengths, "batch_size": batch_size}, {"N": N}))
    return cases


def batch_sizes_cases(seed: int = 0) -> list[Case]:
    """Unsorted lengths with ties; T = max(lengths) is read from the reference."""
    B, T, _ = _sizes(seed, 25)
    all_lengths = [np.array([1], dtype=np.int64)]
    for i in (1, 2):
        all_lengths.append(_lengths(np.random.default_rng((seed, i)), B, T))
    all_lengths.append(np.full(B, T, dtype=np.int64))  # no padding at all
    cases = []
    for lengths in all_lengths:
        T_case = int(lengths.max())
        cases.append(Case(f"B={len(lengths)}, lengths={lengths.tolist()}", {"lengths": lengths}, {"T": T_case}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch12.lengths_to_mask": Exercise(
        id="ch12.lengths_to_mask",
        title="A mask from lengths",
        reference=solutions.lengths_to_mask,
        make_cases=mask_cases,
        outputs=("mask",),
        shapes=(("B", "T"),),
    ),
    "ch12.last_valid_state": Exercise(
        id="ch12.last_valid_state",
        title="The last valid state of a padded batch",
        reference=solutions.last_valid_state,
        make_cases=last_state_cases,
        outputs=("last",),
        shapes=(("B", "H"),),
    ),
    "ch12.masked_mean_loss": Exercise(
        id="ch12.masked_mean_loss",
        title="A masked mean loss",
        reference=solutions.masked_mean_loss,
        make_cases=masked_loss_cases,
        outputs=("loss",),
        shapes=((),),
    ),
    "ch12.bucket_batches": Exercise(
        id="ch12.bucket_batches",
        title="Bucketing by length, and what padding costs",
        reference=solutions.bucket_batches,
        make_cases=bucket_cases,
        outputs=("order", "padded"),
        shapes=(("N",), ()),
        kinds=("int", "int"),
    ),
    "ch12.packed_batch_sizes": Exercise(
        id="ch12.packed_batch_sizes",
        title="The batch sizes of a packed sequence",
        reference=solutions.packed_batch_sizes,
        make_cases=batch_sizes_cases,
        outputs=("batch_sizes",),
        shapes=(("T",),),
        kinds=("int",),
    ),
}
