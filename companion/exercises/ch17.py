"""Exercises of chapter 17, "Sequence classification and sentiment".

Batches are padded at the end; lengths are int64 arrays that include, for
B >= 2, one sequence of length 1 and one as long as the batch. The padding of
``ids`` holds real word ids and that of ``scores`` and ``states`` large values,
so that counting or weighing it shows. The first case of each exercise is the
smallest and the same for every seed; later cases draw their sizes from the
seed, and two of them share sizes with different values.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.ch12 import _lengths, _sizes  # the same padded-batch conventions
from companion.exercises.checking import Case, Exercise
from companion.solutions import ch17 as solutions


def bow_cases(seed: int = 0) -> list[Case]:
    """ids (N, T) with repeated words and real ids in the padding; V larger than any id used."""
    N, T, _ = _sizes(seed, 31)
    cases = [Case("N=1, T=1, V=3", {"ids": np.array([[2]], dtype=np.int64), "lengths": np.array([1], dtype=np.int64),
                                    "V": 3}, {"N": 1, "V": 3})]
    for i in (1, 2):
        rng = np.random.default_rng((seed, i))
        V = int(rng.integers(5, 9)) + 2 * i
        ids = rng.integers(1, V - 1, size=(N, T)).astype(np.int64)  # id V - 1 is never used
        name = f"N={N}, T={T}, V={V}"
        cases.append(Case(name, {"ids": ids, "lengths": _lengths(rng, N, T), "V": V}, {"N": N, "V": V}))
    return cases


def _scores(rng: np.random.Generator, lengths: np.ndarray, T: int, scale: float) -> np.ndarray:
    scores = rng.normal(0.0, scale, size=(len(lengths), T))
    for row, n in enumerate(lengths):
        scores[row, n:] = rng.uniform(50.0, 80.0, size=T - n)
    return scores


def weights_cases(seed: int = 0) -> list[Case]:
    """Scores with large values on the padding; the last case has scores near 1000 (overflow without shifting)."""
    B, T, _ = _sizes(seed, 32)
    cases = []
    for i, (b, t, scale, shift) in enumerate([(1, 1, 1.0, 0.0), (B, T, 2.0, 0.0), (B, T, 2.0, 0.0), (B, T, 3.0, 1000.0)]):
        rng = np.random.default_rng((seed, i))
        lengths = _lengths(rng, b, t)
        scores = _scores(rng, lengths, t, scale)
        scores[np.arange(t)[None, :] < lengths[:, None]] += shift
        name = f"B={b}, T={t}" + (", other values" if i == 2 else "") + (", scores near 1000" if shift else "")
        cases.append(Case(name, {"scores": scores, "lengths": lengths}, {"B": b, "T": t}))
    return cases


def pool_cases(seed: int = 0) -> list[Case]:
    """states (B, T, H) with large values on the padding; W, b, v of scale 1."""
    B, T, H = _sizes(seed, 33)
    cases = []
    for i, (b, t, h, a) in enumerate([(1, 1, 2, 3), (B, T, H, 3), (B, T, H, 3)]):
        rng = np.random.default_rng((seed, i))
        lengths = _lengths(rng, b, t)
        states = rng.normal(0.0, 1.0, size=(b, t, h))
        for row, n in enumerate(lengths):
            states[row, n:] = rng.uniform(20.0, 40.0, size=(t - n, h))
        kwargs = {"states": states, "W": rng.normal(0.0, 1.0, size=(h, a)), "b": rng.normal(0.0, 1.0, size=a),
                  "v": rng.normal(0.0, 1.5, size=a), "lengths": lengths}
        name = f"B={b}, T={t}, H={h}, A={a}" + (", other values" if i == 2 else "")
        cases.append(Case(name, kwargs, {"B": b, "T": t, "H": h, "A": a}))
    return cases


def centroid_cases(seed: int = 0) -> list[Case]:
    """Non-negative frames (N, T, R, C) with R != C, so that swapped axes show."""
    rng = np.random.default_rng((seed, 34))
    N, T = int(rng.integers(2, 5)), int(rng.integers(3, 7))
    R, C = int(rng.integers(4, 7)), int(rng.integers(7, 10))
    cases = [Case("N=1, T=1, R=2, C=3", {"frames": np.array([[[[0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]]])},
                  {"N": 1, "T": 1, "R": 2, "C": 3, "2": 2})]
    for i in (1, 2):
        frames = np.random.default_rng((seed, i)).uniform(0.0, 1.0, size=(N, T, R, C)) ** 4
        name = f"N={N}, T={T}, R={R}, C={C}" + (", other values" if i == 2 else "")
        cases.append(Case(name, {"frames": frames}, {"N": N, "T": T, "R": R, "C": C, "2": 2}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch17.bag_of_words": Exercise(
        id="ch17.bag_of_words",
        title="A bag-of-words count matrix",
        reference=solutions.bag_of_words,
        make_cases=bow_cases,
        outputs=("counts",),
        shapes=(("N", "V"),),
    ),
    "ch17.masked_attention_weights": Exercise(
        id="ch17.masked_attention_weights",
        title="Attention weights: a softmax over the real steps",
        reference=solutions.masked_attention_weights,
        make_cases=weights_cases,
        outputs=("weights",),
        shapes=(("B", "T"),),
    ),
    "ch17.attention_pool": Exercise(
        id="ch17.attention_pool",
        title="Additive attention pooling",
        reference=solutions.attention_pool,
        make_cases=pool_cases,
        outputs=("pooled", "weights"),
        shapes=(("B", "H"), ("B", "T")),
    ),
    "ch17.centroid_track": Exercise(
        id="ch17.centroid_track",
        title="Where the blob is: frame centroids",
        reference=solutions.centroid_track,
        make_cases=centroid_cases,
        outputs=("centroids",),
        shapes=(("N", "T", "2"),),
    ),
}
