"""Decoding and CTC: beam search beats greedy where it should, CTC matches torch and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from companion.scratch.decoding import (
    beam_search,
    ctc_collapse,
    ctc_extend,
    ctc_forward,
    ctc_greedy_decode,
    ctc_labelling_log_probs,
    ctc_prefix_beam_search,
    exhaustive_search,
    greedy_search,
    markov_step,
    sequence_log_prob,
)
from companion.scratch.losses import log_softmax


def random_log_probs(rng: np.random.Generator, T: int, V: int, scale: float = 1.5) -> np.ndarray:
    return log_softmax(scale * rng.normal(size=(T, V)))


def torch_ctc_nll(log_probs: np.ndarray, target, blank: int) -> float:
    """torch.nn.CTCLoss(reduction='none') for one sequence, in float64."""
    loss = torch.nn.CTCLoss(blank=blank, reduction="none", zero_infinity=False)
    lp = torch.from_numpy(log_probs)[:, None, :]  # (T, 1, V)
    target = torch.as_tensor(np.asarray(target, dtype=np.int64))
    return float(loss(lp, target[None], torch.tensor([log_probs.shape[0]]), torch.tensor([len(target)]))[0])


# --- CTC: collapsing ---------------------------------------------------------------


def test_collapse_merges_repeats_then_removes_blanks():
    assert ctc_collapse([1, 1, 0, 1, 2, 2, 0], blank=0).tolist() == [1, 1, 2]
    assert ctc_collapse([1, 1, 1], blank=0).tolist() == [1]
    assert ctc_collapse([0, 0, 0], blank=0).tolist() == []
    assert ctc_collapse([3, 0, 3, 3, 1], blank=3).tolist() == [0, 1]
    assert ctc_collapse([], blank=0).dtype == np.int64


def test_extended_sequence_has_blanks_around_every_label():
    assert ctc_extend([2, 2, 5], blank=0).tolist() == [0, 2, 0, 2, 0, 5, 0]
    assert ctc_extend([], blank=4).tolist() == [4]


# --- CTC: the forward algorithm ----------------------------------------------------

CASES = [
    # (T, V, target, blank)
    (1, 3, [], 0),
    (1, 3, [2], 0),
    (4, 3, [1, 1], 0),
    (7, 5, [2, 2, 2, 3], 0),
    (5, 4, [], 0),
    (9, 6, [1, 3, 3, 1], 2),
    (12, 7, [6, 5, 6], 0),
    (20, 4, [1, 2, 0, 1, 2], 3),
    (30, 10, [9, 9, 1, 9, 9], 0),
    (50, 3, [1, 2, 1, 1, 2, 2, 1], 0),
]


@pytest.mark.parametrize("T, V, target, blank", CASES)
def test_ctc_forward_matches_torch_ctc_loss_in_float64(T, V, target, blank):
    rng = np.random.default_rng((T, V, len(target)))
    log_probs = random_log_probs(rng, T, V)
    ours = ctc_forward(log_probs, np.array(target, dtype=np.int64), blank)
    theirs = torch_ctc_nll(log_probs, target, blank)
    assert abs(ours - theirs) <= 1e-8 * max(1.0, abs(theirs)), (ours, theirs)


def test_ctc_forward_matches_torch_on_random_batches_with_varied_lengths():
    rng = np.random.default_rng(2006)
    for trial in range(5):
        V, blank, B = int(rng.integers(3, 8)), 0, 4
        input_lengths = rng.integers(6, 25, size=B)
        targets = [rng.integers(1, V, size=int(rng.integers(0, 5))) for _ in range(B)]
        T = int(input_lengths.max())
        log_probs = log_softmax(rng.normal(size=(T, B, V)) * 2.0)
        loss = torch.nn.CTCLoss(blank=blank, reduction="none")(
            torch.from_numpy(log_probs),
            torch.from_numpy(np.concatenate(targets).astype(np.int64)),
            torch.from_numpy(input_lengths),
            torch.tensor([len(t) for t in targets]),
        ).numpy()
        ours = [ctc_forward(log_probs[: input_lengths[b], b], targets[b], blank) for b in range(B)]
        np.testing.assert_allclose(ours, loss, rtol=1e-8, atol=0, err_msg=f"trial {trial}")


def test_ctc_forward_sum_reduction_equals_sum_of_ours():
    rng = np.random.default_rng(5)
    log_probs = log_softmax(rng.normal(size=(8, 3, 5)))
    targets = [np.array([1, 2]), np.array([3, 3]), np.array([], dtype=np.int64)]
    total = torch.nn.CTCLoss(reduction="sum")(
        torch.from_numpy(log_probs), torch.from_numpy(np.concatenate(targets).astype(np.int64)),
        torch.tensor([8, 8, 8]), torch.tensor([2, 2, 0]),
    )
    ours = sum(ctc_forward(log_probs[:, b], targets[b]) for b in range(3))
    assert abs(ours - float(total)) < 1e-8 * abs(ours)


def test_ctc_forward_equals_brute_force_sum_over_alignments():
    rng = np.random.default_rng(11)
    log_probs = random_log_probs(rng, T=5, V=3)
    table = ctc_labelling_log_probs(log_probs, blank=0)
    for labels, log_p in table.items():
        assert abs(ctc_forward(log_probs, np.array(labels, dtype=np.int64), 0) + log_p) < 1e-12
    # Every path collapses to exactly one labelling, so the probabilities add up to one.
    assert abs(np.logaddexp.reduce(list(table.values()))) < 1e-12


def test_ctc_forward_infeasible_target_gives_inf_like_torch():
    rng = np.random.default_rng(3)
    log_probs = random_log_probs(rng, T=3, V=4)
    for target in ([1, 1, 2], [1, 2, 3, 1], [2, 2, 2]):  # need 4, 4 and 5 frames
        assert ctc_forward(log_probs, np.array(target), 0) == np.inf
        assert torch_ctc_nll(log_probs, target, 0) == np.inf
    # Just long enough: [1, 1] needs a blank between the two labels, so 3 frames.
    assert np.isfinite(ctc_forward(log_probs, np.array([1, 1]), 0))
    assert ctc_forward(log_probs[:2], np.array([1, 1]), 0) == np.inf


def test_ctc_forward_alpha_lattice_has_expected_shape_and_reachability():
    rng = np.random.default_rng(4)
    log_probs = random_log_probs(rng, T=6, V=4)
    nll, log_alpha = ctc_forward(log_probs, np.array([1, 1, 2]), 0, return_alpha=True)
    assert log_alpha.shape == (6, 7)
    assert np.all(np.isneginf(log_alpha[0, 2:]))  # only the first blank and first label at t = 1
    assert np.isneginf(log_alpha[1, 4])  # the second 1 cannot be reached by t = 2: a blank must come first
    assert abs(nll + np.logaddexp(log_alpha[-1, -1], log_alpha[-1, -2])) < 1e-12


def test_ctc_forward_does_not_underflow_on_long_inputs():
    rng = np.random.default_rng(8)
    log_probs = random_log_probs(rng, T=2000, V=5)
    target = rng.integers(1, 5, size=40)
    nll = ctc_forward(log_probs, target, 0)
    assert np.isfinite(nll) and nll > 745  # exp(-745) is below the smallest float64
    assert abs(nll - torch_ctc_nll(log_probs, target, 0)) < 1e-8 * nll


def test_ctc_forward_validates_its_inputs():
    log_probs = np.log(np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"log_probs must be \(T, V\)"):
        ctc_forward(log_probs[0], np.array([1]), 0)
    with pytest.raises(ValueError, match="must not contain the blank"):
        ctc_forward(log_probs, np.array([1, 0]), 0)
    with pytest.raises(ValueError, match=r"target must hold integers in \[0, V\) = \[0, 3\)"):
        ctc_forward(log_probs, np.array([3]), 0)
    with pytest.raises(ValueError, match="blank must be in"):
        ctc_forward(log_probs, np.array([1]), 3)


# --- CTC: decoding -----------------------------------------------------------------


def test_best_path_can_miss_the_most_probable_labelling():
    # Two frames, blank or "a": the empty labelling has the single best path (0.36),
    # but "a" collects three paths (0.16 + 0.24 + 0.24 = 0.64).
    log_probs = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    assert ctc_greedy_decode(log_probs, 0).tolist() == []
    table = ctc_labelling_log_probs(log_probs, 0)
    assert max(table, key=table.get) == (1,)
    np.testing.assert_allclose(np.exp(table[(1,)]), 0.64)
    assert ctc_prefix_beam_search(log_probs, beam_width=3, blank=0)[0][0] == (1,)


def test_prefix_beam_search_with_a_wide_beam_is_exact():
    rng = np.random.default_rng(12)
    log_probs = random_log_probs(rng, T=5, V=3)
    table = ctc_labelling_log_probs(log_probs, blank=0)
    results = ctc_prefix_beam_search(log_probs, beam_width=len(table), blank=0)
    assert len(results) == len(table)
    for labels, log_p in results:
        assert abs(log_p - table[labels]) < 1e-12
    assert results[0][0] == max(table, key=table.get)


def test_prefix_beam_search_respects_a_nonzero_blank():
    rng = np.random.default_rng(13)
    log_probs = random_log_probs(rng, T=4, V=3)
    table = ctc_labelling_log_probs(log_probs, blank=2)
    [(labels, log_p), *_] = ctc_prefix_beam_search(log_probs, beam_width=50, blank=2)
    assert labels == max(table, key=table.get) and abs(log_p - table[labels]) < 1e-12


def test_greedy_decode_takes_argmax_then_collapses():
    log_probs = np.log(np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.6, 0.3]]))
    assert ctc_greedy_decode(log_probs, 0).tolist() == [1, 1]


# --- autoregressive decoding -------------------------------------------------------


def trap_model() -> tuple[np.ndarray, np.ndarray]:
    """Token 0 is the likeliest start but every continuation after it is uncertain."""
    first = np.log([0.5, 0.4, 0.1])
    transition = np.log([[0.34, 0.33, 0.33], [0.05, 0.9, 0.05], [0.2, 0.2, 0.6]])
    return first, transition


def test_beam_search_finds_a_better_sequence_than_greedy():
    step = markov_step(*trap_model())
    greedy = greedy_search(step, None, max_length=3)
    [best, *_] = beam_search(step, None, max_length=3, beam_width=2)
    assert greedy.tokens == (0, 0, 0)
    assert best.tokens == (1, 1, 1)
    assert best.log_prob > greedy.log_prob
    assert best == exhaustive_search(step, None, 3, 3)


def test_beam_of_width_one_is_greedy_and_scores_are_sums_of_log_probs():
    rng = np.random.default_rng(1)
    step = markov_step(log_softmax(rng.normal(size=5)), log_softmax(rng.normal(size=(5, 5))))
    greedy = greedy_search(step, None, max_length=6)
    [one] = beam_search(step, None, max_length=6, beam_width=1)
    assert one.tokens == greedy.tokens
    assert abs(one.log_prob - greedy.log_prob) < 1e-12
    assert abs(greedy.log_prob - sequence_log_prob(step, None, greedy.tokens)) < 1e-12


def test_a_beam_that_prunes_nothing_is_exact_on_random_markov_models():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        V, length = 4, 4
        step = markov_step(log_softmax(2 * rng.normal(size=V)), log_softmax(2 * rng.normal(size=(V, V))))
        exact = exhaustive_search(step, None, length, V)
        # V ** (length - 1) hypotheses are all the prefixes before the last step.
        [best, *_] = beam_search(step, None, length, beam_width=V ** (length - 1))
        assert best.tokens == exact.tokens
        assert abs(best.log_prob - exact.log_prob) < 1e-12


def test_end_token_finishes_hypotheses_and_length_normalisation_reranks():
    # Token 2 ends the sequence. Ending at once is likely (0.3) but a long
    # sequence of confident tokens has a better mean log-probability.
    first = np.log([0.7, 0.0 + 1e-12, 0.3])
    transition = np.log([[0.75, 1e-12, 0.25], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]])
    step = markov_step(first, transition)
    plain = beam_search(step, None, max_length=5, beam_width=3, end_token=2)
    normalised = beam_search(step, None, max_length=5, beam_width=3, end_token=2, length_alpha=1.0)
    assert plain[0].tokens == (2,)
    assert normalised[0].tokens == (0, 0, 0, 0, 0)
    assert all(h.tokens[-1] == 2 or len(h.tokens) == 5 for h in plain)
    assert greedy_search(step, None, max_length=5, end_token=0).tokens == (0,)


def test_beam_search_and_markov_step_validate_arguments():
    step = markov_step(*trap_model())
    with pytest.raises(ValueError, match="beam_width must be at least 1"):
        beam_search(step, None, max_length=3, beam_width=0)
    with pytest.raises(ValueError, match="max_length must be at least 1"):
        greedy_search(step, None, max_length=0)
    with pytest.raises(ValueError, match=r"log_transition must be \(V, V\) = \(3, 3\)"):
        markov_step(np.zeros(3), np.zeros((3, 4)))


def test_exhaustive_search_tries_every_sequence():
    first, transition = trap_model()
    step = markov_step(first, transition)
    scores = {tokens: sequence_log_prob(step, None, tokens) for tokens in itertools.product(range(3), repeat=2)}
    best = exhaustive_search(step, None, 2, 3)
    assert best.tokens == max(scores, key=scores.get)
    assert abs(np.logaddexp.reduce(list(scores.values()))) < 1e-12
