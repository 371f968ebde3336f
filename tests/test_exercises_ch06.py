"""Chapter 6's exercises: the references are right, and typical mistakes fail with a clear message."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from companion.scratch.decoding import beam_search as package_beam_search
from companion.scratch.decoding import ctc_collapse as package_collapse
from companion.scratch.decoding import ctc_forward as package_ctc_forward
from companion.scratch.decoding import exhaustive_search, markov_step
from companion.exercises import EXERCISES, get_exercise
from companion.exercises.checking import check_exercise
from companion.scratch.sampling import softmax_with_temperature as package_softmax
from companion.solutions import ch06 as solutions
from exercise_messages import message_of

CH06 = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch06.")]


# --- the cases and the references ----------------------------------------------------


def test_chapter_has_its_exercises():
    assert sorted(CH06) == sorted(
        ["ch06.softmax_with_temperature", "ch06.additive_attention", "ch06.beam_search", "ch06.ctc_collapse", "ch06.ctc_forward"]
    )


@pytest.mark.parametrize("exercise_id", CH06)
def test_inputs_are_float64_arrays_or_integers(exercise_id):
    for case in EXERCISES[exercise_id].make_cases():
        for name, value in case.kwargs.items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f" or isinstance(value, float):
                assert np.asarray(value).dtype == np.float64, (case.name, name)
            elif isinstance(value, np.ndarray):
                assert value.dtype == np.int64, (case.name, name)
            else:
                assert isinstance(value, int), (case.name, name)


@pytest.mark.parametrize("exercise_id", CH06)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_passes_for_other_seeds(exercise_id, seed):
    exercise = EXERCISES[exercise_id]
    assert check_exercise(exercise, exercise.reference, seed=seed).passed


def test_softmax_reference_matches_the_package():
    for case in get_exercise("ch06.softmax_with_temperature").make_cases():
        probs = solutions.softmax_with_temperature(**case.kwargs)
        np.testing.assert_allclose(probs, package_softmax(**case.kwargs), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)


def test_attention_reference_weights_sum_to_one_over_time_and_context_is_their_average():
    for case in get_exercise("ch06.additive_attention").make_cases():
        weights, context = solutions.additive_attention(**case.kwargs)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-12)
        keys = case.kwargs["keys"]
        np.testing.assert_allclose(context, np.einsum("tb,tbe->be", weights, keys), rtol=1e-12)


def test_attention_without_tanh_ignores_the_query():
    # Without the nonlinearity the query adds the same number to every score, which the softmax removes.
    case = get_exercise("ch06.additive_attention").make_cases()[1]
    kw = dict(case.kwargs)

    def linear_weights(query):
        scores = (query @ kw["W_q"].T + kw["keys"] @ kw["W_k"].T + kw["b"]) @ kw["v"]
        return np.exp(scores - scores.max(axis=0)) / np.exp(scores - scores.max(axis=0)).sum(axis=0)

    np.testing.assert_allclose(linear_weights(kw["query"]), linear_weights(-3 * kw["query"]), rtol=1e-12)
    with_tanh = [solutions.additive_attention(**{**kw, "query": q})[0] for q in (kw["query"], -3 * kw["query"])]
    assert np.abs(with_tanh[0] - with_tanh[1]).max() > 1e-2


def test_beam_search_reference_matches_the_package_and_exhaustive_search():
    for case in get_exercise("ch06.beam_search").make_cases():
        kw = case.kwargs
        tokens, score = solutions.beam_search(**kw)
        step = markov_step(kw["log_probs_first"], kw["log_transition"])
        [best, *_] = package_beam_search(step, None, kw["length"], kw["beam_width"])
        assert tuple(tokens) == best.tokens and abs(score - best.log_prob) < 1e-12
        if len(kw["log_probs_first"]) ** kw["length"] <= 10_000:
            exact = exhaustive_search(step, None, kw["length"], len(kw["log_probs_first"]))
            assert score <= exact.log_prob + 1e-12


def test_the_greedy_trap_cases_really_trap_greedy_decoding():
    for case in get_exercise("ch06.beam_search").make_cases():
        kw = case.kwargs
        if kw["beam_width"] > 1:
            continue
        # The beam_width = 1 case is the greedy answer; with a wider beam the same model does better.
        _, greedy_score = solutions.beam_search(**kw)
        _, beam_score = solutions.beam_search(**{**kw, "beam_width": 3})
        assert beam_score > greedy_score + 0.1


def test_collapse_reference_matches_the_package():
    for case in get_exercise("ch06.ctc_collapse").make_cases():
        np.testing.assert_array_equal(solutions.ctc_collapse(**case.kwargs), package_collapse(**case.kwargs))


def test_ctc_reference_matches_the_package_and_torch_ctc_loss():
    loss = torch.nn.CTCLoss(reduction="none", zero_infinity=False)
    for case in get_exercise("ch06.ctc_forward").make_cases():
        log_probs, target, blank = case.kwargs["log_probs"], case.kwargs["target"], case.kwargs["blank"]
        ours = solutions.ctc_forward(**case.kwargs)
        assert abs(ours - package_ctc_forward(**case.kwargs)) <= 1e-10 * ours
        loss.blank = blank
        theirs = float(loss(torch.from_numpy(log_probs)[:, None], torch.from_numpy(target)[None],
                            torch.tensor([len(log_probs)]), torch.tensor([len(target)]))[0])
        assert abs(ours - theirs) <= 1e-8 * ours, case.name


def test_the_long_ctc_case_underflows_in_probability_space():
    long_case = next(case for case in get_exercise("ch06.ctc_forward").make_cases() if case.name.startswith("T=800"))
    assert solutions.ctc_forward(**long_case.kwargs) > 800  # p(target | x) < exp(-800) < 1e-308


# --- softmax with temperature: wrong versions ----------------------------------------


def softmax_without_max_subtraction(logits, temperature):
    weights = np.exp(logits / temperature)
    return weights / weights.sum(axis=-1, keepdims=True)


def softmax_multiplying_by_temperature(logits, temperature):
    scaled = logits * temperature
    weights = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def softmax_over_the_batch(logits, temperature):
    scaled = logits / temperature
    weights = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=0, keepdims=True)


def softmax_over_everything(logits, temperature):
    scaled = logits / temperature
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()


def test_softmax_without_max_subtraction_overflows_on_large_logits():
    message = message_of("ch06.softmax_with_temperature", softmax_without_max_subtraction)
    assert message.startswith(
        'ch06.softmax_with_temperature raised FloatingPointError in case "B=2, V=6, temperature=0.1, large logits": '
        "overflow"
    )


def test_softmax_multiplying_by_temperature_is_wrong_once_temperature_is_not_one():
    message = message_of("ch06.softmax_with_temperature", softmax_multiplying_by_temperature)
    assert message.startswith('ch06.softmax_with_temperature: probs is wrong in case "B=3, V=4, temperature=0.5"')


def test_softmax_normalised_over_the_wrong_axis_is_caught_even_with_one_row():
    message = message_of("ch06.softmax_with_temperature", softmax_over_the_batch)
    assert message.startswith('ch06.softmax_with_temperature: probs is wrong in case "B=1, V=5, temperature=1.0"')
    assert "probs is wrong" in message_of("ch06.softmax_with_temperature", softmax_over_everything)


def test_softmax_returning_float32_is_a_dtype_message():
    def float32(logits, temperature):
        return solutions.softmax_with_temperature(logits, temperature).astype(np.float32)

    assert "probs has dtype float32" in message_of("ch06.softmax_with_temperature", float32)


# --- additive attention: wrong versions ----------------------------------------------


def attention_softmax_over_batch(query, keys, W_q, W_k, b, v):
    scores = np.tanh(query @ W_q.T + keys @ W_k.T + b) @ v
    weights = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return weights, (weights[:, :, None] * keys).sum(axis=0)


def attention_without_tanh(query, keys, W_q, W_k, b, v):
    scores = (query @ W_q.T + keys @ W_k.T + b) @ v
    weights = np.exp(scores) / np.exp(scores).sum(axis=0)
    return weights, (weights[:, :, None] * keys).sum(axis=0)


def attention_batch_first_weights(query, keys, W_q, W_k, b, v):
    weights, context = solutions.additive_attention(query, keys, W_q, W_k, b, v)
    return weights.T, context


def attention_plain_average(query, keys, W_q, W_k, b, v):
    weights, _ = solutions.additive_attention(query, keys, W_q, W_k, b, v)
    return weights, keys.mean(axis=0)


def test_attention_softmax_over_the_batch_gives_ones_when_B_is_1():
    message = message_of("ch06.additive_attention", attention_softmax_over_batch)
    assert message.startswith('ch06.additive_attention: weights is wrong in case "T=3, B=1, H=4, E=2, A=5"')
    assert "yours 1," in message


def test_attention_without_tanh_gives_wrong_weights():
    assert message_of("ch06.additive_attention", attention_without_tanh).startswith(
        'ch06.additive_attention: weights is wrong in case "T=3, B=1'
    )


def test_attention_weights_batch_first_give_a_shape_message():
    assert message_of("ch06.additive_attention", attention_batch_first_weights) == (
        'ch06.additive_attention: weights has shape (1, 3) in case "T=3, B=1, H=4, E=2, A=5"; expected (T, B) = (3, 1).'
    )


def test_attention_context_that_ignores_the_weights_is_wrong():
    assert "context is wrong" in message_of("ch06.additive_attention", attention_plain_average)


# --- beam search: wrong versions -----------------------------------------------------


def beam_search_greedy(log_probs_first, log_transition, length, beam_width):
    return solutions.beam_search(log_probs_first, log_transition, length, 1)


def beam_search_ranked_by_last_token(log_probs_first, log_transition, length, beam_width):
    # Ranks extensions by the new token's log-probability, forgetting the prefix's score.
    V = len(log_probs_first)
    beam = sorted(((v,), float(log_probs_first[v]), float(log_probs_first[v])) for v in range(V))
    beam = sorted(beam, key=lambda item: -item[2])[:beam_width]
    for _ in range(length - 1):
        candidates = [
            (tokens + (v,), score + float(log_transition[tokens[-1], v]), float(log_transition[tokens[-1], v]))
            for tokens, score, _ in beam
            for v in range(V)
        ]
        beam = sorted(candidates, key=lambda item: -item[2])[:beam_width]
    tokens, score, _ = max(beam, key=lambda item: item[1])
    return np.array(tokens), score


def beam_search_returning_a_probability(log_probs_first, log_transition, length, beam_width):
    tokens, score = solutions.beam_search(log_probs_first, log_transition, length, beam_width)
    return tokens, float(np.exp(score))


def beam_search_one_step_too_many(log_probs_first, log_transition, length, beam_width):
    return solutions.beam_search(log_probs_first, log_transition, length + 1, beam_width)


def test_greedy_decoding_fails_the_greedy_trap():
    message = message_of("ch06.beam_search", beam_search_greedy)
    assert message.startswith('ch06.beam_search: tokens is wrong in case "V=4, length=3, beam_width=2", first at index (0,)')
    assert "(full: yours [" in message


@pytest.mark.parametrize("seed", range(10))
def test_greedy_and_last_token_ranking_fail_for_every_seed(seed):
    assert "tokens is wrong" in message_of("ch06.beam_search", beam_search_greedy, seed)
    assert "tokens is wrong" in message_of("ch06.beam_search", beam_search_ranked_by_last_token, seed)


def test_ranking_by_the_last_token_fails_the_local_trap():
    message = message_of("ch06.beam_search", beam_search_ranked_by_last_token)
    assert message.startswith('ch06.beam_search: tokens is wrong in case "V=5, length=3, beam_width=2"')


def test_a_probability_instead_of_a_log_probability_is_wrong():
    message = message_of("ch06.beam_search", beam_search_returning_a_probability)
    assert message.startswith('ch06.beam_search: log_prob is wrong in case "V=3, length=1, beam_width=2"')


def test_one_step_too_many_gives_a_shape_message():
    assert message_of("ch06.beam_search", beam_search_one_step_too_many) == (
        'ch06.beam_search: tokens has shape (2,) in case "V=3, length=1, beam_width=2"; expected (L,) = (1,).'
    )


def test_tokens_as_floats_give_a_dtype_message():
    def floats(log_probs_first, log_transition, length, beam_width):
        tokens, score = solutions.beam_search(log_probs_first, log_transition, length, beam_width)
        return tokens.astype(float), score

    assert "tokens has dtype float64" in message_of("ch06.beam_search", floats)


# --- CTC collapse: wrong versions ----------------------------------------------------


def collapse_blanks_first(path, blank):
    kept = [int(s) for s in path if s != blank]
    return np.array([s for i, s in enumerate(kept) if i == 0 or s != kept[i - 1]], dtype=np.int64)


def collapse_keeping_blanks(path, blank):
    return np.array([int(s) for i, s in enumerate(path) if i == 0 or s != path[i - 1]], dtype=np.int64)


def collapse_with_blank_zero(path, blank):
    return solutions.ctc_collapse(path, 0)


def collapse_keeping_repeats(path, blank):
    return np.array([int(s) for s in path if s != blank], dtype=np.int64)


def test_removing_blanks_before_merging_loses_the_double_letter():
    assert message_of("ch06.ctc_collapse", collapse_blanks_first) == (
        'ch06.ctc_collapse: labels has shape (2,) in case "T=7, blank=0, path=[1, 1, 0, 1, 2, 2, 0]"; expected (L,) = (3,).'
    )


def test_forgetting_to_remove_blanks_is_caught():
    assert "labels has shape (5,)" in message_of("ch06.ctc_collapse", collapse_keeping_blanks)


def test_hard_coded_blank_zero_fails_when_the_blank_is_another_symbol():
    message = message_of("ch06.ctc_collapse", collapse_with_blank_zero)
    assert message.startswith('ch06.ctc_collapse: labels has shape') and "blank=3" in message


def test_keeping_repeats_is_caught_on_the_smallest_repeat():
    assert message_of("ch06.ctc_collapse", collapse_keeping_repeats).startswith(
        'ch06.ctc_collapse: labels has shape (5,) in case "T=7, blank=0'
    )


def test_collapse_may_return_a_list():
    assert check_exercise(get_exercise("ch06.ctc_collapse"), lambda path, blank: solutions.ctc_collapse(path, blank).tolist()).passed


# --- CTC forward: wrong versions -----------------------------------------------------


def ctc_variant(log_probs, target, blank, *, skip_repeats=False, last_state_only=False,
                probability_space=False, start_on_blank_only=False):
    """The forward recursion with one of four typical mistakes switched on."""
    z = np.full(2 * len(target) + 1, blank)
    z[1::2] = target
    S = len(z)
    if probability_space:
        log_probs = np.exp(log_probs)  # probabilities, multiplied and added directly
    add = np.add if probability_space else np.logaddexp
    zero = 0.0 if probability_space else -np.inf
    times = np.multiply if probability_space else np.add
    alpha = np.full(S, zero)
    alpha[0] = log_probs[0, z[0]]
    if S > 1 and not start_on_blank_only:
        alpha[1] = log_probs[0, z[1]]
    for t in range(1, log_probs.shape[0]):
        new = np.full(S, zero)
        for s in range(S):
            total = alpha[s]
            if s >= 1:
                total = add(total, alpha[s - 1])
            if s >= 2 and z[s] != blank and (skip_repeats or z[s] != z[s - 2]):
                total = add(total, alpha[s - 2])
            new[s] = times(total, log_probs[t, z[s]])
        alpha = new
    final = alpha[-1:] if last_state_only else alpha[-2:]
    if probability_space:
        return -float(np.log(final.sum()))
    return -float(np.logaddexp.reduce(final))


def test_ctc_variant_without_mistakes_passes():
    assert check_exercise(get_exercise("ch06.ctc_forward"), lambda log_probs, target, blank: ctc_variant(log_probs, target, blank)).passed


def test_ctc_skipping_between_repeated_labels_is_wrong():
    message = message_of("ch06.ctc_forward", lambda log_probs, target, blank: ctc_variant(log_probs, target, blank, skip_repeats=True))
    assert message.startswith('ch06.ctc_forward: nll is wrong in case "T=4, V=3, target=[2, 2], blank=0"')


def test_ctc_forgetting_the_second_final_state_is_wrong():
    message = message_of("ch06.ctc_forward", lambda log_probs, target, blank: ctc_variant(log_probs, target, blank, last_state_only=True))
    assert message.startswith('ch06.ctc_forward: nll is wrong in case "T=2, V=3, target=[1], blank=0"')


def test_ctc_in_probability_space_underflows_on_the_long_case():
    message = message_of("ch06.ctc_forward", lambda log_probs, target, blank: ctc_variant(log_probs, target, blank, probability_space=True))
    assert message.startswith('ch06.ctc_forward: nll contains inf in case "T=800, V=4, U=')


def test_ctc_starting_only_on_the_blank_is_wrong():
    message = message_of("ch06.ctc_forward", lambda log_probs, target, blank: ctc_variant(log_probs, target, blank, start_on_blank_only=True))
    assert message.startswith('ch06.ctc_forward: nll is wrong in case "T=2, V=3, target=[1], blank=0"')


def test_ctc_returning_the_log_likelihood_has_the_wrong_sign():
    message = message_of("ch06.ctc_forward", lambda log_probs, target, blank: -solutions.ctc_forward(log_probs, target, blank))
    assert "yours -2.11556, expected 2.11556" in message
