"""Exercises of chapter 20, "Training recipes, measured".

Arrays are float64 from ``np.random.default_rng((seed, i))``. The orthogonal
cases are Gaussian matrices, whose QR factor from NumPy has diagonal entries of
R of both signs, so a missing sign fix shows. The clipping cases have a norm
above the threshold, one below it (nothing to clip) and an all-zero gradient;
dW and db are on different scales, so clipping each on its own shows. The
schedule cases run from step 0 past the end of the warm-up to step ``total``,
with lr_min > 0, and one case without warm-up. The layer-norm cases include
B = 1, rows of very different scales and a large eps. The standardisation
cases have features of different means and scales, other data drawn from
another distribution than train, and a feature constant in training. The
first case of each exercise is the smallest and the same for every seed.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch20 as solutions


def _size(seed: int, salt: int, low: int, high: int) -> int:
    return int(np.random.default_rng((seed, salt)).integers(low, high))


def orthogonal_cases(seed: int = 0) -> list[Case]:
    """A (n, n) Gaussian: n = 1 (negative) first, then n from the seed, twice with other values, then n = 2."""
    n = _size(seed, 41, 3, 8)
    cases = [Case("n=1", {"A": np.array([[-0.7]])}, {"n": 1})]
    for i, size in enumerate([n, n, 2]):
        A = np.random.default_rng((seed, i)).normal(size=(size, size))
        cases.append(Case(f"n={size}" + (", other values" if i == 1 else ""), {"A": A}, {"n": size}))
    return cases


def clip_cases(seed: int = 0) -> list[Case]:
    """dW (H, D), db (H,), max_norm: clipped, not clipped, all zero; H != D from the seed."""
    H = _size(seed, 42, 2, 6)
    D = H + _size(seed, 43, 1, 4)
    cases = []
    settings = [(1, 1, 1.0, 4.0, "norm above max_norm"), (H, D, 1.0, 3.0, "norm above max_norm"),
                (H, D, 5.0, 2.0, "norm above max_norm, other values"), (H, D, 100.0, 1.0, "norm below max_norm"),
                (H, D, 0.5, 0.0, "all zero")]
    for i, (h, d, max_norm, scale, label) in enumerate(settings):
        rng = np.random.default_rng((seed, i))
        dW = rng.normal(size=(h, d)) * scale
        db = rng.normal(size=h) * scale * 10.0          # db on another scale than dW
        cases.append(Case(f"H={h}, D={d}, max_norm={max_norm}, {label}",
                          {"dW": dW, "db": db, "max_norm": max_norm}, {"H": h, "D": d}))
    return cases


def schedule_cases(seed: int = 0) -> list[Case]:
    """steps 0..total; warm-up and total from the seed; lr_min > 0; one case with warmup = 0."""
    warmup = _size(seed, 44, 2, 6)
    total = warmup + _size(seed, 45, 5, 12)
    settings = [(1, 3, 1.0, 0.1), (warmup, total, 0.01, 0.001), (warmup, total, 0.3, 0.05), (0, total, 0.02, 0.002)]
    cases = []
    for i, (w, t, lr_max, lr_min) in enumerate(settings):
        steps = np.arange(t + 1, dtype=np.int64)
        name = f"warmup={w}, total={t}, lr_max={lr_max}, lr_min={lr_min}"
        cases.append(Case(name, {"steps": steps, "lr_max": lr_max, "lr_min": lr_min, "warmup": w, "total": t},
                          {"S": t + 1}))
    return cases


def layer_norm_cases(seed: int = 0) -> list[Case]:
    """a (B, n), gamma, beta (n,): B = 1 first, rows of different scales, a large eps; B != n from the seed."""
    B = _size(seed, 46, 2, 5)
    n = B + _size(seed, 47, 2, 6)
    cases = []
    for i, (b, m, eps) in enumerate([(1, 3, 1e-5), (B, n, 1e-5), (B, n, 1e-5), (B, n, 0.5)]):
        rng = np.random.default_rng((seed, i))
        a = rng.normal(size=(b, m)) * rng.uniform(0.2, 3.0, size=(b, 1)) + rng.normal(size=(b, 1)) * 2.0
        gamma, beta = rng.uniform(0.5, 2.0, size=m), rng.normal(size=m)
        name = f"B={b}, n={m}, eps={eps}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"a": a, "gamma": gamma, "beta": beta, "eps": eps}, {"B": b, "n": m}))
    return cases


def standardise_cases(seed: int = 0) -> list[Case]:
    """train (N, T, D), other (M, T, D) from another distribution; the last case has a constant feature."""
    N = _size(seed, 48, 3, 7)
    T, D = _size(seed, 49, 2, 6), _size(seed, 50, 2, 5)
    M = N + 1
    cases = []
    for i, (n, m, t, d, constant) in enumerate([(1, 2, 1, 2, False), (N, M, T, D, False), (N, M, T, D, False),
                                                (N, M, T, D, True)]):
        rng = np.random.default_rng((seed, i))
        mean, scale = rng.normal(size=d) * 5.0, rng.uniform(0.5, 4.0, size=d)
        train = rng.normal(size=(n, t, d)) * scale + mean
        other = rng.normal(size=(m, t, d)) * scale * 1.5 + mean + 1.0
        if constant:
            train[..., 0] = 3.0
        name = f"N={n}, M={m}, T={t}, D={d}" + (", other values" if i == 2 else "") + \
            (", feature 0 constant in train" if constant else "")
        cases.append(Case(name, {"train": train, "other": other}, {"M": m, "T": t, "D": d}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch20.orthogonal_from_gaussian": Exercise(
        id="ch20.orthogonal_from_gaussian",
        title="Orthogonal initialisation: QR with the signs fixed",
        reference=solutions.orthogonal_from_gaussian,
        make_cases=orthogonal_cases,
        outputs=("Q",),
        shapes=(("n", "n"),),
    ),
    "ch20.clip_global_norm": Exercise(
        id="ch20.clip_global_norm",
        title="Clipping two gradients by their global norm",
        reference=solutions.clip_global_norm,
        make_cases=clip_cases,
        outputs=("dW", "db", "norm"),
        shapes=(("H", "D"), ("H",), ()),
    ),
    "ch20.warmup_cosine_lr": Exercise(
        id="ch20.warmup_cosine_lr",
        title="A warm-up and cosine learning-rate schedule",
        reference=solutions.warmup_cosine_lr,
        make_cases=schedule_cases,
        outputs=("lr",),
        shapes=(("S",),),
    ),
    "ch20.layer_norm": Exercise(
        id="ch20.layer_norm",
        title="Layer normalisation, forward",
        reference=solutions.layer_norm,
        make_cases=layer_norm_cases,
        outputs=("out",),
        shapes=(("B", "n"),),
    ),
    "ch20.standardise": Exercise(
        id="ch20.standardise",
        title="Standardising with training statistics",
        reference=solutions.standardise,
        make_cases=standardise_cases,
        outputs=("out",),
        shapes=(("M", "T", "D"),),
    ),
}
