"""Exercises of chapter 19, "Speech-like signals and CTC".

Continuous inputs are float64 from ``np.random.default_rng((seed, i))``;
label sequences are int64 arrays, the blank and frame sizes plain ints, Morse
codes strings. ``seed`` (0 for ``check``) picks values and the sizes of the
later cases; the first case of each exercise is the smallest and the same for
every seed, and every seed keeps the cases that test an edge of the
algorithm: a blank that is not 0, a repeated label kept apart by a blank, an
empty decoding, an empty hypothesis, a trailing part shorter than a frame, a
dash ratio other than 3.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, with_twin
from companion.solutions import ch19 as solutions

CODES = ".-", "-...", "..---", "--.-", "-----", "...-"


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def morse_cases(seed: int = 0) -> list[Case]:
    """A code and a dash length; U, the number of units, is read from the reference."""
    rng = np.random.default_rng((seed, 0))
    specs = [(".", 3), ("-", 3), (".-", 3), (CODES[1 + seed % 5], 3), ("-.-", 2), ("..-.", 4),
             ("".join(rng.choice([".", "-"], size=5 + seed % 3)), int(rng.integers(2, 6)))]
    cases = []
    for code, dash in specs:
        units = len(solutions.morse_on_off(code, dash))
        cases.append(Case(f"code={code!r}, dash={dash}", {"code": code, "dash": dash}, {"U": units}))
    return cases


def energy_cases(seed: int = 0) -> list[Case]:
    """Audio (N,) and a frame length: N a multiple of the frame, and not; one frame exactly."""
    grow = seed % 4
    specs = [(4, 4), (12, 4), (20 + 3 * grow, 5), (30, 7 + grow)]
    cases = []
    for i, (N, frame) in enumerate(specs):
        rng = np.random.default_rng((seed, i))
        audio = rng.normal(scale=rng.uniform(0.5, 2.0), size=N) * np.sin(np.arange(N) / 3.0)
        cases.append(Case(f"N={N}, frame={frame}", {"audio": audio, "frame": frame}, {"T": N // frame}))
    return cases


def greedy_cases(seed: int = 0) -> list[Case]:
    """Log-probabilities (T, V) and a blank; L, the number of labels, is read from the reference."""
    grow = seed % 3
    specs = [  # (T, V, blank, path or None): the path gets a high score at each frame
        (1, 3, 0, [2]),
        (6 + grow, 4, 0, None),
        (7, 4, 0, [1, 1, 0, 1, 2, 2, 0]),  # a a - a b b -: a repeat kept apart by a blank
        (5, 3, 0, [0, 0, 0, 0, 0]),  # only blanks: an empty labelling
        (8, 5, 4, [0, 0, 4, 0, 3, 3, 4, 1]),  # the blank is the last symbol; label 0 is a real label
        (6, 4, 2, [1, 2, 1, 3, 3, 2]),
    ]
    cases = []
    for i, (T, V, blank, path) in enumerate(specs):
        rng = np.random.default_rng((seed, i))
        logits = rng.normal(size=(T, V))
        if path is None:
            path = rng.integers(0, V, size=T)
        logits[np.arange(T), path] += 4.0
        log_probs = _log_softmax(logits)
        labels = len(solutions.ctc_greedy_decode(log_probs, blank))
        cases.append(Case(f"T={T}, V={V}, blank={blank}", {"log_probs": log_probs, "blank": blank},
                          {"T": T, "V": V, "L": labels}))
    return cases


def cer_cases(seed: int = 0) -> list[Case]:
    """A reference and a hypothesis: equal, one substitution, insertions, deletions, empty hypothesis."""
    grow = seed % 3
    rng = np.random.default_rng((seed, 1))
    reference = rng.integers(1, 6, size=6 + grow).astype(np.int64)
    hypothesis = reference.copy()
    hypothesis[2] = 6  # one substitution
    hypothesis = np.delete(hypothesis, 0)  # and one deletion
    specs = [
        (np.array([1], dtype=np.int64), np.array([1], dtype=np.int64)),
        (reference, hypothesis),
        (np.array([1, 2, 3, 4], dtype=np.int64), np.array([1, 2, 3, 4], dtype=np.int64)),
        (np.array([3, 1, 2], dtype=np.int64), np.array([], dtype=np.int64)),  # all deleted
        (np.array([2, 2], dtype=np.int64), np.array([1, 2, 2, 1, 3], dtype=np.int64)),  # insertions: CER > 1
        (np.array([1, 2, 3, 4, 5], dtype=np.int64), np.array([2, 3, 4, 5, 1], dtype=np.int64)),  # a shift: 2, not 5
        (np.array([4, 4, 1, 2], dtype=np.int64), np.array([4, 1, 2, 2], dtype=np.int64)),
    ]
    return [Case(f"R={len(r)}, H={len(h)}, reference={r.tolist()}, hypothesis={h.tolist()}",
                 {"reference": r, "hypothesis": h}, {"R": len(r), "H": len(h)}) for r, h in specs]


EXERCISES: dict[str, Exercise] = {
    "ch19.morse_on_off": Exercise(
        id="ch19.morse_on_off",
        title="A Morse character as on/off units",
        reference=solutions.morse_on_off,
        make_cases=morse_cases,
        outputs=("units",),
        shapes=(("U",),),
        kinds=("int",),
    ),
    "ch19.frame_energies": Exercise(
        id="ch19.frame_energies",
        title="Short-time energy per frame",
        reference=solutions.frame_energies,
        make_cases=with_twin(energy_cases),
        outputs=("energy",),
        shapes=(("T",),),
    ),
    "ch19.ctc_greedy_decode": Exercise(
        id="ch19.ctc_greedy_decode",
        title="Greedy CTC decoding with any blank",
        reference=solutions.ctc_greedy_decode,
        make_cases=with_twin(greedy_cases),
        outputs=("labels",),
        shapes=(("L",),),
        kinds=("int",),
    ),
    "ch19.character_error_rate": Exercise(
        id="ch19.character_error_rate",
        title="Character error rate from the edit distance",
        reference=solutions.character_error_rate,
        make_cases=with_twin(cer_cases),
        outputs=("cer",),
        shapes=((),),
    ),
}
