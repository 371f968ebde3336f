"""Reference solutions of chapter 19, "Speech-like signals and CTC".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.
"""

import numpy as np


def morse_on_off(code, dash):
    """The on/off pattern of one Morse character, one entry per time unit.

    code: a string of '.' and '-' (".-" is A); dash: an int, the length of a
    dash in units (3 by convention). A dot is 1 unit on, a dash ``dash`` units
    on, and the elements are separated by 1 unit off. Returns an int64 array of
    0 and 1: ".-" with dash 3 gives [1, 0, 1, 1, 1].
    """
    units = []
    for i, element in enumerate(code):
        if i > 0:
            units.append(0)
        units.extend([1] * (1 if element == "." else dash))
    return np.array(units, dtype=np.int64)


def frame_energies(audio, frame):
    """Short-time energy: the mean of the squared samples in each non-overlapping frame.

    audio: (N,) float64; frame: an int, samples per frame. Frame ``t`` covers
    samples ``t * frame`` to ``(t + 1) * frame - 1``; a trailing part shorter
    than a frame is dropped. Returns (T,) float64 with T = N // frame.
    """
    T = len(audio) // frame
    return (audio[: T * frame].reshape(T, frame) ** 2).mean(axis=1)


def ctc_greedy_decode(log_probs, blank):
    """Best-path CTC decoding: the most probable symbol per frame, repeats merged, blanks dropped.

    log_probs: (T, V) float64; blank: the blank's index (not always 0).
    Returns the labels as an int64 array (L,), possibly empty. Ties in a
    frame go to the lowest index (``np.argmax``).
    """
    best = np.argmax(log_probs, axis=1)
    keep = best != blank
    keep[1:] &= best[1:] != best[:-1]
    return best[keep].astype(np.int64)


def character_error_rate(reference, hypothesis):
    """Edit distance between two label sequences, divided by the reference's length.

    reference: int array (R,), R >= 1; hypothesis: int array (H,), possibly
    empty. The edit distance is the fewest insertions, deletions and
    substitutions that turn the hypothesis into the reference. Returns a float
    (it can exceed 1 when the hypothesis is much longer).
    """
    R, H = len(reference), len(hypothesis)
    d = np.zeros((R + 1, H + 1))
    d[:, 0] = np.arange(R + 1)
    d[0, :] = np.arange(H + 1)
    for i in range(1, R + 1):
        for j in range(1, H + 1):
            substitute = d[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1])
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, substitute)
    return float(d[R, H] / R)
