"""Chapter 9's exercises: the references are right, and typical mistakes fail with a clear message."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from companion.scratch.char_model import embedding_backward as package_embedding_backward
from companion.exercises import EXERCISES
from companion.exercises.checking import check_exercise
from companion.scratch.losses import softmax_cross_entropy as package_softmax_cross_entropy
from companion.scratch.optim import Adagrad
from companion.solutions import ch09 as solutions
from companion.data.text_data import batchify, bigram_bits, bigram_log_probs, bptt_chunks
from exercise_messages import message_of

CH09 = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch09.")]


# --- the cases and the references ----------------------------------------------------


def test_chapter_has_its_exercises():
    assert sorted(CH09) == sorted([
        "ch09.softmax_cross_entropy", "ch09.embedding_backward", "ch09.adagrad_step",
        "ch09.truncated_bptt_chunks", "ch09.bigram_bits_per_character",
        "ch09.sample_with_temperature", "ch09.train_step_carried",
    ])


@pytest.mark.parametrize("exercise_id", CH09)
def test_inputs_are_float64_arrays_or_integers(exercise_id):
    for case in EXERCISES[exercise_id].make_cases():
        for name, value in case.kwargs.items():
            if isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f":
                assert value.dtype == np.float64, (case.name, name)
            elif isinstance(value, np.ndarray):
                assert value.dtype == np.int64, (case.name, name)
            else:
                assert isinstance(value, int), (case.name, name)


@pytest.mark.parametrize("exercise_id", CH09)
def test_named_sizes_differ_within_each_case(exercise_id):
    for case in EXERCISES[exercise_id].make_cases():
        assert len(set(case.dims.values())) == len(case.dims), case.name


@pytest.mark.parametrize("exercise_id", CH09)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_passes_for_other_seeds(exercise_id, seed):
    exercise = EXERCISES[exercise_id]
    result = check_exercise(exercise, exercise.reference, seed=seed)
    assert result.passed, result.message


def test_softmax_reference_matches_the_package_and_torch():
    for case in EXERCISES["ch09.softmax_cross_entropy"].make_cases():
        logits, targets = case.kwargs["logits"], case.kwargs["targets"]
        loss, dlogits = solutions.softmax_cross_entropy(logits, targets)
        package_loss, package_d = package_softmax_cross_entropy(logits, targets)
        logits_t = torch.tensor(logits, requires_grad=True)
        torch_loss = torch.nn.functional.cross_entropy(logits_t, torch.tensor(targets))
        torch_loss.backward()
        assert loss == pytest.approx(package_loss, rel=1e-12) and loss == pytest.approx(torch_loss.item(), rel=1e-12)
        np.testing.assert_allclose(dlogits, package_d, rtol=0, atol=1e-14)
        np.testing.assert_allclose(dlogits, logits_t.grad.numpy(), rtol=0, atol=1e-14)


def test_softmax_gradient_matches_finite_differences():
    case = EXERCISES["ch09.softmax_cross_entropy"].make_cases()[1]
    logits, targets = case.kwargs["logits"], case.kwargs["targets"]
    _, dlogits = solutions.softmax_cross_entropy(logits, targets)
    eps, numerical = 1e-6, np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[index] += eps
        minus[index] -= eps
        numerical[index] = (solutions.softmax_cross_entropy(plus, targets)[0]
                            - solutions.softmax_cross_entropy(minus, targets)[0]) / (2 * eps)
    np.testing.assert_allclose(dlogits, numerical, rtol=1e-6, atol=1e-9)


def test_embedding_reference_matches_one_hot_product_and_package():
    for case in EXERCISES["ch09.embedding_backward"].make_cases():
        ids, d_x, V = case.kwargs["ids"], case.kwargs["d_x"], case.kwargs["vocab_size"]
        one_hot = np.eye(V)[ids.ravel()]  # (T*B, V)
        expected = one_hot.T @ d_x.reshape(-1, d_x.shape[-1])
        np.testing.assert_allclose(solutions.embedding_backward(ids, d_x, V), expected, atol=1e-14)
        np.testing.assert_allclose(package_embedding_backward(ids, d_x, V), expected, atol=1e-14)


def test_every_embedding_case_repeats_an_id():
    for case in EXERCISES["ch09.embedding_backward"].make_cases():
        ids = case.kwargs["ids"].ravel()
        assert len(np.unique(ids)) < len(ids), case.name


def test_adagrad_reference_matches_the_package_optimiser():
    for case in EXERCISES["ch09.adagrad_step"].make_cases():
        kw = case.kwargs
        optimizer = Adagrad(lr=float(kw["lr"]), eps=float(kw["eps"]))
        params = {"W": kw["param"].copy()}
        optimizer.state["W"] = {"s": kw["sum_sq"].copy()}
        optimizer.step(params, {"W": kw["grad"]})
        new_param, new_sum_sq = solutions.adagrad_step(**kw)
        np.testing.assert_allclose(new_param, params["W"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(new_sum_sq, optimizer.state["W"]["s"], rtol=0, atol=1e-15)


def test_adagrad_first_step_moves_every_weight_by_about_lr():
    case = EXERCISES["ch09.adagrad_step"].make_cases()[0]
    new_param, _ = solutions.adagrad_step(**case.kwargs)
    np.testing.assert_allclose(np.abs(new_param - case.kwargs["param"]), case.kwargs["lr"], rtol=1e-8)


def test_chunks_reference_matches_the_package_streams():
    for case in EXERCISES["ch09.truncated_bptt_chunks"].make_cases():
        kw = case.kwargs
        inputs, targets = solutions.truncated_bptt_chunks(**kw)
        chunks = list(bptt_chunks(batchify(kw["ids"], kw["batch_size"]), kw["seq_len"]))
        np.testing.assert_array_equal(inputs, np.stack([c[0] for c in chunks]))
        np.testing.assert_array_equal(targets, np.stack([c[1] for c in chunks]))
        # The chunks of one stream, read in order, are a contiguous piece of the text.
        stream0 = np.concatenate(list(inputs[:, :, 0]))
        start = int(np.flatnonzero(kw["ids"] == stream0[0])[0])
        np.testing.assert_array_equal(stream0, kw["ids"][start : start + len(stream0)])


def test_bigram_reference_matches_the_package_tables():
    for case in EXERCISES["ch09.bigram_bits_per_character"].make_cases():
        kw = case.kwargs
        log_probs = bigram_log_probs(kw["train_ids"], kw["vocab_size"], float(kw["alpha"]))
        expected = bigram_bits(log_probs, kw["valid_ids"][:-1], kw["valid_ids"][1:])
        assert solutions.bigram_bits_per_character(**kw) == pytest.approx(expected, rel=1e-12)


def test_a_leak_lowers_the_bigram_score_by_more_than_a_tenth_of_a_bit_in_every_case():
    # The chapter's solution text says the drop is larger here than on its large text (below 0.1 there).
    for case in EXERCISES["ch09.bigram_bits_per_character"].make_cases()[:3]:  # the fixed sizes
        kw = case.kwargs
        leaky = solutions.bigram_bits_per_character(np.concatenate([kw["train_ids"], kw["valid_ids"]]),
                                                    kw["valid_ids"], kw["vocab_size"], kw["alpha"])
        assert solutions.bigram_bits_per_character(**kw) - leaky > 0.1, case.name


def test_bigram_cases_have_pairs_unseen_in_training():
    unseen = 0
    for case in EXERCISES["ch09.bigram_bits_per_character"].make_cases():
        train, valid = case.kwargs["train_ids"], case.kwargs["valid_ids"]
        seen = set(zip(train[:-1].tolist(), train[1:].tolist()))
        unseen += sum(pair not in seen for pair in zip(valid[:-1].tolist(), valid[1:].tolist()))
    assert unseen > 0


# --- deliberately wrong implementations ----------------------------------------------

# softmax_cross_entropy


def softmax_ce_naive(logits, targets):
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # overflows for large logits
    B = len(targets)
    loss = -np.log(probs[np.arange(B), targets]).mean()
    d = probs.copy()
    d[np.arange(B), targets] -= 1
    return float(loss), d / B


def softmax_ce_gradient_not_averaged(logits, targets):
    loss, dlogits = solutions.softmax_cross_entropy(logits, targets)
    return loss, dlogits * len(targets)


def softmax_ce_summed_loss(logits, targets):
    loss, dlogits = solutions.softmax_cross_entropy(logits, targets)
    return loss * len(targets), dlogits


def softmax_ce_probs_as_gradient(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return float(-np.log(probs[np.arange(len(targets)), targets]).mean()), probs / len(targets)


def test_naive_softmax_gives_nan_on_large_logits():
    message = message_of("ch09.softmax_cross_entropy", softmax_ce_naive)
    assert message.startswith('ch09.softmax_cross_entropy raised FloatingPointError in case "B=3, V=6, large logits"')
    assert "np.errstate(over='raise', invalid='raise', divide='raise')" in message


def test_gradient_not_divided_by_B_fails_on_the_first_batch_above_one():
    message = message_of("ch09.softmax_cross_entropy", softmax_ce_gradient_not_averaged)
    assert message.startswith('ch09.softmax_cross_entropy: dlogits is wrong in case "B=4, V=5": largest relative error')


def test_summed_loss_fails_on_the_loss():
    message = message_of("ch09.softmax_cross_entropy", softmax_ce_summed_loss)
    assert message.startswith('ch09.softmax_cross_entropy: loss is wrong in case "B=4, V=5": largest relative error')


def test_forgetting_the_one_hot_fails_on_the_gradient():
    message = message_of("ch09.softmax_cross_entropy", softmax_ce_probs_as_gradient)
    assert message.startswith('ch09.softmax_cross_entropy: dlogits is wrong in case "B=1, V=3"')


# embedding_backward


def embedding_fancy_index(ids, d_x, vocab_size):
    dW = np.zeros((vocab_size, d_x.shape[-1]))
    dW[ids.ravel()] += d_x.reshape(-1, d_x.shape[-1])  # a repeated id is written once, not added twice
    return dW


def embedding_transposed(ids, d_x, vocab_size):
    return solutions.embedding_backward(ids, d_x, vocab_size).T


def embedding_summed_rows(ids, d_x, vocab_size):
    dW = np.zeros((vocab_size, d_x.shape[-1]))
    dW[np.unique(ids)] = d_x.reshape(-1, d_x.shape[-1]).sum(axis=0)  # every used row gets the total
    return dW


def test_fancy_index_assignment_loses_repeated_ids():
    message = message_of("ch09.embedding_backward", embedding_fancy_index)
    assert message.startswith('ch09.embedding_backward: dW is wrong in case "T=4, B=1, E=3, V=6": largest relative error')


def test_transposed_embedding_gradient_gives_shape_message():
    message = message_of("ch09.embedding_backward", embedding_transposed)
    assert message == (
        'ch09.embedding_backward: dW has shape (3, 6) in case "T=4, B=1, E=3, V=6"; expected (V, E) = (6, 3).'
    )


def test_giving_every_used_row_the_total_fails():
    assert "dW is wrong" in message_of("ch09.embedding_backward", embedding_summed_rows)


# adagrad_step


def adagrad_without_accumulation(param, grad, sum_sq, lr, eps):
    new_sum_sq = grad**2  # forgets the history: the step no longer shrinks
    return param - lr * grad / (np.sqrt(new_sum_sq) + eps), new_sum_sq


def adagrad_with_old_sum(param, grad, sum_sq, lr, eps):
    new_param = param - lr * grad / (np.sqrt(sum_sq) + eps)  # divides by the sum before this gradient
    return new_param, sum_sq + grad**2


def adagrad_eps_inside_sqrt(param, grad, sum_sq, lr, eps):
    new_sum_sq = sum_sq + grad**2
    return param - lr * grad / np.sqrt(new_sum_sq + eps), new_sum_sq


def adagrad_without_sqrt(param, grad, sum_sq, lr, eps):
    new_sum_sq = sum_sq + grad**2
    return param - lr * grad / (new_sum_sq + eps), new_sum_sq


def test_adagrad_without_accumulation_fails_after_the_first_step():
    message = message_of("ch09.adagrad_step", adagrad_without_accumulation)
    assert message.startswith('ch09.adagrad_step: new_param is wrong in case "H=4, D=2, lr=0.05, eps=1e-10, gradients ~1"')


def test_adagrad_with_the_old_sum_explodes_on_the_first_step():
    message = message_of("ch09.adagrad_step", adagrad_with_old_sum)
    assert message.startswith('ch09.adagrad_step: new_param is wrong in case "H=3, D=4, lr=0.1, eps=1e-10, first step"')


def test_adagrad_eps_inside_the_square_root_fails_on_the_large_eps_case():
    message = message_of("ch09.adagrad_step", adagrad_eps_inside_sqrt)
    assert message.startswith('ch09.adagrad_step: new_param is wrong in case "H=2, D=5, lr=0.1, eps=0.5, gradients ~1"')


def test_adagrad_without_square_root_fails():
    assert "new_param is wrong" in message_of("ch09.adagrad_step", adagrad_without_sqrt)


# truncated_bptt_chunks


def chunks_interleaved(ids, batch_size, seq_len):
    L = len(ids) // batch_size
    streams = ids[: L * batch_size].reshape(L, batch_size)  # consecutive ids land in different streams
    K = (L - 1) // seq_len
    inputs = np.stack([streams[k * seq_len : (k + 1) * seq_len] for k in range(K)])
    targets = np.stack([streams[k * seq_len + 1 : (k + 1) * seq_len + 1] for k in range(K)])
    return inputs, targets


def chunks_one_too_many(ids, batch_size, seq_len):
    L = len(ids) // batch_size
    streams = ids[: L * batch_size].reshape(batch_size, L).T
    K = L // seq_len  # the last chunk's last target falls off the end
    inputs = np.stack([streams[k * seq_len : (k + 1) * seq_len] for k in range(K)])
    targets = np.stack([streams[k * seq_len + 1 : (k + 1) * seq_len + 1] for k in range(K)])
    return inputs, targets


def chunks_unshifted_targets(ids, batch_size, seq_len):
    inputs, _ = solutions.truncated_bptt_chunks(ids, batch_size, seq_len)
    return inputs, inputs.copy()


def chunks_batch_first(ids, batch_size, seq_len):
    inputs, targets = solutions.truncated_bptt_chunks(ids, batch_size, seq_len)
    return inputs.transpose(0, 2, 1), targets.transpose(0, 2, 1)


def test_interleaved_streams_fail_with_both_sequences_shown():
    message = message_of("ch09.truncated_bptt_chunks", chunks_interleaved)
    assert message.startswith('ch09.truncated_bptt_chunks: inputs is wrong in case "N=50, B=2, T=5", first at index (0, 0, 1)')
    assert "(full: yours [" in message


def test_one_chunk_too_many_fails_when_L_is_a_multiple_of_T():
    message = message_of("ch09.truncated_bptt_chunks", chunks_one_too_many)
    assert message.startswith('ch09.truncated_bptt_chunks raised ValueError in case "N=50, B=2, T=5"')


def test_unshifted_targets_fail():
    message = message_of("ch09.truncated_bptt_chunks", chunks_unshifted_targets)
    assert message.startswith('ch09.truncated_bptt_chunks: targets is wrong in case "N=23, B=1, T=4", first at index (0, 0, 0)')


def test_batch_first_chunks_give_a_shape_message():
    message = message_of("ch09.truncated_bptt_chunks", chunks_batch_first)
    assert message == (
        'ch09.truncated_bptt_chunks: inputs has shape (5, 1, 4) in case "N=23, B=1, T=4"; expected (K, T, B) = (5, 4, 1).'
    )


# bigram_bits_per_character


def bigram_fitted_on_validation(train_ids, valid_ids, vocab_size, alpha):
    everything = np.concatenate([train_ids, valid_ids])  # the validation text leaks into the counts
    return solutions.bigram_bits_per_character(everything, valid_ids, vocab_size, alpha)


def bigram_in_nats(train_ids, valid_ids, vocab_size, alpha):
    return solutions.bigram_bits_per_character(train_ids, valid_ids, vocab_size, alpha) * math.log(2)


def bigram_fancy_index_counts(train_ids, valid_ids, vocab_size, alpha):
    counts = np.full((vocab_size, vocab_size), alpha)
    counts[train_ids[:-1], train_ids[1:]] += 1.0  # each distinct pair counted once
    probs = counts / counts.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log2(probs[valid_ids[:-1], valid_ids[1:]])))


def bigram_normalised_over_columns(train_ids, valid_ids, vocab_size, alpha):
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    probs = counts / counts.sum(axis=0, keepdims=True)  # p(previous | next), not p(next | previous)
    return float(-np.mean(np.log2(probs[valid_ids[:-1], valid_ids[1:]])))


def test_fitting_on_validation_text_is_caught():
    message = message_of("ch09.bigram_bits_per_character", bigram_fitted_on_validation)
    assert message.startswith(
        'ch09.bigram_bits_per_character: bpc is wrong in case "N_train=40, N_valid=12, V=3, alpha=1.0": largest relative error'
    )


def test_nats_instead_of_bits_is_caught():
    assert "bpc is wrong" in message_of("ch09.bigram_bits_per_character", bigram_in_nats)


def test_counting_pairs_by_fancy_index_is_caught():
    assert "bpc is wrong" in message_of("ch09.bigram_bits_per_character", bigram_fancy_index_counts)


def test_normalising_the_wrong_axis_is_caught():
    assert "bpc is wrong" in message_of("ch09.bigram_bits_per_character", bigram_normalised_over_columns)


# --- ch09.sample_with_temperature -----------------------------------------------------


def test_sampling_reference_draws_with_the_softmax_probabilities():
    """Inverse-CDF sampling with uniform u gives id k with probability softmax(z / tau)[k]."""
    rng = np.random.default_rng(0)
    logits = np.array([[2.0, 0.5, -1.0, 1.0]])
    for temperature in (0.5, 1.0, 3.0):
        draws = [int(solutions.sample_with_temperature(logits, temperature, rng.uniform(size=1))[0])
                 for _ in range(20000)]
        probs = torch.softmax(torch.tensor(logits[0] / temperature), dim=0).numpy()
        np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, probs, atol=0.015)


def test_sampling_cases_keep_u_away_from_the_cumulative_sums():
    for case in EXERCISES["ch09.sample_with_temperature"].make_cases():
        kw = case.kwargs
        scaled = kw["logits"] / kw["temperature"]
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        gaps = np.abs(cdf - kw["u"][:, None]).min(axis=1)
        assert (gaps > 1e-7).all() or "B=2, V=7" in case.name, case.name


def sampling_times_temperature(logits, temperature, u):
    return solutions.sample_with_temperature(logits * temperature**2, temperature, u)  # z * tau, not z / tau


def sampling_without_max(logits, temperature, u):
    probs = np.exp(logits / temperature)
    probs /= probs.sum(axis=1, keepdims=True)
    return (np.cumsum(probs, axis=1) <= u[:, None]).sum(axis=1)


def sampling_argmax(logits, temperature, u):
    return np.argmax(logits, axis=1)


def sampling_one_too_far(logits, temperature, u):
    return np.minimum(solutions.sample_with_temperature(logits, temperature, u) + 1, logits.shape[1] - 1)


def sampling_float_ids(logits, temperature, u):
    return solutions.sample_with_temperature(logits, temperature, u).astype(float)


def sampling_with_own_random_numbers(logits, temperature, u):
    return solutions.sample_with_temperature(logits, temperature, np.random.default_rng(1).uniform(size=u.shape))


def test_sampling_with_z_times_tau_is_wrong():
    message = message_of("ch09.sample_with_temperature", sampling_times_temperature)
    assert message.startswith('ch09.sample_with_temperature: ids is wrong in case "B=3, V=6, temperature=0.02, large logits"')
    assert "(full: yours [" in message


def test_sampling_without_the_max_overflows_at_a_small_temperature():
    message = message_of("ch09.sample_with_temperature", sampling_without_max)
    assert message.startswith('ch09.sample_with_temperature raised FloatingPointError in case '
                              '"B=3, V=6, temperature=0.02, large logits": overflow')


def test_sampling_by_argmax_is_wrong():
    assert "ids is wrong in case" in message_of("ch09.sample_with_temperature", sampling_argmax)


def test_sampling_off_by_one_is_wrong():
    message = message_of("ch09.sample_with_temperature", sampling_one_too_far)
    assert message.startswith('ch09.sample_with_temperature: ids is wrong in case "B=1, V=5, temperature=1"')


def test_sampling_with_float_ids_gives_a_dtype_message():
    message = message_of("ch09.sample_with_temperature", sampling_float_ids)
    assert message.endswith("; expected integers.")


def test_sampling_with_its_own_random_numbers_is_wrong():
    assert "ids is wrong" in message_of("ch09.sample_with_temperature", sampling_with_own_random_numbers)


# --- ch09.train_step_carried ----------------------------------------------------------


def test_train_step_reference_matches_torch_autograd():
    for case in EXERCISES["ch09.train_step_carried"].make_cases():
        kw = case.kwargs
        params = {name: torch.tensor(kw[name], requires_grad=True) for name in ("W_ih", "W_hh", "b", "W_out", "b_out")}
        h = torch.tensor(kw["h0"])
        logits = []
        for x_t in torch.tensor(kw["x"]):
            h = torch.tanh(x_t @ params["W_ih"].T + h @ params["W_hh"].T + params["b"])
            logits.append(h @ params["W_out"].T + params["b_out"])
        logits = torch.stack(logits)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 torch.tensor(kw["targets"]).reshape(-1))
        loss.backward()
        ours = solutions.train_step_carried(**kw)
        assert ours[0] == pytest.approx(loss.item(), rel=1e-12)
        for value, name in zip(ours[1:6], params):
            expected = kw[name] - kw["lr"] * params[name].grad.numpy()
            np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(ours[6], h.detach().numpy(), rtol=1e-12)


def train_from_zeros(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    return solutions.train_step_carried(x, targets, np.zeros_like(h0), W_ih, W_hh, b, W_out, b_out, lr)


def train_mean_over_batch_only(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    T = len(x)
    loss, *params, h_T = solutions.train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr * T)
    return loss * T, *params, h_T


def train_without_update(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    loss, *_, h_T = solutions.train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr)
    return loss, W_ih, W_hh, b, W_out, b_out, h_T


def train_in_place(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    loss, *new, h_T = solutions.train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr)
    for old, value in zip((W_ih, W_hh, b, W_out, b_out), new):
        old[...] = value  # W -= lr * dW, as a training loop might write it
    return loss, W_ih, W_hh, b, W_out, b_out, h_T


def train_returning_the_first_state(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    *rest, _ = solutions.train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr)
    return (*rest, np.tanh(x[0] @ W_ih.T + h0 @ W_hh.T + b))


def train_with_a_hard_coded_lr(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    return solutions.train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, 0.5)


def test_train_step_from_zeros_gets_everything_wrong():
    message = message_of("ch09.train_step_carried", train_from_zeros)
    assert message.startswith('ch09.train_step_carried: loss is wrong in case "T=1, B=2, D=3, H=4, V=5, lr=0.5"')
    assert "Outputs in this case: loss wrong, W_ih wrong, W_hh wrong, b wrong, W_out wrong, b_out wrong, h_T wrong." in message


def test_train_step_averaging_over_the_batch_only_fails_once_T_is_above_one():
    message = message_of("ch09.train_step_carried", train_mean_over_batch_only)
    assert message.startswith('ch09.train_step_carried: loss is wrong in case "T=4, B=1, D=3, H=5, V=6, lr=0.1"')
    assert "h_T right." in message


def test_train_step_without_update_names_the_parameters():
    message = message_of("ch09.train_step_carried", train_without_update)
    assert message.startswith('ch09.train_step_carried: W_ih is wrong in case "T=1, B=2, D=3, H=4, V=5, lr=0.5"')
    assert "Outputs in this case: loss right, W_ih wrong, W_hh wrong, b wrong, W_out wrong, b_out wrong, h_T right." in message


def test_train_step_updating_in_place_names_the_arguments():
    message = message_of("ch09.train_step_carried", train_in_place)
    assert message.startswith('ch09.train_step_carried changed its arguments `W_ih`, `W_hh`, `b`, `W_out`, `b_out` '
                              'in place in case "T=1, B=2, D=3, H=4, V=5, lr=0.5"')


def test_train_step_returning_the_first_state_fails_once_T_is_above_one():
    message = message_of("ch09.train_step_carried", train_returning_the_first_state)
    assert message.startswith('ch09.train_step_carried: h_T is wrong in case "T=4, B=1, D=3, H=5, V=6, lr=0.1"')


def test_train_step_with_a_hard_coded_lr_fails_on_another_lr():
    message = message_of("ch09.train_step_carried", train_with_a_hard_coded_lr)
    assert message.startswith('ch09.train_step_carried: W_ih is wrong in case "T=4, B=1, D=3, H=5, V=6, lr=0.1"')


# --- the statements -------------------------------------------------------------------


def test_the_first_chunk_case_is_readable():
    first = EXERCISES["ch09.truncated_bptt_chunks"].make_cases()[0]
    np.testing.assert_array_equal(first.kwargs["ids"], np.arange(len(first.kwargs["ids"])))


def test_chunk_cases_drop_ids_and_reach_T_1():
    cases = EXERCISES["ch09.truncated_bptt_chunks"].make_cases()
    assert any(len(c.kwargs["ids"]) % c.kwargs["batch_size"] for c in cases)
    assert any(c.kwargs["seq_len"] == 1 for c in cases)


def test_a_case_misses_the_last_id():
    embedding = EXERCISES["ch09.embedding_backward"].make_cases()
    assert any(c.kwargs["ids"].max() < c.kwargs["vocab_size"] - 1 for c in embedding)
    bigram = EXERCISES["ch09.bigram_bits_per_character"].make_cases()
    assert any(c.kwargs["train_ids"].max() < c.kwargs["vocab_size"] - 1 for c in bigram)


def embedding_sized_by_the_ids(ids, d_x, vocab_size):
    return solutions.embedding_backward(ids, d_x, int(ids.max()) + 1)


def test_embedding_sized_by_the_largest_id_fails_on_the_shape():
    message = message_of("ch09.embedding_backward", embedding_sized_by_the_ids)
    assert message.startswith('ch09.embedding_backward: dW has shape')
