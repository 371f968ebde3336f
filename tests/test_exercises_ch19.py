"""Chapter 19's exercises: typical mistakes fail with a message that points at them (references and stubs: test_exercise_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch19 as solutions
from exercise_messages import message_of


# --- ch19.morse_on_off --------------------------------------------------------------------

def morse_dash_always_three(code, dash):
    return solutions.morse_on_off(code, 3)


def morse_no_gaps(code, dash):
    return np.array([u for e in code for u in [1] * (1 if e == "." else dash)], dtype=np.int64)


def morse_trailing_gap(code, dash):
    return np.append(solutions.morse_on_off(code, dash), 0)


def morse_swapped_symbols(code, dash):
    return solutions.morse_on_off(code.translate(str.maketrans(".-", "-.")), dash)


def morse_gap_of_three(code, dash):
    units = []
    for i, e in enumerate(code):
        if i:
            units += [0, 0, 0]
        units += [1] * (1 if e == "." else dash)
    return np.array(units, dtype=np.int64)


def morse_durations(code, dash):
    return np.array([1 if e == "." else dash for e in code], dtype=np.int64)


MORSE_MISTAKES = [morse_dash_always_three, morse_no_gaps, morse_trailing_gap, morse_swapped_symbols,
                  morse_gap_of_three, morse_durations]


@pytest.mark.parametrize("wrong", MORSE_MISTAKES)
def test_morse_mistakes_fail(wrong):
    message = message_of("ch19.morse_on_off", wrong)
    assert message.startswith("ch19.morse_on_off: units "), message
    assert "wrong" in message or "shape" in message


def test_morse_with_a_fixed_dash_fails_on_the_dash_of_two():
    assert 'in case "code=\'-.-\', dash=2"' in message_of("ch19.morse_on_off", morse_dash_always_three)


# --- ch19.frame_energies ------------------------------------------------------------------

def energy_sum_not_mean(audio, frame):
    T = len(audio) // frame
    return (audio[: T * frame].reshape(T, frame) ** 2).sum(axis=1)


def energy_of_amplitudes(audio, frame):
    T = len(audio) // frame
    return np.abs(audio[: T * frame].reshape(T, frame)).mean(axis=1)


def energy_keeps_the_tail(audio, frame):
    T = -(-len(audio) // frame)
    padded = np.zeros(T * frame)
    padded[: len(audio)] = audio
    return (padded.reshape(T, frame) ** 2).mean(axis=1)


def energy_overlapping_frames(audio, frame):
    T = len(audio) // frame
    return np.array([np.mean(audio[t:t + frame] ** 2) for t in range(T)])


def energy_squared_mean(audio, frame):
    T = len(audio) // frame
    return audio[: T * frame].reshape(T, frame).mean(axis=1) ** 2


def energy_reshaped_wrong_way(audio, frame):
    T = len(audio) // frame
    return (audio[: T * frame].reshape(frame, T) ** 2).mean(axis=0)


ENERGY_MISTAKES = [energy_sum_not_mean, energy_of_amplitudes, energy_overlapping_frames, energy_squared_mean,
                   energy_reshaped_wrong_way]


@pytest.mark.parametrize("wrong", ENERGY_MISTAKES)
def test_energy_mistakes_fail(wrong):
    assert message_of("ch19.frame_energies", wrong).startswith("ch19.frame_energies: energy is wrong in case")


def test_energy_keeping_the_tail_gives_shape_message():
    message = message_of("ch19.frame_energies", energy_keeps_the_tail)
    assert message == 'ch19.frame_energies: energy has shape (5,) in case "N=30, frame=7"; expected (T,) = (4,).'


# --- ch19.ctc_greedy_decode ---------------------------------------------------------------

def greedy_blank_zero(log_probs, blank):
    return solutions.ctc_greedy_decode(log_probs, 0)


def greedy_no_merge(log_probs, blank):
    best = np.argmax(log_probs, axis=1)
    return best[best != blank].astype(np.int64)


def greedy_drop_then_merge(log_probs, blank):
    best = np.argmax(log_probs, axis=1)
    best = best[best != blank]
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return best[keep].astype(np.int64)


def greedy_argmax_over_time(log_probs, blank):
    best = np.argmax(log_probs, axis=0)
    return best[best != blank].astype(np.int64)


def greedy_unique(log_probs, blank):
    best = np.argmax(log_probs, axis=1)
    return np.unique(best[best != blank]).astype(np.int64)


def greedy_keeps_blanks(log_probs, blank):
    best = np.argmax(log_probs, axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return best[keep].astype(np.int64)


GREEDY_MISTAKES = [greedy_blank_zero, greedy_no_merge, greedy_drop_then_merge, greedy_argmax_over_time,
                   greedy_unique, greedy_keeps_blanks]


@pytest.mark.parametrize("wrong", GREEDY_MISTAKES)
def test_greedy_mistakes_fail(wrong):
    message = message_of("ch19.ctc_greedy_decode", wrong)
    assert message.startswith("ch19.ctc_greedy_decode: labels "), message


def test_merging_after_dropping_blanks_fails_on_the_repeat():
    message = message_of("ch19.ctc_greedy_decode", greedy_drop_then_merge)
    assert 'in case "T=7, V=4, blank=0"' in message


def test_greedy_with_blank_zero_fails_where_the_blank_is_not_zero():
    assert 'blank=4"' in message_of("ch19.ctc_greedy_decode", greedy_blank_zero)


# --- ch19.character_error_rate ------------------------------------------------------------

def cer_positional(reference, hypothesis):
    n = max(len(reference), len(hypothesis))
    r = np.pad(reference, (0, n - len(reference)), constant_values=-1)
    h = np.pad(hypothesis, (0, n - len(hypothesis)), constant_values=-1)
    return float(np.sum(r != h) / len(reference))


def cer_over_hypothesis_length(reference, hypothesis):
    return solutions.character_error_rate(reference, hypothesis) * len(reference) / max(len(hypothesis), 1)


def cer_distance_not_rate(reference, hypothesis):
    return solutions.character_error_rate(reference, hypothesis) * len(reference)


def cer_substitution_costs_two(reference, hypothesis):
    R, H = len(reference), len(hypothesis)
    d = np.zeros((R + 1, H + 1))
    d[:, 0] = np.arange(R + 1)
    d[0, :] = np.arange(H + 1)
    for i in range(1, R + 1):
        for j in range(1, H + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + 2 * (reference[i - 1] != hypothesis[j - 1]))
    return float(d[R, H] / R)


def cer_capped_at_one(reference, hypothesis):
    return min(solutions.character_error_rate(reference, hypothesis), 1.0)


def cer_length_difference(reference, hypothesis):
    return abs(len(reference) - len(hypothesis)) / len(reference)


CER_MISTAKES = [cer_positional, cer_over_hypothesis_length, cer_distance_not_rate, cer_substitution_costs_two,
                cer_capped_at_one, cer_length_difference]


@pytest.mark.parametrize("wrong", CER_MISTAKES)
def test_cer_mistakes_fail(wrong):
    assert message_of("ch19.character_error_rate", wrong).startswith("ch19.character_error_rate: cer is wrong in case")

