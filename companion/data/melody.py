"""Short generated melodies as a stream of note tokens, for next-note models (chapter 16).

Each melody is eight bars of 4/4 in one key, made by a small grammar so that
the next note is partly predictable from what came before:

- **Key.** A scale (major, natural minor, dorian, major or minor pentatonic)
  on one of the twelve tonics; every pitch is a note of that scale between
  ``LOW`` and ``HIGH`` (MIDI numbers). Which scale is in use is only visible
  from several notes together, not from the last one.
- **Rhythm.** Every bar lasts 16 sixteenths and is one of a few rhythmic
  motifs (``MOTIFS``); a phrase is two bars.
- **Form.** A A B A': phrase A, A once more, a contrasting phrase B, and A
  again with its last bar replaced by a cadence that steps down to the tonic
  on a long note. Three of the eight bars repeat earlier bars exactly.
- **Melodic line.** Inside a phrase the pitch moves mostly by steps of the
  scale (one or two degrees up or down, sometimes a repeat or a leap),
  starting on a note of the tonic chord and reflected at the ends of the range.

A note is (pitch, duration), and a token is one id for the pair:
``pitch_index * len(DURATIONS) + duration_index``; ``END`` closes every melody.
A stream of tokens is the melodies of a split joined, each followed by ``END``.

    splits = melody_splits(seed=0)             # train, valid, test: lists of melodies
    ids = to_stream(splits.train)              # (N,) int64 tokens in [0, VOCAB_SIZE)

Everything is drawn from ``numpy.random.default_rng(seed)``; the three splits
hold different melodies (a melody drawn twice is kept only the first time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOW, HIGH = 55, 81  # G3 to A5, MIDI note numbers
PITCHES = tuple(range(LOW, HIGH + 1))
DURATIONS = (2, 4, 6, 8, 16)  # in sixteenths: eighth, quarter, dotted quarter, half, whole
BAR = 16  # sixteenths in a bar of 4/4
BARS = 8
SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "natural minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "major pentatonic": (0, 2, 4, 7, 9),
    "minor pentatonic": (0, 3, 5, 7, 10),
}
MOTIFS = ((4, 4, 4, 4), (4, 4, 8), (2, 2, 4, 4, 4), (6, 2, 4, 4), (4, 2, 2, 4, 4), (8, 4, 4), (6, 2, 8),
          (2, 2, 2, 2, 8))
CADENCE = (4, 4, 8)  # the last bar: three notes stepping down to the tonic
# Steps in scale degrees and their probabilities inside a phrase.
STEPS = np.array([-4, -2, -1, 0, 1, 2, 3])
STEP_PROBS = np.array([0.05, 0.15, 0.3, 0.1, 0.25, 0.1, 0.05])
END = len(PITCHES) * len(DURATIONS)
VOCAB_SIZE = END + 1

Note = tuple[int, int]  # (MIDI pitch, duration in sixteenths)


@dataclass(frozen=True)
class MelodySplits:
    """Three disjoint lists of melodies; each melody is a list of (pitch, duration) notes."""

    train: list[list[Note]]
    valid: list[list[Note]]
    test: list[list[Note]]


def scale_pitches(scale: str, tonic: int) -> np.ndarray:
    """The MIDI pitches of ``scale`` on pitch class ``tonic`` (0 = C) between LOW and HIGH, ascending."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    return np.array([p for p in PITCHES if (p - tonic) % 12 in SCALES[scale]])


def _walk(rng: np.random.Generator, start: int, n: int, top: int) -> list[int]:
    """n scale-degree indices from ``start``, by the STEPS above, reflected into [0, top]."""
    out, current = [], start
    for _ in range(n):
        out.append(current)
        current += int(rng.choice(STEPS, p=STEP_PROBS))
        if current < 0:
            current = -current
        if current > top:
            current = 2 * top - current
    return out


def generate_melody(rng: np.random.Generator) -> list[Note]:
    """One melody of BARS bars in the form A A B A' (see the module docstring)."""
    scale = list(SCALES)[rng.integers(len(SCALES))]
    tonic = int(rng.integers(12))
    pitches = scale_pitches(scale, tonic)
    top = len(pitches) - 1
    # Tonic degree in the middle octave (60..71), and the notes of the tonic chord around it.
    home = int(np.flatnonzero((pitches >= 60) & (pitches < 72) & ((pitches - tonic) % 12 == 0))[0])
    chord = [home, home + 2, home + (3 if len(SCALES[scale]) == 5 else 4)]

    def phrase(start: int) -> list[Note]:
        rhythm = [d for _ in range(2) for d in MOTIFS[rng.integers(len(MOTIFS))]]
        degrees = _walk(rng, start, len(rhythm), top)
        return [(int(pitches[k]), d) for k, d in zip(degrees, rhythm)]

    a = phrase(chord[rng.integers(3)])
    b = phrase(chord[rng.integers(1, 3)])
    first_bar, total = [], 0
    for note in a:  # the first bar of A, kept in A'
        if total == BAR:
            break
        first_bar.append(note)
        total += note[1]
    cadence = [(int(pitches[home + k]), d) for k, d in zip((2, 1, 0), CADENCE)]
    return a + a + b + first_bar + cadence


def encode(notes: list[Note]) -> np.ndarray:
    """Token ids of a list of (pitch, duration) notes: int64 (len(notes),)."""
    ids = []
    for pitch, duration in notes:
        if pitch not in PITCHES or duration not in DURATIONS:
            raise ValueError(f"notes must have pitch in [{LOW}, {HIGH}] and duration in {DURATIONS}; "
                             f"got ({pitch}, {duration})")
        ids.append((pitch - LOW) * len(DURATIONS) + DURATIONS.index(duration))
    return np.array(ids, dtype=np.int64)


def decode(ids: np.ndarray) -> list[Note]:
    """The notes of token ids, stopping at the first END (ids: (N,) ints in [0, VOCAB_SIZE))."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu" or ((ids < 0) | (ids >= VOCAB_SIZE)).any():
        raise ValueError(f"ids must be integers of shape (N,) in [0, {VOCAB_SIZE}); got {ids.dtype} {ids.shape}")
    notes = []
    for token in ids.tolist():
        if token == END:
            break
        notes.append((LOW + token // len(DURATIONS), DURATIONS[token % len(DURATIONS)]))
    return notes


def to_stream(melodies: list[list[Note]]) -> np.ndarray:
    """The melodies as one stream of tokens, each melody followed by END: int64 (N,)."""
    return np.concatenate([np.append(encode(m), END) for m in melodies]).astype(np.int64)


def melody_splits(n_train: int = 800, n_valid: int = 150, n_test: int = 150, seed: int = 0) -> MelodySplits:
    """``n_train``, ``n_valid`` and ``n_test`` different melodies, drawn in that order from ``seed``."""
    for name, n in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test)):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must be a positive int; got {n!r}")
    rng = np.random.default_rng(seed)
    seen, melodies = set(), []
    while len(melodies) < n_train + n_valid + n_test:
        notes = generate_melody(rng)
        if tuple(notes) not in seen:  # no melody in two splits, nor twice in one
            seen.add(tuple(notes))
            melodies.append(notes)
    return MelodySplits(melodies[:n_train], melodies[n_train : n_train + n_valid], melodies[n_train + n_valid :])


def fits_one_key(notes: list[Note]) -> bool:
    """Whether every pitch of ``notes`` belongs to one scale of SCALES on one tonic (True for no notes)."""
    classes = {pitch % 12 for pitch, _ in notes}
    return any(classes <= {(tonic + step) % 12 for step in steps} for steps in SCALES.values() for tonic in range(12))


def bar_aligned(notes: list[Note]) -> bool:
    """Whether no note of ``notes`` crosses a bar line (each bar of 16 sixteenths is filled exactly)."""
    position = 0
    for _, duration in notes:
        if position % BAR + duration > BAR:
            return False
        position += duration
    return position % BAR == 0
