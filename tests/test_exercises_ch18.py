"""Chapter 18's exercises: the references pass on many seeds, stubs and typical mistakes fail with a message that points at them."""

from __future__ import annotations

import numpy as np
import pytest

from companion.solutions import ch18 as solutions
from exercise_messages import message_of



# --- ch18.iso_dates -----------------------------------------------------------------------

MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _iso_with(leap_rule, check_day=True, check_month=True, order=(10000, 100, 1)):
    def iso(days, months, years):
        out = np.full(len(days), -1, dtype=np.int64)
        for i, (d, m, y) in enumerate(zip(days, months, years)):
            if check_month and not 1 <= m <= 12:
                continue
            last = 29 if (m == 2 and leap_rule(y)) else MONTH_DAYS[(m - 1) % 12]
            if not check_day or 1 <= d <= last:
                out[i] = y * order[0] + m * order[1] + d * order[2]
        return out
    return iso


def true_leap(y):
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


iso_every_fourth_year = _iso_with(lambda y: y % 4 == 0)
iso_no_leap_years = _iso_with(lambda y: False)
iso_no_day_check = _iso_with(true_leap, check_day=False)
iso_day_and_month_swapped = _iso_with(true_leap, order=(10000, 1, 100))
iso_centuries_never_leap = _iso_with(lambda y: y % 4 == 0 and y % 100 != 0)


def iso_as_float(days, months, years):
    return solutions.iso_dates(days, months, years).astype(np.float64)


def iso_zero_for_invalid(days, months, years):
    out = solutions.iso_dates(days, months, years)
    return np.where(out < 0, 0, out)


@pytest.mark.parametrize("wrong", [iso_every_fourth_year, iso_no_leap_years, iso_no_day_check,
                                   iso_centuries_never_leap, iso_zero_for_invalid])
def test_wrong_calendars_fail_on_leap_days_and_impossible_days(wrong):
    assert message_of("ch18.iso_dates", wrong).startswith("ch18.iso_dates: iso is wrong in case")


def test_day_and_month_swapped_fails_on_the_first_case():
    message = message_of("ch18.iso_dates", iso_day_and_month_swapped)
    assert message.startswith("ch18.iso_dates: iso is wrong in case")


def test_float_output_gives_dtype_message():
    assert "dtype float64" in message_of("ch18.iso_dates", iso_as_float)


# --- ch18.additive_attention --------------------------------------------------------------

def _softmax(scores, axis):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _scores(query, keys, W_q, W_k, v):
    return np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v


def attention_unmasked(query, keys, lengths, W_q, W_k, v):
    weights = _softmax(_scores(query, keys, W_q, W_k, v), axis=1)
    return np.einsum("bs,bsk->bk", weights, keys), weights


def attention_mask_after_softmax(query, keys, lengths, W_q, W_k, v):
    mask = np.arange(keys.shape[1])[None, :] < lengths[:, None]
    weights = _softmax(_scores(query, keys, W_q, W_k, v), axis=1) * mask
    return np.einsum("bs,bsk->bk", weights, keys), weights


def attention_softmax_over_batch(query, keys, lengths, W_q, W_k, v):
    mask = np.arange(keys.shape[1])[None, :] < lengths[:, None]
    weights = _softmax(np.where(mask, _scores(query, keys, W_q, W_k, v), -np.inf), axis=0)
    weights = np.nan_to_num(weights)
    return np.einsum("bs,bsk->bk", weights, keys), weights


def attention_without_tanh(query, keys, lengths, W_q, W_k, v):
    mask = np.arange(keys.shape[1])[None, :] < lengths[:, None]
    scores = ((query @ W_q)[:, None, :] + keys @ W_k) @ v
    weights = _softmax(np.where(mask, scores, -np.inf), axis=1)
    return np.einsum("bs,bsk->bk", weights, keys), weights


def attention_swapped_outputs(query, keys, lengths, W_q, W_k, v):
    context, weights = solutions.additive_attention(query, keys, lengths, W_q, W_k, v)
    return weights, context


def attention_context_of_raw_scores(query, keys, lengths, W_q, W_k, v):
    context, weights = solutions.additive_attention(query, keys, lengths, W_q, W_k, v)
    return keys.mean(axis=1), weights


@pytest.mark.parametrize("wrong", [attention_unmasked, attention_mask_after_softmax, attention_softmax_over_batch,
                                   attention_without_tanh, attention_context_of_raw_scores])
def test_wrong_attention_fails_on_the_padded_batch(wrong):
    message = message_of("ch18.additive_attention", wrong)
    assert "is wrong in case" in message, message


def test_swapped_attention_outputs_give_a_shape_message():
    message = message_of("ch18.additive_attention", attention_swapped_outputs)
    assert "shape" in message and "ch18.additive_attention" in message


# --- ch18.beam_step -----------------------------------------------------------------------

def beam_per_row(scores, log_probs, beam):
    total = scores[:, None] + log_probs
    rows, chars = [], []
    for r in range(total.shape[0]):
        for c in np.argsort(-total[r])[:beam]:
            rows.append(r)
            chars.append(c)
    rows, chars = np.array(rows, dtype=np.int64), np.array(chars, dtype=np.int64)
    return rows, chars, total[rows, chars]


def beam_ignores_scores(scores, log_probs, beam):
    rows, chars, _ = solutions.beam_step(np.zeros_like(scores), log_probs, beam)
    return rows, chars, scores[rows] + log_probs[rows, chars]


def beam_ascending(scores, log_probs, beam):
    rows, chars, totals = solutions.beam_step(scores, log_probs, beam)
    return rows[::-1].copy(), chars[::-1].copy(), totals[::-1].copy()


def beam_rows_and_chars_swapped(scores, log_probs, beam):
    rows, chars, totals = solutions.beam_step(scores, log_probs, beam)
    return chars, rows, totals


def beam_always_beam_wide(scores, log_probs, beam):
    total = scores[:, None] + log_probs
    flat = np.argsort(-total, axis=None)
    flat = np.resize(flat, beam)
    rows, chars = np.divmod(flat, total.shape[1])
    return rows.astype(np.int64), chars.astype(np.int64), total.ravel()[flat]


def beam_divmod_by_rows(scores, log_probs, beam):
    total = scores[:, None] + log_probs
    flat = np.argsort(-total, axis=None)[:min(beam, total.size)]
    chars, rows = np.divmod(flat, total.shape[0])
    return rows.astype(np.int64), chars.astype(np.int64), total.ravel()[flat]


def test_top_k_per_hypothesis_fails_with_a_shape_message():
    message = message_of("ch18.beam_step", beam_per_row)
    assert "has shape" in message


def test_rows_and_chars_swapped_are_named():
    message = message_of("ch18.beam_step", beam_rows_and_chars_swapped)
    assert message.startswith('ch18.beam_step: rows and chars are swapped in case "K=1, V=3, beam=2"')


@pytest.mark.parametrize("wrong", [beam_ignores_scores, beam_ascending, beam_divmod_by_rows])
def test_wrong_beam_steps_fail(wrong):
    message = message_of("ch18.beam_step", wrong)
    assert "is wrong in case" in message, message


def test_a_beam_wider_than_the_candidates_must_shrink():
    message = message_of("ch18.beam_step", beam_always_beam_wide)
    assert 'in case "K=2, V=2, beam=7 > K*V"' in message and "shape" in message


# --- ch18.exact_match ---------------------------------------------------------------------

def exact_whole_rows(predicted, expected, end_id):
    return float(np.mean((predicted == expected).all(axis=1)))


def exact_token_accuracy(predicted, expected, end_id):
    return float(np.mean(predicted == expected))


def exact_skipping_rows_that_never_end(predicted, expected, end_id):
    ended = [p for p in range(len(predicted)) if (predicted[p] == end_id).any()]
    return solutions.exact_match(predicted[ended], expected[ended], end_id)


def exact_count(predicted, expected, end_id):
    return float(sum(solutions.exact_match(p[None], e[None], end_id) for p, e in zip(predicted, expected)))


def exact_ignoring_padding_zero(predicted, expected, end_id):
    def strip(row):
        return tuple(int(i) for i in row if i not in (0, end_id))
    return float(np.mean([strip(p) == strip(e) for p, e in zip(predicted, expected)]))


@pytest.mark.parametrize("wrong", [exact_whole_rows, exact_token_accuracy, exact_skipping_rows_that_never_end, exact_count,
                                   exact_ignoring_padding_zero])
def test_wrong_exact_match_fails(wrong):
    message = message_of("ch18.exact_match", wrong)
    assert message.startswith("ch18.exact_match: accuracy is wrong in case"), message
