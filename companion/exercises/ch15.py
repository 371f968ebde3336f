"""Exercises of chapter 15, "Time-series forecasting".

Series are float64 random walks with a drift, so that statistics of the whole
series differ from those of the training part (a leak shows) and forecasts
that read the wrong time differ from the right ones. The first case of each
exercise is the smallest and the same for every seed; one case's sizes grow
with the seed (``seeded_sizes``) and one case has a twin with other values
(``with_twin``).
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch15 as solutions


def _series(rng: np.random.Generator, N: int) -> np.ndarray:
    """A random walk with drift 0.5 and a seasonal ripple, starting near 10: (N,) float64."""
    return 10.0 + np.cumsum(rng.normal(0.5, 1.0, size=N)) + np.sin(np.arange(N) * 2.1)


def windows_cases(seed: int = 0) -> list[Case]:
    """(N, train_end, L): the smallest first, L = 1, a window as long as possible, a long test part."""
    cases = []
    for i, (N, train_end, L) in enumerate(seeded_sizes([(4, 3, 1), (12, 8, 3), (9, 6, 1), (15, 7, 5)], seed)):
        y = _series(np.random.default_rng((seed, i)), N)
        cases.append(Case(f"N={N}, train_end={train_end}, L={L}", {"y": y, "train_end": train_end, "L": L},
                          {"M": train_end - L, "L": L}))
    return cases


def drift_cases(seed: int = 0) -> list[Case]:
    """(N, m, train_end, h): h = 1, h = m, h just above m, h over two cycles, m = 1 (naive with drift)."""
    sizes = seeded_sizes([(6, 2, 4, 1), (20, 4, 14, 3), (20, 4, 14, 5), (30, 3, 20, 7), (10, 1, 6, 2), (16, 4, 12, 4)],
                         seed)
    cases = []
    for i, (N, m, train_end, h) in enumerate(sizes):
        y = _series(np.random.default_rng((seed, i)), N)
        cases.append(Case(f"N={N}, m={m}, train_end={train_end}, h={h}",
                          {"y": y, "m": m, "train_end": train_end, "h": h}, {"M": N - train_end}))
    return cases


def scores_cases(seed: int = 0) -> list[Case]:
    """N = 1 first; errors of both signs and one large miss, where RMSE and MAE differ most."""
    cases = []
    for i, N in enumerate(seeded_sizes([1, 6, 9], seed)):
        rng = np.random.default_rng((seed, i))
        y = rng.normal(5.0, 2.0, size=N)
        y_hat = y + rng.normal(0.0, 1.0, size=N)
        if N > 2:
            y_hat[N // 2] += 6.0
        cases.append(Case(f"N={N}", {"y_hat": y_hat, "y": y}, {"N": N}))
    return cases


def recursive_cases(seed: int = 0) -> list[Case]:
    """(B, L, p, H): H = 1 first, p < L, p = L, p = 1, H longer than L."""
    cases = []
    for i, (B, L, p, H) in enumerate(seeded_sizes([(1, 1, 1, 1), (3, 5, 2, 4), (2, 3, 3, 6), (4, 4, 1, 3)], seed)):
        rng = np.random.default_rng((seed, i))
        coef = np.concatenate([[rng.normal(0.0, 0.5)], rng.uniform(-0.6, 0.6, size=p) / np.arange(1, p + 1)])
        window = rng.normal(0.0, 1.0, size=(B, L))
        cases.append(Case(f"B={B}, L={L}, p={p}, H={H}", {"coef": coef, "window": window, "H": H},
                          {"B": B, "H": H}))
    return cases


def ar_cases(seed: int = 0) -> list[Case]:
    """(N, p): p = 1 first, then higher orders; the series has a trend, so the intercept matters."""
    cases = []
    for i, (N, p) in enumerate(seeded_sizes([(8, 1), (30, 3), (25, 2), (40, 5)], seed)):
        y = _series(np.random.default_rng((seed, i)), N)
        cases.append(Case(f"N={N}, p={p}", {"y": y, "p": p}, {"P": p + 1}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch15.scaled_windows": Exercise(
        id="ch15.scaled_windows",
        title="Leakage-free scaling and windows",
        reference=solutions.scaled_windows,
        make_cases=with_twin(windows_cases),
        outputs=("X", "targets"),
        shapes=(("M", "L"), ("M",)),
    ),
    "ch15.seasonal_naive_drift": Exercise(
        id="ch15.seasonal_naive_drift",
        title="Seasonal naive with drift",
        reference=solutions.seasonal_naive_drift,
        make_cases=with_twin(drift_cases),
        outputs=("y_hat",),
        shapes=(("M",),),
    ),
    "ch15.rmse_mae": Exercise(
        id="ch15.rmse_mae",
        title="RMSE and MAE",
        reference=solutions.rmse_mae,
        make_cases=with_twin(scores_cases),
        outputs=("rmse", "mae"),
        shapes=((), ()),
    ),
    "ch15.recursive_ar_forecast": Exercise(
        id="ch15.recursive_ar_forecast",
        title="A recursive multi-step forecast",
        reference=solutions.recursive_ar_forecast,
        make_cases=with_twin(recursive_cases),
        outputs=("forecast",),
        shapes=(("B", "H"),),
    ),
    "ch15.ar_least_squares": Exercise(
        id="ch15.ar_least_squares",
        title="An AR fit by least squares",
        reference=solutions.ar_least_squares,
        make_cases=with_twin(ar_cases),
        outputs=("coef",),
        shapes=(("P",),),
        tolerance=1e-6,
    ),
}
