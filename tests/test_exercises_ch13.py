"""Chapter 13's exercises: typical mistakes fail with a message naming them.

The contract every exercise meets (20 seeds, stub, sizes) is in test_exercise_contract.py.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from companion.solutions import ch13 as solutions
from exercise_messages import message_of


# --- ch13.clipped_sgd_step ----------------------------------------------------------------


def _grads(W, b, x, y):
    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    loss = torch.mean((torch.from_numpy(x) @ W_t.T + b_t - torch.from_numpy(y)) ** 2)
    loss.backward()
    return W_t.grad.numpy(), b_t.grad.numpy(), loss


def step_norm_after_clipping(W, b, x, y, lr, max_norm):
    W_new, b_new, norm = solutions.clipped_sgd_step(W, b, x, y, lr, max_norm)
    return W_new, b_new, min(norm, max_norm)


def step_without_clipping(W, b, x, y, lr, max_norm):
    gW, gb, _ = _grads(W, b, x, y)
    return W - lr * gW, b - lr * gb, float(np.sqrt(np.sum(gW**2) + np.sum(gb**2)))


def step_clipping_each_tensor(W, b, x, y, lr, max_norm):
    gW, gb, _ = _grads(W, b, x, y)
    nW, nb = np.linalg.norm(gW), np.linalg.norm(gb)
    gW, gb = gW * min(1, max_norm / nW), gb * min(1, max_norm / nb)
    return W - lr * gW, b - lr * gb, float(np.hypot(nW, nb))


def step_clipping_values(W, b, x, y, lr, max_norm):
    gW, gb, _ = _grads(W, b, x, y)
    norm = float(np.sqrt(np.sum(gW**2) + np.sum(gb**2)))
    return W - lr * np.clip(gW, -max_norm, max_norm), b - lr * np.clip(gb, -max_norm, max_norm), norm


def step_with_summed_loss(W, b, x, y, lr, max_norm):
    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    optimizer = torch.optim.SGD([W_t, b_t], lr=lr)
    torch.sum((torch.from_numpy(x) @ W_t.T + b_t - torch.from_numpy(y)) ** 2).backward()
    norm = torch.nn.utils.clip_grad_norm_([W_t, b_t], max_norm)
    optimizer.step()
    return W_t.detach().numpy(), b_t.detach().numpy(), norm.item()


def step_with_fixed_lr(W, b, x, y, lr, max_norm):
    return solutions.clipped_sgd_step(W, b, x, y, 0.1, max_norm)


def step_in_place(W, b, x, y, lr, max_norm):
    W_t = torch.from_numpy(W).requires_grad_()  # shares memory with the caller's W
    b_t = torch.from_numpy(b).requires_grad_()
    torch.mean((torch.from_numpy(x) @ W_t.T + b_t - torch.from_numpy(y)) ** 2).backward()
    norm = torch.nn.utils.clip_grad_norm_([W_t, b_t], max_norm)
    with torch.no_grad():
        W_t -= lr * W_t.grad
        b_t -= lr * b_t.grad
    return W_t.detach().numpy(), b_t.detach().numpy(), norm  # a tensor, not a float


def test_norm_after_clipping_is_wrong():
    assert message_of("ch13.clipped_sgd_step", step_norm_after_clipping).startswith(
        'ch13.clipped_sgd_step: norm is wrong in case "N=1, D=1, K=1')


def test_no_clipping_is_wrong_where_clipping_applies():
    message = message_of("ch13.clipped_sgd_step", step_without_clipping)
    assert message.startswith('ch13.clipped_sgd_step: W_new is wrong in case "N=1, D=1, K=1') and "(clipped)" in message


def test_clipping_each_tensor_separately_is_wrong():
    assert "W_new is wrong" in message_of("ch13.clipped_sgd_step", step_clipping_each_tensor)


def test_clipping_values_instead_of_the_norm_is_wrong():
    assert "is wrong in case" in message_of("ch13.clipped_sgd_step", step_clipping_values)


def test_summed_loss_is_wrong():
    assert "norm is wrong" in message_of("ch13.clipped_sgd_step", step_with_summed_loss)


def test_hard_coded_learning_rate_is_wrong():
    assert "W_new is wrong" in message_of("ch13.clipped_sgd_step", step_with_fixed_lr)


def test_tensor_norm_is_reported_as_the_wrong_type():
    message = message_of("ch13.clipped_sgd_step", step_in_place)
    assert "norm is a torch.Tensor" in message or "W_new" in message or "changed" in message


# --- ch13.early_stopping_epochs -------------------------------------------------------------


def stopping_with_argmin(val_losses, patience, min_delta):
    stop, _ = solutions.early_stopping_epochs(val_losses, patience, min_delta)
    return stop, int(np.argmin(val_losses[: stop + 1]))


def stopping_with_less_or_equal(val_losses, patience, min_delta):
    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_one_epoch_late(val_losses, patience, min_delta):
    return solutions.early_stopping_epochs(val_losses, patience + 1, min_delta)[0], \
        solutions.early_stopping_epochs(val_losses, patience, min_delta)[1]


def stopping_ignoring_min_delta(val_losses, patience, min_delta):
    return solutions.early_stopping_epochs(val_losses, patience, 0.0)


def stopping_without_reset(val_losses, patience, min_delta):
    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch = loss, epoch  # forgets to reset wait
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_returns_length_when_never_stopping(val_losses, patience, min_delta):
    stop, best = solutions.early_stopping_epochs(val_losses, patience, min_delta)
    stopped = any(solutions.early_stopping_epochs(val_losses[: e + 1], patience, min_delta)[0] < e
                  for e in range(len(val_losses)))
    return (stop if stopped or stop < len(val_losses) - 1 else len(val_losses)), best


def stopping_returns_none_when_never_stopping(val_losses, patience, min_delta):
    stop, best = solutions.early_stopping_epochs(val_losses, patience, min_delta)
    return (None if stop == len(val_losses) - 1 and patience > 1 else stop), best


def test_best_epoch_by_argmin_is_wrong():
    message = message_of("ch13.early_stopping_epochs", stopping_with_argmin)
    assert message.startswith('ch13.early_stopping_epochs: best_epoch is wrong in case "a tie at best - min_delta')


def test_ties_counted_as_improvements_are_wrong():
    message = message_of("ch13.early_stopping_epochs", stopping_with_less_or_equal)
    assert message.startswith('ch13.early_stopping_epochs: stop_epoch is wrong in case "a tie at best - min_delta')


def test_patience_off_by_one_is_wrong():
    message = message_of("ch13.early_stopping_epochs", stopping_one_epoch_late)
    assert message.startswith('ch13.early_stopping_epochs: stop_epoch is wrong in case "falls, then rises')


def test_ignoring_min_delta_is_wrong():
    assert "is wrong in case" in message_of("ch13.early_stopping_epochs", stopping_ignoring_min_delta)


def test_not_resetting_the_count_is_wrong():
    assert "stop_epoch is wrong" in message_of("ch13.early_stopping_epochs", stopping_without_reset)


def test_returning_none_for_a_run_that_never_stops_is_reported():
    message = message_of("ch13.early_stopping_epochs", stopping_returns_none_when_never_stopping)
    assert "never stops" in message and "stop_epoch" in message


# --- ch13.seeded_draws -----------------------------------------------------------------------


def draws_seeding_torch_only(seed, n):
    torch.manual_seed(seed)
    return np.stack([np.array([random.random() for _ in range(n)]), np.random.rand(n),
                     torch.rand(n, dtype=torch.float64).numpy()])


def draws_with_a_generator_object(seed, n):
    random.seed(seed)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)  # a new generator, not the global one that libraries use
    return np.stack([np.array([random.random() for _ in range(n)]), rng.random(n),
                     torch.rand(n, dtype=torch.float64).numpy()])


def draws_in_float32(seed, n):
    draws = solutions.seeded_draws(seed, n)
    torch.manual_seed(seed)
    draws[2] = torch.rand(n).double().numpy()
    return draws


def draws_without_python(seed, n):
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.stack([np.array([random.random() for _ in range(n)]), np.random.rand(n),
                     torch.rand(n, dtype=torch.float64).numpy()])


def draws_transposed(seed, n):
    return solutions.seeded_draws(seed, n).T


def draws_seeding_once(seed, n, _seen=[]):  # noqa: B006 - the bug: seeds only on the first call
    if not _seen:
        _seen.append(seed)
        return solutions.seeded_draws(seed, n)
    return np.stack([np.array([random.random() for _ in range(n)]), np.random.rand(n),
                     torch.rand(n, dtype=torch.float64).numpy()])


# Seeding torch only leaves both Python's and NumPy's rows wrong; the message names the larger error.
@pytest.mark.parametrize("wrong, rows", [(draws_seeding_torch_only, (0, 1)), (draws_with_a_generator_object, (1,)),
                                         (draws_in_float32, (2,)), (draws_without_python, (0,))])
def test_a_generator_left_unseeded_or_drawn_differently_is_named_by_its_row(wrong, rows):
    message = message_of("ch13.seeded_draws", wrong)
    assert message.startswith("ch13.seeded_draws: draws is wrong in case")
    assert any(f"at index ({row}, 0)" in message for row in rows), message


def test_transposed_draws_give_the_shape_message():
    message = message_of("ch13.seeded_draws", draws_transposed)
    assert "draws has shape" in message and "expected (3, n)" in message


def test_seeding_only_once_fails_on_a_later_case():
    message = message_of("ch13.seeded_draws", draws_seeding_once)
    assert "draws is wrong" in message and "n=1" not in message


# --- ch13.bits_per_character -----------------------------------------------------------------


def bpc_in_nats(logits, targets):
    return solutions.bits_per_character(logits, targets) * math.log(2)


def bpc_in_log10(logits, targets):
    return solutions.bits_per_character(logits, targets) * math.log(2) / math.log(10)


def bpc_with_naive_softmax(logits, targets):
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    T, B = targets.shape
    return float(-np.mean(np.log2(p[np.arange(T)[:, None], np.arange(B)[None, :], targets])))


def bpc_batch_major_logits(logits, targets):
    # Flattens the logits batch-major but the targets time-major: each score meets another position's target.
    V = logits.shape[-1]
    scores = torch.from_numpy(logits).transpose(0, 1).reshape(-1, V)
    return torch.nn.functional.cross_entropy(scores, torch.from_numpy(targets).reshape(-1)).item() / math.log(2)


def bpc_summed_over_time(logits, targets):
    return solutions.bits_per_character(logits, targets) * logits.shape[0]


def bpc_as_a_tensor(logits, targets):
    V = logits.shape[-1]
    return torch.nn.functional.cross_entropy(torch.from_numpy(logits).reshape(-1, V),
                                             torch.from_numpy(targets).reshape(-1)) / math.log(2)


def test_nats_are_wrong():
    assert message_of("ch13.bits_per_character", bpc_in_nats).startswith(
        'ch13.bits_per_character: bpc is wrong in case "T=1, B=1, V=2"')


def test_decimal_log_is_wrong():
    assert "bpc is wrong" in message_of("ch13.bits_per_character", bpc_in_log10)


def test_naive_softmax_overflows_on_large_logits():
    message = message_of("ch13.bits_per_character", bpc_with_naive_softmax)
    assert "logits up to" in message and ("NaN" in message or "inf" in message or "raised" in message)


def test_wrong_pairing_of_logits_and_targets_is_wrong():
    assert "bpc is wrong" in message_of("ch13.bits_per_character", bpc_batch_major_logits)


def test_summing_over_time_is_wrong():
    assert "bpc is wrong" in message_of("ch13.bits_per_character", bpc_summed_over_time)


def test_returning_a_tensor_is_named():
    message = message_of("ch13.bits_per_character", bpc_as_a_tensor)
    assert "torch.Tensor" in message
