"""Chapter 3's exercises: the references agree with the package and PyTorch, and typical mistakes fail clearly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.exercises import get_exercise
from companion.scratch.gradcheck import numerical_gradient, relative_error
from companion.scratch.losses import softmax_cross_entropy
from companion.scratch.optim import SGD, Adam, RMSProp
from companion.solutions import ch03 as solutions
from exercise_messages import message_of


# --- the references against the package, finite differences and PyTorch ---------------


def run_steps(step, optimizer, state_names, n_steps=6, seed=0, **hyper):
    """Run the reference step and a companion.scratch.optim optimiser side by side on the same gradients."""
    rng = np.random.default_rng(seed)
    param = rng.normal(size=(3, 4))
    params = {"p": param.copy()}
    state = [np.zeros_like(param) for _ in state_names]
    for t in range(1, n_steps + 1):
        grad = rng.normal(size=param.shape) * (1e-3 if t % 2 else 1.0)
        extra = {"t": np.float64(t)} if "t" in step.__code__.co_varnames else {}
        param, *state = step(param, grad, *state, **extra, **hyper)
        optimizer.step(params, {"p": grad})
    return param, params["p"]


def test_sgd_momentum_step_matches_companion_optim():
    ours, package = run_steps(solutions.sgd_momentum_step, SGD(0.1, momentum=0.9), ["velocity"],
                              lr=np.float64(0.1), momentum=np.float64(0.9))
    np.testing.assert_allclose(ours, package, rtol=0, atol=1e-13)


def test_rmsprop_step_matches_companion_optim():
    ours, package = run_steps(solutions.rmsprop_step, RMSProp(0.01, alpha=0.9, eps=1e-8), ["square_avg"],
                              lr=np.float64(0.01), alpha=np.float64(0.9), eps=np.float64(1e-8))
    np.testing.assert_allclose(ours, package, rtol=0, atol=1e-13)


def test_adam_step_matches_companion_optim():
    ours, package = run_steps(solutions.adam_step, Adam(0.01), ["m", "v"], lr=np.float64(0.01),
                              beta1=np.float64(0.9), beta2=np.float64(0.999), eps=np.float64(1e-8))
    np.testing.assert_allclose(ours, package, rtol=0, atol=1e-13)


def test_adam_first_step_moves_every_weight_by_about_lr():
    rng = np.random.default_rng(1)
    param, grad = rng.normal(size=5), rng.normal(size=5)
    new, _, _ = solutions.adam_step(param, grad, np.zeros(5), np.zeros(5), np.float64(1.0),
                                    lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    np.testing.assert_allclose(param - new, 0.01 * np.sign(grad), rtol=1e-6)


def scalar_rnn_loss(x, y, h0, w, u, b):
    h, loss = h0, 0.0
    for t in range(x.shape[0]):
        h = np.tanh(w * h + u * x[t] + b)
        loss += 0.5 * np.sum((h - y[t]) ** 2)
    return loss


def test_scalar_bptt_matches_finite_differences_and_torch():
    for case in get_exercise("ch03.scalar_bptt").make_cases():
        kw = dict(case.kwargs)
        dw, du, db, dh0 = solutions.scalar_bptt(**kw)
        for name, analytic in (("w", dw), ("u", du), ("b", db), ("h0", dh0)):
            numeric = numerical_gradient(lambda v, name=name: scalar_rnn_loss(**{**kw, name: v}),
                                         np.asarray(kw[name], dtype=np.float64))
            assert relative_error(np.asarray(analytic), numeric) < 1e-8, (case.name, name)
        tensors = {k: torch.tensor(v, requires_grad=k in "wubh0") for k, v in kw.items()}
        h, loss = tensors["h0"], 0.0
        for t in range(kw["x"].shape[0]):
            h = torch.tanh(tensors["w"] * h + tensors["u"] * tensors["x"][t] + tensors["b"])
            loss = loss + 0.5 * ((h - tensors["y"][t]) ** 2).sum()
        loss.backward()
        for name, analytic in (("w", dw), ("u", du), ("b", db), ("h0", dh0)):
            np.testing.assert_allclose(analytic, tensors[name].grad.numpy(), rtol=1e-12, atol=1e-14)


def test_sequence_cross_entropy_matches_torch_with_ignored_padding():
    for case in get_exercise("ch03.sequence_cross_entropy").make_cases():
        logits, targets, mask = (case.kwargs[k] for k in ("logits", "targets", "mask"))
        labels = targets.argmax(axis=-1)
        labels[mask == 0] = -100  # PyTorch's ignore_index
        expected = torch.nn.functional.cross_entropy(
            torch.tensor(logits.reshape(-1, logits.shape[-1])), torch.tensor(labels.reshape(-1)))
        assert solutions.sequence_cross_entropy(logits, targets, mask) == pytest.approx(float(expected), rel=1e-12)


def test_sequence_cross_entropy_without_padding_is_the_package_loss():
    rng = np.random.default_rng(2)
    logits, labels = rng.normal(size=(4, 3, 5)), rng.integers(0, 5, size=(4, 3))
    loss = solutions.sequence_cross_entropy(logits, np.eye(5)[labels], np.ones((4, 3)))
    package, _ = softmax_cross_entropy(logits.reshape(12, 5), labels.reshape(12))
    assert loss == pytest.approx(package, rel=1e-12)


def test_numerical_gradient_of_loss_agrees_with_autograd():
    for case in get_exercise("ch03.numerical_gradient_of_loss").make_cases():
        W_hh, x, y = (torch.tensor(case.kwargs[k]) for k in ("W_hh", "x", "y"))
        W_hh.requires_grad_(True)
        h = torch.zeros_like(y)
        for x_t in x:
            h = torch.tanh(x_t + h @ W_hh.T)
        (0.5 * ((h - y) ** 2).sum()).backward()
        numeric = solutions.numerical_gradient_of_loss(**case.kwargs)
        error = relative_error(numeric, W_hh.grad.numpy())
        if case.kwargs["eps"] < 1e-3:
            assert error < 1e-7, case.name
        else:  # a large step: the exact gradient is not the answer, and returning it fails
            assert error > 1e-5, case.name


def test_numerical_gradient_of_loss_leaves_its_input_unchanged():
    case = get_exercise("ch03.numerical_gradient_of_loss").make_cases()[1]
    W_hh = case.kwargs["W_hh"].copy()
    solutions.numerical_gradient_of_loss(W_hh, case.kwargs["x"], case.kwargs["y"], 1e-4)
    np.testing.assert_array_equal(W_hh, case.kwargs["W_hh"])


# --- deliberately wrong implementations -------------------------------------------------


def scalar_states(x, h0, w, u, b):
    """The forward pass the wrong versions share: h[0] = h0, h[t] = tanh(w h[t-1] + u x[t-1] + b)."""
    h = np.zeros((x.shape[0] + 1, h0.shape[0]))
    h[0] = h0
    for t in range(1, x.shape[0] + 1):
        h[t] = np.tanh(w * h[t - 1] + u * x[t - 1] + b)
    return h


def bptt_without_carry(x, y, h0, w, u, b):
    """Only the local gradient of each step: dL/dh_t from l_t, none from later steps."""
    T = x.shape[0]
    h = scalar_states(x, h0, w, u, b)
    dw = du = db = 0.0
    dh0 = np.zeros_like(h0)
    for t in range(T, 0, -1):
        da = (h[t] - y[t - 1]) * (1 - h[t] ** 2)
        dw, du, db = dw + np.sum(da * h[t - 1]), du + np.sum(da * x[t - 1]), db + np.sum(da)
        if t == 1:
            dh0 = da * w
    return float(dw), float(du), float(db), dh0


def bptt_with_zero_state_at_first_step(x, y, h0, w, u, b):
    """The seed's mistake: the state before the first step is taken as zeros."""
    T = x.shape[0]
    h = scalar_states(x, h0, w, u, b)
    dw = du = db = 0.0
    dh = np.zeros_like(h0)
    for t in range(T, 0, -1):
        dh = dh + (h[t] - y[t - 1])
        da = dh * (1 - h[t] ** 2)
        h_prev = h[t - 1] if t > 1 else np.zeros_like(h0)
        dw, du, db = dw + np.sum(da * h_prev), du + np.sum(da * x[t - 1]), db + np.sum(da)
        dh = da * w
    return float(dw), float(du), float(db), dh


def bptt_without_tanh_derivative(x, y, h0, w, u, b):
    T = x.shape[0]
    h = scalar_states(x, h0, w, u, b)
    dw = du = db = 0.0
    dh = np.zeros_like(h0)
    for t in range(T, 0, -1):
        da = dh + (h[t] - y[t - 1])
        dw, du, db = dw + np.sum(da * h[t - 1]), du + np.sum(da * x[t - 1]), db + np.sum(da)
        dh = da * w
    return float(dw), float(du), float(db), dh


def bptt_with_summed_dh0(x, y, h0, w, u, b):
    dw, du, db, dh0 = solutions.scalar_bptt(x, y, h0, w, u, b)
    return dw, du, db, float(dh0.sum())


def test_bptt_without_carried_gradient_fails_once_there_are_two_steps():
    message = message_of("ch03.scalar_bptt", bptt_without_carry)
    assert message.startswith('ch03.scalar_bptt: dw is wrong in case "T=3, B=2": largest relative error')


def test_bptt_with_zeros_for_h0_gets_dw_wrong_on_the_first_case():
    message = message_of("ch03.scalar_bptt", bptt_with_zero_state_at_first_step)
    assert message.startswith('ch03.scalar_bptt: dw is wrong in case "T=1, B=1": largest relative error')
    assert "index ()" in message


def test_bptt_without_tanh_derivative_gets_dw_wrong():
    assert message_of("ch03.scalar_bptt", bptt_without_tanh_derivative).startswith(
        'ch03.scalar_bptt: dw is wrong in case "T=1, B=1"')


def test_bptt_returning_a_summed_dh0_is_told_to_return_an_array():
    assert message_of("ch03.scalar_bptt", bptt_with_summed_dh0) == (
        'ch03.scalar_bptt: dh0 is a float in case "T=1, B=1"; expected a NumPy array.')


def cross_entropy_ignoring_mask(logits, targets, mask):
    log_probs = logits - logits.max(axis=-1, keepdims=True)
    log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
    return float(-(targets * log_probs).sum(axis=-1).mean())


def cross_entropy_summed(logits, targets, mask):
    return solutions.sequence_cross_entropy(logits, targets, mask) * float(mask.sum())


def cross_entropy_unstable(logits, targets, mask):
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return float((-(targets * np.log(probs)).sum(axis=-1) * mask).sum() / mask.sum())


def cross_entropy_softmax_over_time(logits, targets, mask):
    log_probs = logits - np.log(np.exp(logits).sum(axis=0, keepdims=True))
    return float((-(targets * log_probs).sum(axis=-1) * mask).sum() / mask.sum())


def test_cross_entropy_averaging_over_padding_is_wrong_on_the_first_case():
    message = message_of("ch03.sequence_cross_entropy", cross_entropy_ignoring_mask)
    assert message.startswith(
        'ch03.sequence_cross_entropy: loss is wrong in case "T=3, B=1, V=4": largest relative error')


def test_cross_entropy_summed_instead_of_averaged_is_wrong():
    assert "loss is wrong" in message_of("ch03.sequence_cross_entropy", cross_entropy_summed)


def test_cross_entropy_without_max_subtraction_overflows_on_huge_logits():
    with np.errstate(all="ignore"):
        message = message_of("ch03.sequence_cross_entropy", cross_entropy_unstable)
    assert message.startswith(
        'ch03.sequence_cross_entropy raised FloatingPointError in case "T=2, B=3, V=4, logits of size ~500": overflow')


def test_cross_entropy_normalised_over_time_is_wrong():
    assert "loss is wrong" in message_of("ch03.sequence_cross_entropy", cross_entropy_softmax_over_time)


def _rnn_loss(W, x, y):
    h = np.zeros_like(y)
    for x_t in x:
        h = np.tanh(x_t + h @ W.T)
    return 0.5 * np.sum((h - y) ** 2)


def forward_difference(W_hh, x, y, eps):
    dW = np.zeros_like(W_hh)
    base = _rnn_loss(W_hh, x, y)
    for index in np.ndindex(W_hh.shape):
        W = W_hh.copy()
        W[index] += eps
        dW[index] = (_rnn_loss(W, x, y) - base) / eps
    return dW


def centred_difference_over_eps(W_hh, x, y, eps):
    return 2 * solutions.numerical_gradient_of_loss(W_hh, x, y, eps)


def centred_difference_without_restoring(W_hh, x, y, eps):
    dW = np.zeros_like(W_hh)
    W = W_hh.copy()
    for index in np.ndindex(W.shape):
        W[index] += eps
        plus = _rnn_loss(W, x, y)
        W[index] -= 2 * eps  # ... and never put back
        dW[index] = (plus - _rnn_loss(W, x, y)) / (2 * eps)
    return dW


def test_forward_difference_is_not_accurate_enough():
    message = message_of("ch03.numerical_gradient_of_loss", forward_difference)
    assert message.startswith(
        'ch03.numerical_gradient_of_loss: dW is wrong in case "T=2, B=1, H=3, eps=0.0001": largest relative error')


def test_dividing_by_eps_instead_of_two_eps_is_off_by_half():
    message = message_of("ch03.numerical_gradient_of_loss", centred_difference_over_eps)
    assert "dW is wrong" in message and "largest relative error 5.0e-01" in message


def test_not_restoring_the_perturbed_entry_is_wrong():
    assert "dW is wrong" in message_of("ch03.numerical_gradient_of_loss", centred_difference_without_restoring)


def momentum_applied_after_update(param, grad, velocity, lr, momentum):
    new_param = param - lr * velocity  # the old velocity: this step's gradient arrives one step late
    return new_param, momentum * velocity + grad


def momentum_with_lr_in_velocity(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity - lr * grad  # another convention, with another velocity
    return param + new_velocity, new_velocity


def momentum_with_dampening(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * new_velocity, new_velocity


def test_momentum_applied_after_the_update_fails_on_the_first_step():
    message = message_of("ch03.sgd_momentum_step", momentum_applied_after_update)
    assert message.startswith(
        'ch03.sgd_momentum_step: new_param is wrong in case "B=1, P=3, first step": largest relative error')


def test_momentum_in_the_other_convention_returns_a_different_velocity():
    message = message_of("ch03.sgd_momentum_step", momentum_with_lr_in_velocity)
    assert message.startswith('ch03.sgd_momentum_step: new_velocity is wrong in case "B=1, P=3, first step"')


def test_momentum_with_dampening_is_wrong():
    assert "new_param is wrong" in message_of("ch03.sgd_momentum_step", momentum_with_dampening)


def rmsprop_eps_inside_sqrt(param, grad, square_avg, lr, alpha, eps):
    s = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / np.sqrt(s + eps), s


def rmsprop_without_one_minus_alpha(param, grad, square_avg, lr, alpha, eps):
    s = alpha * square_avg + grad**2
    return param - lr * grad / (np.sqrt(s) + eps), s


def rmsprop_with_old_average(param, grad, square_avg, lr, alpha, eps):
    new_param = param - lr * grad / (np.sqrt(square_avg) + eps)
    return new_param, alpha * square_avg + (1 - alpha) * grad**2


def test_rmsprop_with_eps_inside_the_sqrt_is_caught_by_a_small_gradient():
    message = message_of("ch03.rmsprop_step", rmsprop_eps_inside_sqrt)
    assert message.startswith('ch03.rmsprop_step: new_param is wrong in case "B=1, P=3, first step"')
    # Only entries with small gradients differ; with none of them, the mistake would pass.
    big = get_exercise("ch03.rmsprop_step").make_cases()[1]
    np.testing.assert_allclose(rmsprop_eps_inside_sqrt(**big.kwargs)[0], solutions.rmsprop_step(**big.kwargs)[0],
                               rtol=1e-6)


def test_rmsprop_without_one_minus_alpha_is_wrong_at_once():
    message = message_of("ch03.rmsprop_step", rmsprop_without_one_minus_alpha)
    assert message.startswith('ch03.rmsprop_step: new_param is wrong in case "B=1, P=3, first step"')


def test_rmsprop_dividing_by_the_old_average_is_wrong():
    assert "new_param is wrong" in message_of("ch03.rmsprop_step", rmsprop_with_old_average)


def adam_without_bias_correction(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_correcting_with_t_minus_one(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1 ** (t - 1)), v / (1 - beta2 ** (t - 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_returning_corrected_moments(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * grad**2) / (1 - beta2**t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def test_adam_without_bias_correction_takes_a_wrong_first_step():
    message = message_of("ch03.adam_step", adam_without_bias_correction)
    assert message.startswith('ch03.adam_step: new_param is wrong in case "B=1, P=3, t=1": largest relative error')


def test_adam_with_t_minus_one_divides_by_zero_at_the_first_step():
    with np.errstate(all="ignore"):
        message = message_of("ch03.adam_step", adam_correcting_with_t_minus_one)
    assert message.startswith('ch03.adam_step raised FloatingPointError in case "B=1, P=3, t=1": invalid value')


def test_adam_storing_the_corrected_moments_is_wrong():
    message = message_of("ch03.adam_step", adam_returning_corrected_moments)
    assert message.startswith('ch03.adam_step: new_m is wrong in case "B=1, P=3, t=1"')
