"""Exercises of chapter 1, "Why sequences need memory".

Every case uses float64 inputs from a generator seeded with ``(seed, i)`` (the
parameter counts take plain ints), with
the named sizes (T or T_w, B, V or D, H, K) all different, so that a sum over the
wrong axis or a transposed weight shows up as a wrong shape. Words are one-hot
vectors with repeated words in every sequence, so that counting each word once
fails. Cases go from the smallest (B=1) to the largest.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch01 as solutions

WORD_SIZES = [(4, 1, 3), (6, 3, 5), (9, 2, 4), (1, 2, 3)]  # (T, B, V); T = 1 has no pairs
LEAKY_SIZES = [(3, 1, 2, 0.5), (5, 3, 4, 0.9), (7, 2, 3, 1.0), (1, 2, 3, 0.7)]  # (T, B, D, decay)
WINDOW_SIZES = [(2, 1, 3, 4, 5), (3, 2, 4, 5, 6), (4, 3, 2, 6, 5)]  # (T_w, B, D, H, K)
COUNT_SIZES = [(1, 2, 3, 4), (3, 5, 7, 2), (20, 100, 128, 10)]  # (T_w, D, H, K)


def _one_hot_words(T: int, B: int, V: int, seed: tuple[int, int]) -> np.ndarray:
    """(T, B, V) float64 one-hot words; with T > V every sequence repeats a word."""
    ids = np.random.default_rng(seed).integers(0, V, size=(T, B))
    return np.eye(V)[ids]


def word_cases(seed: int = 0) -> list[Case]:
    """Cases of bag_of_words and bigram_counts: one-hot x (T, B, V)."""
    return [
        Case(f"T={T}, B={B}, V={V}", {"x": _one_hot_words(T, B, V, (seed, i))}, {"T": T, "B": B, "V": V})
        for i, (T, B, V) in enumerate(seeded_sizes(WORD_SIZES, seed))
    ]


def leaky_cases(seed: int = 0) -> list[Case]:
    """Cases of leaky_sum: x (T, B, D) uniform in [-1, 1] and a decay in (0, 1]."""
    cases = []
    for i, (T, B, D, decay) in enumerate(seeded_sizes(LEAKY_SIZES, seed)):
        x = np.random.default_rng((seed, i)).uniform(-1.0, 1.0, size=(T, B, D))
        kwargs = {"x": x, "decay": np.float64(decay)}
        cases.append(Case(f"T={T}, B={B}, D={D}, decay={decay}", kwargs, {"T": T, "B": B, "D": D}))
    return cases


def window_cases(seed: int = 0) -> list[Case]:
    """Cases of window_mlp_forward: a window x (T_w, B, D) and the MLP's weights."""
    cases = []
    for i, (T_w, B, D, H, K) in enumerate(seeded_sizes(WINDOW_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "x": rng.uniform(-1.0, 1.0, size=(T_w, B, D)),
            "W1": rng.uniform(-0.6, 0.6, size=(H, T_w * D)),
            "b1": rng.uniform(-0.3, 0.3, size=H),
            "W2": rng.uniform(-0.6, 0.6, size=(K, H)),
            "b2": rng.uniform(-0.3, 0.3, size=K),
        }
        cases.append(Case(f"T_w={T_w}, B={B}, D={D}, H={H}, K={K}", kwargs, {"T_w": T_w, "B": B, "D": D, "H": H, "K": K}))
    return cases


def count_cases(seed: int = 0) -> list[Case]:
    """Cases of parameter_counts: plain ints; the last case's sizes depend on the seed."""
    sizes = seeded_sizes(COUNT_SIZES, seed)
    return [Case(f"T_w={T_w}, D={D}, H={H}, K={K}", {"T_w": T_w, "D": D, "H": H, "K": K}, {}) for T_w, D, H, K in sizes]


EXERCISES: dict[str, Exercise] = {
    "ch01.bag_of_words": Exercise(
        id="ch01.bag_of_words",
        title="A bag of words",
        reference=solutions.bag_of_words,
        make_cases=with_twin(word_cases),
        outputs=("counts",),
        shapes=(("B", "V"),),
    ),
    "ch01.bigram_counts": Exercise(
        id="ch01.bigram_counts",
        title="Counting word pairs",
        reference=solutions.bigram_counts,
        make_cases=with_twin(word_cases),
        outputs=("pairs",),
        shapes=(("B", "V", "V"),),
    ),
    "ch01.leaky_sum": Exercise(
        id="ch01.leaky_sum",
        title="A state that forgets",
        reference=solutions.leaky_sum,
        make_cases=with_twin(leaky_cases),
        outputs=("s",),
        shapes=(("T", "B", "D"),),
    ),
    "ch01.window_mlp_forward": Exercise(
        id="ch01.window_mlp_forward",
        title="An MLP over a fixed window",
        reference=solutions.window_mlp_forward,
        make_cases=with_twin(window_cases),
        outputs=("scores",),
        shapes=(("B", "K"),),
    ),
    "ch01.parameter_counts": Exercise(
        id="ch01.parameter_counts",
        title="Counting parameters",
        reference=solutions.parameter_counts,
        make_cases=with_twin(count_cases),
        outputs=("mlp", "rnn"),
        shapes=((), ()),
        kinds=("int", "int"),
    ),
}
