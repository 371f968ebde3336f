"""Exercises of chapter 6, "Architectures and decoding".

Continuous inputs are float64 from ``np.random.default_rng((seed, i))``;
symbol indices (paths, targets) are int64 arrays and the blank, lengths and
beam widths are plain ints. ``seed`` (0 for ``check``) picks the values and
the sizes of one added case, never the structure that a case is there to
test (``with_twin`` adds a case with another's sizes and other values): every seed keeps a
temperature case with logits large enough to overflow ``exp`` without the max
subtraction, a CTC target with a repeated label, an empty target, a long input
that underflows in probability space, and a Markov model in which greedy
decoding is not optimal. Cases go from the smallest to the largest, so the
first failure reported is the simplest one to reproduce.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch06 as solutions


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# --- softmax with temperature ---------------------------------------------------------

# (B, V, temperature, logit scale): the third case overflows exp without the max subtraction.
TEMPERATURE_SIZES = [(1, 5, 1.0, 2.0), (3, 4, 0.5, 2.0), (2, 6, 0.1, 100.0), (4, 3, 3.0, 5.0)]


def temperature_cases(seed: int = 0) -> list[Case]:
    """Cases of softmax_with_temperature: logits (B, V) and a float64 temperature."""
    cases = []
    for i, (B, V, temperature, scale) in enumerate(seeded_sizes(TEMPERATURE_SIZES, seed)):
        logits = np.random.default_rng((seed, i)).normal(scale=scale, size=(B, V))
        if i == len(TEMPERATURE_SIZES):  # the seeded case: rows far apart, so one maximum for all rows fails
            logits += 1000.0 * np.arange(B)[:, None]
        name = f"B={B}, V={V}, temperature={temperature}" + (", large logits" if scale > 10 else "")
        name += ", rows 1000 apart" if i == len(TEMPERATURE_SIZES) else ""
        kwargs = {"logits": logits, "temperature": np.float64(temperature)}
        cases.append(Case(name, kwargs, {"B": B, "V": V}))
    return cases


# --- additive attention ---------------------------------------------------------------

ATTENTION_SIZES = [(3, 1, 4, 2, 5), (5, 2, 3, 4, 6), (4, 3, 2, 5, 7), (1, 2, 3, 4, 5)]  # (T, B, H, E, A)


def attention_cases(seed: int = 0) -> list[Case]:
    """Cases of additive_attention: a decoder state, time-major encoder states and the parameters."""
    cases = []
    for i, (T, B, H, E, A) in enumerate(seeded_sizes(ATTENTION_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "query": rng.uniform(-1.0, 1.0, size=(B, H)),
            "keys": rng.uniform(-1.0, 1.0, size=(T, B, E)),
            "W_q": rng.uniform(-1.0, 1.0, size=(A, H)),
            "W_k": rng.uniform(-1.0, 1.0, size=(A, E)),
            "b": rng.uniform(-0.5, 0.5, size=A),
            "v": rng.uniform(-2.0, 2.0, size=A),
        }
        cases.append(Case(f"T={T}, B={B}, H={H}, E={E}, A={A}", kwargs, {"T": T, "B": B, "H": H, "E": E, "A": A}))
    return cases


# --- beam search on a Markov model ----------------------------------------------------


def _random_transition(rng: np.random.Generator, V: int) -> np.ndarray:
    """Transition logits (V, V) that discourage repeating a token, so that the best sequences vary."""
    return rng.normal(scale=1.5, size=(V, V)) - 3.0 * np.eye(V)


def _markov_model(rng: np.random.Generator, V: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """log_probs_first (V,) and log_transition (V, V) of a random Markov model, possibly with a trap.

    "greedy trap": the likeliest first token is followed by a flat row, the
    runner-up by a peaked one, so greedy decoding loses. "local trap": the
    second token of the best sequence is not the likeliest continuation of its
    prefix, and an unlikely prefix has a near-certain continuation, so a beam
    ranked by the last token's log-probability alone (not the sum) loses.
    """
    first, transition = rng.normal(scale=1.5, size=V), _random_transition(rng, V)
    if kind == "greedy trap":
        a, b, c, d = rng.permutation(V)[:4]
        first[a] = first.max() + 1.5
        first[b] = first[a] - 0.4
        transition[a] = rng.normal(scale=0.1, size=V)  # after a, every token is about as likely,
        transition[b, c] += 5.0  # but after b, c is nearly certain,
        transition[c, d] += 5.0  # and after c, d
    elif kind == "local trap":
        a, b, x, y, w = rng.permutation(V)[:5]
        first = rng.normal(scale=0.1, size=V) - 2.0
        first[a], first[b] = 3.0, 0.0
        transition[a] = rng.normal(scale=0.1, size=V) - 2.0
        transition[a, x], transition[a, y] = 2.2, 2.0  # a x is likelier than a y ...
        transition[x] = rng.normal(scale=0.1, size=V)  # ... but x leads nowhere in particular
        transition[y, w] = transition[y].max() + 5.0  # while y is almost surely followed by w
        transition[b, w] = transition[b].max() + 6.0  # b w: locally near-certain, unlikely overall
    return _log_softmax(first), _log_softmax(transition)


# (V, length, beam_width, kind)
BEAM_SIZES = [
    (3, 1, 2, "random"),
    (4, 3, 1, "greedy trap"),
    (4, 3, 2, "greedy trap"),
    (5, 3, 2, "local trap"),
    (5, 4, 3, "random"),
    (6, 6, 4, "greedy trap"),
    (8, 7, 3, "random"),
    (3, 4, 5, "random"),  # a beam wider than the vocabulary: every prefix of length 1 fits in it
]


def beam_cases(seed: int = 0) -> list[Case]:
    """Cases of beam_search: a Markov model, a length and a beam width; L is the length."""
    cases = []
    for i, (V, length, beam_width, kind) in enumerate(seeded_sizes(BEAM_SIZES, seed)):
        first, transition = _markov_model(np.random.default_rng((seed, i)), V, kind)
        kwargs = {"log_probs_first": first, "log_transition": transition, "length": length, "beam_width": beam_width}
        cases.append(Case(f"V={V}, length={length}, beam_width={beam_width}", kwargs, {"V": V, "L": length}))
    return cases


# --- CTC collapse ---------------------------------------------------------------------


def _runs(rng: np.random.Generator, n_runs: int, V: int) -> np.ndarray:
    """A path made of n_runs runs of 1 or 2 equal symbols, so that repeats are common."""
    symbols = rng.integers(0, V, size=n_runs)
    return np.repeat(symbols, rng.integers(1, 3, size=n_runs)).astype(np.int64)


def collapse_cases(seed: int = 0) -> list[Case]:
    """Cases of ctc_collapse: a path and the blank's index; L is the length of the collapsed labels."""
    rng = np.random.default_rng((seed, 0))
    paths = [
        (np.array([2], dtype=np.int64), 0),
        (np.array([1, 1, 0, 1, 2, 2, 0], dtype=np.int64), 0),  # a a - a b b - -> a a b
        (np.zeros(5, dtype=np.int64), 0),  # only blanks: the empty labelling
        (_runs(rng, 10, 4), 0),
        (np.concatenate([[3, 1, 1, 3, 1], _runs(rng, 6, 4)]).astype(np.int64), 3),  # the blank is the last symbol
        (np.array([0, 0, 2, 0, 1, 1, 2, 2], dtype=np.int64), 2),  # starts with label 0 while the blank is 2
        (np.array([3, 1, 3, 3, 0, 1], dtype=np.int64), 1),  # starts with a non-zero label; the blank is 1
        (rng.integers(0, 4, size=9).astype(np.int64), 0),  # 9 random frames, twinned with other values
    ]
    cases = []
    for path, blank in paths:
        length = len(solutions.ctc_collapse(path, blank))
        cases.append(Case(f"T={len(path)}, blank={blank}, path={path.tolist()}", {"path": path, "blank": blank}, {"T": len(path), "L": length}))
    return cases


# --- CTC forward ----------------------------------------------------------------------


def ctc_cases(seed: int = 0) -> list[Case]:
    """Cases of ctc_forward: log-softmax outputs (T, V), a target and the blank."""
    specs = [  # (T, V, target, blank)
        (2, 3, [1], 0),
        (4, 3, [2, 2], 0),  # a repeated label: the blank between them is compulsory
        (5, 4, [], 0),  # an empty target: the all-blank path
        (9, 5, [1, 3, 3, 0], 4),  # the blank is the last symbol
        (800, 4, None, 0),  # long: the likelihood is far below the smallest float64
        (6, 4, [0, 3, 0], 2),  # the first label is 0 while the blank is 2
        (7, 5, [3, 2, 2], 1),  # starts with a non-zero label, has a repeat, and the blank is 1
        (1, 3, [2], 0),  # one frame: the only path is the label itself
    ]
    cases = []
    for i, (T, V, target, blank) in enumerate(specs):
        rng = np.random.default_rng((seed, i))
        log_probs = _log_softmax(rng.normal(scale=1.5, size=(T, V)))
        if target is None:
            target = np.repeat(rng.integers(1, V, size=20), rng.integers(1, 3, size=20))
        target = np.asarray(target, dtype=np.int64)
        shown = f"U={len(target)}" if len(target) > 6 else f"target={target.tolist()}"
        name = f"T={T}, V={V}, {shown}, blank={blank}"
        cases.append(Case(name, {"log_probs": log_probs, "target": target, "blank": blank}, {"T": T, "V": V}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch06.softmax_with_temperature": Exercise(
        id="ch06.softmax_with_temperature",
        title="Softmax with a temperature, without overflow",
        reference=solutions.softmax_with_temperature,
        make_cases=with_twin(temperature_cases),
        outputs=("probs",),
        shapes=(("B", "V"),),
        errstate=("over", "invalid", "divide"),
    ),
    "ch06.additive_attention": Exercise(
        id="ch06.additive_attention",
        title="Additive attention",
        reference=solutions.additive_attention,
        make_cases=with_twin(attention_cases),
        outputs=("weights", "context"),
        shapes=(("T", "B"), ("B", "E")),
    ),
    "ch06.beam_search": Exercise(
        id="ch06.beam_search",
        title="Beam search on a Markov model",
        reference=solutions.beam_search,
        make_cases=with_twin(beam_cases),
        outputs=("tokens", "log_prob"),
        shapes=(("L",), ()),
        kinds=("int", "float"),
    ),
    "ch06.ctc_collapse": Exercise(
        id="ch06.ctc_collapse",
        title="The CTC collapse: merge repeats, drop blanks",
        reference=solutions.ctc_collapse,
        make_cases=with_twin(collapse_cases, index=7),
        outputs=("labels",),
        shapes=(("L",),),
        kinds=("int",),
    ),
    "ch06.ctc_forward": Exercise(
        id="ch06.ctc_forward",
        title="The CTC forward algorithm in log space",
        reference=solutions.ctc_forward,
        make_cases=with_twin(ctc_cases),
        outputs=("nll",),
        shapes=((),),
        tolerance=1e-8,
    ),
}
