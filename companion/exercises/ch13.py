"""Exercises of chapter 13, "Training well in PyTorch".

The functions take NumPy arrays and plain numbers and return them (float64),
so the engine compares them as for every other chapter; the student uses
PyTorch inside. Sizes are drawn from ``np.random.default_rng((seed, i))``,
so they change with the seed (``check`` uses seed 0), and each exercise has
two cases of the same shapes with different values, the smallest sizes, and
the edge cases of its rule (a clipping threshold above and below the norm, a
tie at exactly ``best - min_delta``, a run that never stops, logits large
enough to overflow a naive softmax).
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch13 as solutions


def clipped_step_cases(seed: int = 0) -> list[Case]:
    """A linear model and a batch; max_norm below the gradient norm (clipping on) or above it (off)."""
    rng = np.random.default_rng((seed, 0))
    shapes = [(1, 1, 1), tuple(int(s) for s in rng.integers(2, 6, size=3))]
    shapes.append(shapes[-1])  # same shapes, other values and settings
    shapes.append(tuple(int(s) for s in rng.integers(3, 8, size=3)))
    cases = []
    for i, ((N, D, K), clip_on) in enumerate(zip(shapes, (True, True, False, True))):
        rng = np.random.default_rng((seed, 1 + i))
        W, b = rng.normal(size=(K, D)), rng.normal(size=K)
        x, y = rng.normal(size=(N, D)), 3.0 * rng.normal(size=(N, K))
        norm = solutions.clipped_sgd_step(W, b, x, y, 0.1, np.inf)[2]
        max_norm = float(norm * rng.uniform(0.2, 0.6) if clip_on else norm * rng.uniform(1.5, 3.0))
        lr = float(np.round(rng.uniform(0.02, 0.5), 3))
        kwargs = {"W": W, "b": b, "x": x, "y": y, "lr": lr, "max_norm": max_norm}
        name = f"N={N}, D={D}, K={K}, lr={lr:g}, max_norm={max_norm:.3g} ({'clipped' if clip_on else 'not clipped'})"
        cases.append(Case(name, kwargs, {"N": N, "D": D, "K": K}))
    return cases


def early_stopping_cases(seed: int = 0) -> list[Case]:
    """Validation curves: noisy descent then a rise, a tie at best - min_delta, small gains, no stop."""
    rng = np.random.default_rng((seed, 0))
    cases = []
    # 1. Falls, then rises: stops `patience` epochs after the minimum.
    E = int(rng.integers(8, 13))
    turn = int(rng.integers(3, E - 4))
    curve = np.concatenate([np.linspace(2.0, 1.0, turn + 1), 1.0 + 0.1 * np.arange(1, E - turn)])
    cases.append(("falls, then rises", curve + rng.uniform(0, 0.01, size=E) * (np.arange(E) > turn), 2, 0.0))
    # 2. A loss exactly at best - min_delta does not count as an improvement (0.25 is exact in binary).
    cases.append(("a tie at best - min_delta", np.array([1.0, 0.75, 0.75, 0.5, 0.5, 0.5]), 2, 0.25))
    # 2b. Same length as case 2, other values: an answer remembered by input shape fails.
    cases.append(("a dip, then a slow rise", np.array([1.0, 0.9, 0.95, 0.97, 0.99, 1.2]), 2, 0.0))
    # 3. Small steady gains below min_delta: the best epoch is not the lowest loss.
    E = int(rng.integers(6, 10))
    small = 1.0 - 0.01 * np.arange(E) - rng.uniform(0, 0.004, size=E)
    cases.append(("gains smaller than min_delta", small, int(rng.integers(2, 4)), 0.05))
    # 4. Never stops: improves often enough; stop_epoch is the last epoch.
    E = int(rng.integers(7, 12))
    steps = np.where(np.arange(E) % 2 == 0, -0.2, 0.05)
    cases.append(("never stops", 3.0 + np.cumsum(steps) + rng.uniform(0, 0.01, size=E), 2, 0.0))
    # 5. One epoch only; patience 1.
    cases.append(("a single epoch", np.array([rng.uniform(0.5, 2.0)]), 1, 0.0))
    # 6. Improvements after a plateau reset the count.
    E = int(rng.integers(9, 13))
    plateau = np.full(E, 1.0)
    plateau[: 3] = [2.0, 1.5, 1.2]
    plateau[5] = 0.9
    plateau += rng.uniform(0, 0.005, size=E) * (np.arange(E) != 5)
    cases.append(("a plateau, a gain, a plateau", plateau, 3, 0.01))
    return [Case(f"{name} (E={len(curve)}, patience={patience}, min_delta={min_delta:g})",
                 {"val_losses": curve.astype(np.float64), "patience": patience, "min_delta": float(min_delta)}, {})
            for name, curve, patience, min_delta in cases]


def seeded_draws_cases(seed: int = 0) -> list[Case]:
    """Seeds and numbers of draws, from one draw upwards; two cases with the same n."""
    rng = np.random.default_rng((seed, 0))
    n_mid = int(rng.integers(2, 6))
    sizes = [1, n_mid, n_mid, int(rng.integers(6, 12))]
    seeds = [int(s) for s in rng.choice(10_000, size=len(sizes), replace=False)]
    return [Case(f"seed={s}, n={n}", {"seed": s, "n": n}, {"3": 3, "n": n}) for s, n in zip(seeds, sizes)]


def bpc_cases(seed: int = 0) -> list[Case]:
    """Logits and targets, T != B so a transposed pairing shows; the last case overflows a naive softmax."""
    rng = np.random.default_rng((seed, 0))
    T, B = int(rng.integers(3, 6)), int(rng.integers(2, 5))
    T = T + 1 if T == B else T
    sizes = [(1, 1, 2), (T, B, int(rng.integers(4, 9))), (T, B, int(rng.integers(4, 9)))]
    cases = []
    for i, (T, B, V) in enumerate(sizes):
        rng = np.random.default_rng((seed, 1 + i))
        logits = rng.normal(scale=2.0, size=(T, B, V))
        again = ", other values" if (T, B, V) in sizes[:i] else ""
        cases.append(Case(f"T={T}, B={B}, V={V}{again}", {"logits": logits, "targets": rng.integers(0, V, size=(T, B))},
                          {"T": T, "B": B, "V": V}))
    T, B, V = sizes[1][0], sizes[1][1], 5
    rng = np.random.default_rng((seed, 9))
    logits = rng.normal(scale=800.0, size=(T, B, V))  # exp() overflows float64 above about 709
    cases.append(Case(f"T={T}, B={B}, V={V}, logits up to {np.abs(logits).max():.0f}",
                      {"logits": logits, "targets": rng.integers(0, V, size=(T, B))}, {"T": T, "B": B, "V": V}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch13.clipped_sgd_step": Exercise(
        id="ch13.clipped_sgd_step",
        title="A training step with gradient clipping",
        reference=solutions.clipped_sgd_step,
        make_cases=clipped_step_cases,
        outputs=("W_new", "b_new", "norm"),
        shapes=(("K", "D"), ("K",), ()),
        preload=("torch",),
    ),
    "ch13.early_stopping_epochs": Exercise(
        id="ch13.early_stopping_epochs",
        title="Early stopping on the validation loss",
        reference=solutions.early_stopping_epochs,
        make_cases=early_stopping_cases,
        outputs=("stop_epoch", "best_epoch"),
        shapes=((), ()),
        kinds=("int", "int"),
    ),
    "ch13.seeded_draws": Exercise(
        id="ch13.seeded_draws",
        title="Seeding every generator",
        reference=solutions.seeded_draws,
        make_cases=seeded_draws_cases,
        outputs=("draws",),
        shapes=(("3", "n"),),
        preload=("torch",),
    ),
    "ch13.bits_per_character": Exercise(
        id="ch13.bits_per_character",
        title="Bits per character from logits",
        reference=solutions.bits_per_character,
        make_cases=bpc_cases,
        outputs=("bpc",),
        shapes=((),),
        preload=("torch",),
    ),
}
