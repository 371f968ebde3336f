"""Exercises of chapter 18, "Sequence-to-sequence with attention".

Inputs are float64 from ``np.random.default_rng((seed, i))`` and int64 ids or
calendar numbers. The first case of each exercise is the smallest and the same
for every seed; later cases draw their sizes from the seed, and one case is a
twin of another with the same sizes and other values. The edge cases: leap
years and centuries for the dates, a sequence of length 1 and one without
padding for attention, a beam wider than beams x vocabulary for beam search,
and rows that differ only after their end mark for exact match.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch18 as solutions


def iso_cases(seed: int = 0) -> list[Case]:
    """Valid and impossible dates, leap days of 1900, 2000, 2004 and 2023, months 0 and 13, day 0 and 32."""
    cases = [Case("N=1, 1999-03-03", {"days": np.array([3]), "months": np.array([3]), "years": np.array([1999])},
                  {"N": 1})]
    fixed = [(29, 2, 1900), (29, 2, 2000), (29, 2, 2004), (29, 2, 2023), (31, 4, 2001), (30, 4, 2001),
             (0, 5, 1980), (32, 1, 1980), (1, 0, 1980), (1, 13, 1980), (31, 12, 1999), (28, 2, 1900)]
    for i, n in enumerate(seeded_sizes([4, 6], seed, index=0)):
        rng = np.random.default_rng((seed, i))
        drawn = [(int(rng.integers(1, 32)), int(rng.integers(1, 13)), int(rng.integers(1950, 2050))) for _ in range(n)]
        rows = drawn + (fixed if i == 1 else fixed[:4])
        days, months, years = (np.array(column, dtype=np.int64) for column in zip(*rows))
        cases.append(Case(f"N={len(rows)}" + (", edge cases" if i == 1 else ""),
                          {"days": days, "months": months, "years": years}, {"N": len(rows)}))
    return cases


def attention_cases(seed: int = 0) -> list[Case]:
    """B = S = 1 first, then padded batches with a sequence of length 1 and one of length S."""
    sizes = seeded_sizes([(1, 1, 2, 3, 4), (3, 5, 2, 4, 6)], seed)
    cases = []
    for i, (B, S, Q, K, A) in enumerate(sizes):
        rng = np.random.default_rng((seed, i))
        lengths = rng.integers(1, S + 1, size=B).astype(np.int64)
        if B >= 2:
            lengths[:2] = [1, S]
        keys = rng.normal(size=(B, S, K))
        for b, n in enumerate(lengths):
            keys[b, n:] = rng.uniform(20.0, 40.0, size=(S - n, K))   # what the encoder wrote on the padding
        kwargs = {"query": rng.normal(size=(B, Q)), "keys": keys, "lengths": lengths,
                  "W_q": rng.normal(size=(Q, A)), "W_k": rng.normal(size=(K, A)) / np.sqrt(K), "v": rng.normal(size=A)}
        cases.append(Case(f"B={B}, S={S}, Q={Q}, K={K}, A={A}", kwargs, {"B": B, "S": S, "K": K}))
    return cases


def beam_cases(seed: int = 0) -> list[Case]:
    """One live hypothesis first (the first step), then several; the last beam is wider than K * V."""
    sizes = seeded_sizes([(1, 3, 2), (3, 5, 4), (4, 6, 3)], seed)
    cases = []
    for i, (K, V, beam) in enumerate([*sizes, (2, 2, 7)]):
        rng = np.random.default_rng((seed, i))
        logits = rng.normal(size=(K, V)) * 2.0
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        scores = -rng.uniform(0.0, 3.0, size=K) if K > 1 else np.zeros(1)
        k = min(beam, K * V)
        name = f"K={K}, V={V}, beam={beam}" + (" > K*V" if beam > K * V else "")
        cases.append(Case(name, {"scores": scores, "log_probs": log_probs, "beam": beam}, {"k": k}))
    return cases


def _framed(rng: np.random.Generator, n: int, U: int) -> np.ndarray:
    rows = np.zeros((n, U), dtype=np.int64)
    for r in range(n):
        length = int(rng.integers(1, U))
        rows[r, :length] = rng.integers(3, 6, size=length)
        rows[r, length] = 2
    return rows


def exact_match_cases(seed: int = 0) -> list[Case]:
    """Targets ending in the end mark (2) then padding; predictions right, wrong, or different only after the end."""
    cases = [Case("N=1, U=2", {"predicted": np.array([[4, 2]]), "expected": np.array([[4, 2]]), "end_id": 2}, {})]
    for i, (n, U) in enumerate(seeded_sizes([(6, 5), (9, 7)], seed, index=0)):
        rng = np.random.default_rng((seed, i))
        expected = _framed(rng, n, U)
        predicted = expected.copy()
        predicted[0] = _framed(rng, 1, U)[0]                             # probably wrong
        end = int(np.flatnonzero(expected[1] == 2)[0])
        predicted[1, end + 1:] = rng.integers(3, 6, size=U - end - 1)    # noise after the end: still right
        predicted[2, :] = np.where(expected[2] == 2, 5, expected[2])     # never ends: wrong
        predicted[3, int(np.flatnonzero(expected[3] == 2)[0])] = 0       # end mark replaced by padding: wrong
        for row in range(4, 5 + seed % 2):                               # one or two more wrong, by the seed's parity
            predicted[row, 0] = 6
        cases.append(Case(f"N={n}, U={U}", {"predicted": predicted, "expected": expected, "end_id": 2}, {}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch18.iso_dates": Exercise(
        id="ch18.iso_dates",
        title="The date normaliser's target",
        reference=solutions.iso_dates,
        make_cases=with_twin(iso_cases),
        outputs=("iso",),
        shapes=(("N",),),
        kinds=("int",),
    ),
    "ch18.additive_attention": Exercise(
        id="ch18.additive_attention",
        title="One step of additive attention",
        reference=solutions.additive_attention,
        make_cases=with_twin(attention_cases),
        outputs=("context", "weights"),
        shapes=(("B", "K"), ("B", "S")),
    ),
    "ch18.beam_step": Exercise(
        id="ch18.beam_step",
        title="One step of beam search",
        reference=solutions.beam_step,
        make_cases=with_twin(beam_cases),
        outputs=("rows", "chars", "totals"),
        shapes=(("k",), ("k",), ("k",)),
        kinds=("int", "int", "float"),
    ),
    "ch18.exact_match": Exercise(
        id="ch18.exact_match",
        title="Exact-match accuracy",
        reference=solutions.exact_match,
        make_cases=with_twin(exact_match_cases),
        outputs=("accuracy",),
        shapes=((),),
    ),
}
