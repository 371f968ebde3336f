"""Exercises of chapter 16, "Text generation".

Losses are positive float64 nats; ids are int64 over a small vocabulary so that
n-grams repeat and some contexts of the test ids are missing from the training
ids; logits are float64 normal draws (no ties), and one case of each sampling
exercise has logits so large that an unshifted exp overflows. The first case
of each exercise is the smallest and the same for every seed; one case's sizes
grow with the seed (``seeded_sizes``) and one case has a twin with other values
(``with_twin``).
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch16 as solutions


def losses_cases(seed: int = 0) -> list[Case]:
    """(N, n_words): one character and one word first, then texts with several characters per word."""
    cases = []
    for i, (N, n_words) in enumerate(seeded_sizes([(1, 1), (12, 3), (20, 4), (9, 2)], seed)):
        losses = np.random.default_rng((seed, i)).exponential(1.2, size=N) + 0.05
        cases.append(Case(f"N={N}, n_words={n_words}", {"losses": losses, "n_words": n_words}, {"N": N}))
    return cases


def trigram_cases(seed: int = 0) -> list[Case]:
    """(V, N, M, k): a single scored position first; k from 0.01 to 1; test ids with unseen contexts."""
    sizes = seeded_sizes([(3, 8, 3, 0.5), (5, 40, 14, 0.1), (4, 30, 20, 1.0), (6, 25, 12, 0.01)], seed)
    cases = []
    for i, (V, N, M, k) in enumerate(sizes):
        rng = np.random.default_rng((seed, i))
        weights = rng.dirichlet(np.full(V, 0.7))  # uneven frequencies, so counts matter
        train_ids = rng.choice(V, size=N, p=weights).astype(np.int64)
        test_ids = rng.integers(0, V, size=M).astype(np.int64)
        cases.append(Case(f"V={V}, N={N}, M={M}, k={k}", {"train_ids": train_ids, "test_ids": test_ids, "V": V, "k": k},
                          {"N": N, "M": M}))
    return cases


def _logits(rng: np.random.Generator, B: int, V: int, scale: float) -> np.ndarray:
    return rng.normal(0.0, 1.5, size=(B, V)) * scale


def top_k_cases(seed: int = 0) -> list[Case]:
    """(B, V, k, temperature, scale): B = 1 first; k = 1 and k = V; a case whose logits overflow exp unshifted."""
    sizes = seeded_sizes([(1, 3, 2, 1.0, 1.0), (3, 6, 3, 0.7, 1.0), (2, 5, 1, 1.5, 1.0), (2, 4, 4, 0.5, 1.0),
                          (2, 6, 2, 0.1, 80.0)], seed)
    cases = []
    for i, (B, V, k, temperature, scale) in enumerate(sizes):
        logits = _logits(np.random.default_rng((seed, i)), B, V, scale)
        cases.append(Case(f"B={B}, V={V}, k={k}, temperature={temperature}" + (", large logits" if scale > 1 else ""),
                          {"logits": logits, "k": k, "temperature": temperature}, {"B": B, "V": V}))
    return cases


def nucleus_cases(seed: int = 0) -> list[Case]:
    """(B, V, p, temperature, scale): B = 1 first; p small (one token kept) to p near 1; large logits."""
    sizes = seeded_sizes([(1, 3, 0.5, 1.0, 1.0), (3, 7, 0.9, 0.8, 1.0), (2, 5, 0.3, 1.5, 1.0),
                          (2, 6, 0.99, 2.0, 1.0), (2, 6, 0.8, 0.1, 80.0)], seed)
    cases = []
    for i, (B, V, p, temperature, scale) in enumerate(sizes):
        logits = _logits(np.random.default_rng((seed, i)), B, V, scale)
        if B > 2:
            logits[0] *= 0.1  # an unsure row: many tokens needed to reach p
            logits[1, 0] += 6.0  # a confident row
        cases.append(Case(f"B={B}, V={V}, p={p}, temperature={temperature}" + (", large logits" if scale > 1 else ""),
                          {"logits": logits, "p": p, "temperature": temperature}, {"B": B, "V": V}))
    return cases


def distinct_cases(seed: int = 0) -> list[Case]:
    """(B, T, n, vocabulary): T = 1 first; n = 1 and n = T; small vocabularies, so n-grams repeat."""
    cases = []
    for i, (B, T, n, size) in enumerate(seeded_sizes([(1, 1, 1, 2), (3, 10, 2, 3), (2, 8, 3, 2), (4, 12, 1, 5),
                                                      (2, 6, 6, 2)], seed)):
        ids = np.random.default_rng((seed, i)).integers(0, size, size=(B, T)).astype(np.int64)
        if B > 2:
            ids[0] = np.arange(T) % 2  # a row that repeats itself
        cases.append(Case(f"B={B}, T={T}, n={n}", {"ids": ids, "n": n}, {"B": B, "T": T}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch16.perplexity_from_losses": Exercise(
        id="ch16.perplexity_from_losses",
        title="Bits per character and perplexity",
        reference=solutions.perplexity_from_losses,
        make_cases=with_twin(losses_cases),
        outputs=("bpc", "char_ppl", "word_ppl"),
        shapes=((), (), ()),
    ),
    "ch16.add_k_trigram_bits": Exercise(
        id="ch16.add_k_trigram_bits",
        title="An add-k trigram model",
        reference=solutions.add_k_trigram_bits,
        make_cases=with_twin(trigram_cases),
        outputs=("bits",),
        shapes=((),),
    ),
    "ch16.top_k_probs": Exercise(
        id="ch16.top_k_probs",
        title="Top-k sampling",
        reference=solutions.top_k_probs,
        make_cases=with_twin(top_k_cases),
        outputs=("probs",),
        shapes=(("B", "V"),),
    ),
    "ch16.nucleus_probs": Exercise(
        id="ch16.nucleus_probs",
        title="Nucleus sampling",
        reference=solutions.nucleus_probs,
        make_cases=with_twin(nucleus_cases),
        outputs=("probs",),
        shapes=(("B", "V"),),
    ),
    "ch16.distinct_ngrams": Exercise(
        id="ch16.distinct_ngrams",
        title="Distinct n-grams",
        reference=solutions.distinct_ngrams,
        make_cases=with_twin(distinct_cases),
        outputs=("fraction",),
        shapes=(("B",),),
    ),
}
