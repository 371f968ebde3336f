"""Exercises of chapter 21, "Long-range dependencies, measured".

Sequences are time-major: values (T, B), symbols (T + 2n, B). Continuous
inputs are float64 from ``np.random.default_rng((seed, i))``. The first case
of each exercise is the smallest and the same for every seed; later cases draw
their sizes from the seed, and two of them share their sizes and differ in
values.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch21 as solutions


def _sizes(seed: int, salt: int) -> tuple[int, int]:
    """(T, B), different, drawn from the seed: T in 4..9, B in 2..6."""
    rng = np.random.default_rng((seed, salt))
    while True:
        T, B = int(rng.integers(4, 10)), int(rng.integers(2, 7))
        if T != B:
            return T, B


def adding_cases(seed: int = 0) -> list[Case]:
    """values (T, B) and marker positions, one in each half; T = 2, B = 1 first; odd and even T."""
    T, B = _sizes(seed, 211)
    cases = []
    for i, (t, b) in enumerate([(2, 1), (T, B), (T, B), (T + 1, B)]):
        rng = np.random.default_rng((seed, i))
        half = t // 2
        kwargs = {"values": rng.uniform(0.0, 1.0, size=(t, b)),
                  "first": rng.integers(0, half, size=b).astype(np.int64),
                  "second": rng.integers(half, t, size=b).astype(np.int64)}
        name = f"T={t}, B={b}" + (", other values" if i == 2 else "")
        cases.append(Case(name, kwargs, {"T": t, "B": b, "C": 2}))
    return cases


def constant_mse_cases(seed: int = 0) -> list[Case]:
    """Targets (B,): one target (MSE 0), sums of two uniforms, a shifted batch whose mean is far from 1."""
    _, B = _sizes(seed, 212)
    B += 3
    cases = [Case("B=1", {"y": np.array([1.3])}, {"B": 1})]
    for i in (1, 2):
        rng = np.random.default_rng((seed, i))
        y = rng.uniform(0, 1, size=B) + rng.uniform(0, 1, size=B)
        cases.append(Case(f"B={B}" + (", other values" if i == 2 else ""), {"y": y}, {"B": B}))
    rng = np.random.default_rng((seed, 3))
    cases.append(Case(f"B={B}, mean near 5", {"y": rng.normal(5.0, 0.3, size=B)}, {"B": B}))
    return cases


def copy_baseline_cases(seed: int = 0) -> list[Case]:
    """T, n, k as ints: the smallest (T = 1, n = 1, k = 2), the paper's n = 10, k = 8, and others from the seed."""
    rng = np.random.default_rng((seed, 213))
    T = int(rng.integers(20, 500))
    n, k = int(rng.integers(2, 9)), int(rng.integers(3, 12))
    return [Case("T=1, n=1, k=2", {"T": 1, "n": 1, "k": 2}, {"T": 1}),
            Case(f"T={T}, n=10, k=8", {"T": T, "n": 10, "k": 8}, {"T": T}),
            Case(f"T={T + 7}, n=10, k=8", {"T": T + 7, "n": 10, "k": 8}, {"T": T + 7}),
            Case(f"T={T}, n={n}, k={k}", {"T": T, "n": n, "k": k}, {"T": T})]


def copy_layout_cases(seed: int = 0) -> list[Case]:
    """data (n, B) in 1..8 and a delay T: T = n = B = 1 first, then T shorter and longer than n."""
    T, B = _sizes(seed, 214)
    n = int(np.random.default_rng((seed, 215)).integers(2, 5))
    cases = []
    for i, (t, m, b) in enumerate([(1, 1, 1), (T, n, B), (T, n, B), (1, n, B), (T + 6, n + 1, B)]):
        data = np.random.default_rng((seed, i)).integers(1, 9, size=(m, b)).astype(np.int64)
        name = f"T={t}, n={m}, B={b}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"data": data, "T": t}, {"L": t + 2 * m, "B": b, "T": t}))
    return cases


def irnn_cases(seed: int = 0) -> list[Case]:
    """H, D and a seed for W_ih: H = D = 1 first, then H > D, H < D, and two of one size with other seeds."""
    rng = np.random.default_rng((seed, 216))
    H, D = int(rng.integers(3, 8)), int(rng.integers(1, 3))
    return [Case("H=1, D=1", {"H": 1, "D": 1, "seed": 0}, {"H": 1, "D": 1}),
            Case(f"H={H}, D={D}", {"H": H, "D": D, "seed": seed + 1}, {"H": H, "D": D}),
            Case(f"H={H}, D={D}, other seed", {"H": H, "D": D, "seed": seed + 2}, {"H": H, "D": D}),
            Case(f"H={D + 1}, D={H}", {"H": D + 1, "D": H, "seed": seed + 3}, {"H": D + 1, "D": H})]


EXERCISES: dict[str, Exercise] = {
    "ch21.adding_problem_batch": Exercise(
        id="ch21.adding_problem_batch",
        title="An adding-problem batch",
        reference=solutions.adding_problem_batch,
        make_cases=adding_cases,
        outputs=("x", "y"),
        shapes=(("T", "B", "C"), ("B",)),
    ),
    "ch21.constant_predictor_mse": Exercise(
        id="ch21.constant_predictor_mse",
        title="The constant predictor's MSE",
        reference=solutions.constant_predictor_mse,
        make_cases=constant_mse_cases,
        outputs=("mse",),
        shapes=((),),
    ),
    "ch21.copy_baseline": Exercise(
        id="ch21.copy_baseline",
        title="The copy-task baseline",
        reference=solutions.copy_baseline,
        make_cases=copy_baseline_cases,
        outputs=("cross_entropy",),
        shapes=((),),
    ),
    "ch21.copy_task_layout": Exercise(
        id="ch21.copy_task_layout",
        title="The copy-task layout",
        reference=solutions.copy_task_layout,
        make_cases=copy_layout_cases,
        outputs=("x", "y"),
        shapes=(("L", "B"), ("L", "B")),
        kinds=("int", "int"),
    ),
    "ch21.irnn_init": Exercise(
        id="ch21.irnn_init",
        title="Identity initialisation",
        reference=solutions.irnn_init,
        make_cases=irnn_cases,
        outputs=("W_ih", "W_hh", "b_ih", "b_hh"),
        shapes=(("H", "D"), ("H", "H"), ("H",), ("H",)),
    ),
}
