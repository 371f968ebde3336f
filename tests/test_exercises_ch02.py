"""Chapter 2's exercises: the references pass, agree with finite differences, and typical mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest

from companion.exercises import get_exercise
from companion.exercises.checking import check_exercise
from companion.scratch.gradcheck import numerical_gradient
from companion.scratch.rnn import rnn_forward
from companion.solutions import ch02 as solutions
from companion.data.statland import backward, forward
from exercise_messages import message_of


NAMES = ["rnn_unroll", "statland_forward", "sum_squared_residuals", "statland_backward", "fixed_point_jacobian"]


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_on_other_seeds(name):
    exercise = get_exercise(f"ch02.{name}")
    for seed in (1, 2):
        assert check_exercise(exercise, exercise.reference, seed=seed).passed


def test_rnn_unroll_agrees_with_the_package_rnn():
    for case in get_exercise("ch02.rnn_unroll").make_cases():
        k = case.kwargs
        h, _ = solutions.rnn_unroll(**k)
        outputs, _, _ = rnn_forward(k["x"], k["h0"], k["W_ih"], k["W_hh"], k["b_ih"], k["b_hh"])
        np.testing.assert_allclose(h, outputs, rtol=0, atol=1e-14)


def test_statland_references_agree_with_the_package():
    for case in get_exercise("ch02.statland_backward").make_cases():
        k = dict(case.kwargs)
        dy_hat, x = k.pop("dy_hat"), k.pop("x")
        params = {name: float(value) for name, value in k.items()}
        h, y_hat = forward(x, params)
        np.testing.assert_allclose(solutions.statland_forward(x, **k), y_hat, rtol=1e-14)
        package = backward(dy_hat, x, h, params)
        ours = solutions.statland_backward(dy_hat, x, **k)
        np.testing.assert_allclose(ours, [package[name] for name in params], rtol=1e-12)


def test_statland_backward_matches_finite_differences():
    # The engine compares with the reference; this checks the reference itself.
    for case in get_exercise("ch02.statland_backward").make_cases():
        k = dict(case.kwargs)
        dy_hat = k.pop("dy_hat")
        grads = solutions.statland_backward(dy_hat, **k)
        for name, grad in zip(["w_x", "w_h", "b_h", "w_y", "b_y"], grads):
            def loss(value, name=name):
                return float(np.sum(solutions.statland_forward(**{**k, name: value}) * dy_hat))
            numerical = numerical_gradient(loss, np.asarray(k[name]))
            assert abs(grad - numerical) <= 1e-8 * max(1.0, abs(grad)), (case.name, name)


def test_jacobian_matches_finite_differences():
    for case in get_exercise("ch02.fixed_point_jacobian").make_cases():
        h, W, b = case.kwargs["h"], case.kwargs["W"], case.kwargs["b"]
        J = solutions.fixed_point_jacobian(h, W, b)
        for n in range(h.shape[0]):
            for i in range(W.shape[0]):
                numerical = numerical_gradient(lambda v: np.tanh(W @ v + b)[i], h[n])
                np.testing.assert_allclose(J[n, i], numerical, rtol=1e-7, atol=1e-9)


def test_ssr_reference_matches_finite_differences():
    for case in get_exercise("ch02.sum_squared_residuals").make_cases():
        y_hat, y = case.kwargs["y_hat"], case.kwargs["y"]
        _, dy_hat = solutions.sum_squared_residuals(y_hat, y)
        numerical = numerical_gradient(lambda v: float(solutions.sum_squared_residuals(v, y)[0]), y_hat)
        np.testing.assert_allclose(dy_hat, numerical, rtol=1e-7)


# --- rnn_unroll --------------------------------------------------------------------------


def unroll_from_zeros(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    return solutions.rnn_unroll(x, np.zeros_like(h0), W_ih, W_hh, b_ih, b_hh, W_hy, b_y)


def unroll_with_tanh_on_the_readout(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    h, _ = solutions.rnn_unroll(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y)
    return h, np.tanh(h @ W_hy.T + b_y)


def unroll_last_output_only(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    h, y = solutions.rnn_unroll(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y)
    return h, y[-1]


def unroll_untransposed_readout(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    h, _ = solutions.rnn_unroll(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y)
    return h, h @ W_hy + b_y


def test_unroll_ignoring_h0_gets_h_wrong():
    message = message_of("ch02.rnn_unroll", unroll_from_zeros)
    assert message.startswith('ch02.rnn_unroll: h is wrong in case "T=1, B=1, D=3, H=4, K=2": largest relative error')


def test_unroll_with_tanh_on_the_readout_gets_y_wrong():
    message = message_of("ch02.rnn_unroll", unroll_with_tanh_on_the_readout)
    assert message.startswith('ch02.rnn_unroll: y is wrong in case "T=1, B=1, D=3, H=4, K=2"')


def test_unroll_returning_the_last_output_gives_shape_message():
    assert message_of("ch02.rnn_unroll", unroll_last_output_only) == (
        'ch02.rnn_unroll: y has shape (1, 2) in case "T=1, B=1, D=3, H=4, K=2"; expected (T, B, K) = (1, 1, 2).'
    )


def test_unroll_with_untransposed_readout_raises():
    message = message_of("ch02.rnn_unroll", unroll_untransposed_readout)
    assert message.startswith('ch02.rnn_unroll raised ValueError in case "T=1, B=1, D=3, H=4, K=2": matmul')
    assert "return h, h @ W_hy + b_y" in message


# --- statland_forward --------------------------------------------------------------------


def statland_today_only(x, w_x, w_h, b_h, w_y, b_y):
    return w_y * np.tanh(w_x * x[-1] + b_h) + b_y  # no memory of earlier days


def statland_without_activation(x, w_x, w_h, b_h, w_y, b_y):
    h = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        h = w_x * x[t] + w_h * h + b_h
    return w_y * h + b_y


def statland_every_day(x, w_x, w_h, b_h, w_y, b_y):
    h, outputs = np.zeros(x.shape[1]), []
    for t in range(x.shape[0]):
        h = np.tanh(w_x * x[t] + w_h * h + b_h)
        outputs.append(w_y * h + b_y)
    return np.array(outputs)


def test_statland_today_only_gives_relative_error():
    message = message_of("ch02.statland_forward", statland_today_only)
    assert message.startswith('ch02.statland_forward: y_hat is wrong in case "T=2, B=1": largest relative error')


def test_statland_without_tanh_gives_relative_error():
    assert "y_hat is wrong" in message_of("ch02.statland_forward", statland_without_activation)


def test_statland_prediction_for_every_day_gives_shape_message():
    assert message_of("ch02.statland_forward", statland_every_day) == (
        'ch02.statland_forward: y_hat has shape (2, 1) in case "T=2, B=1"; expected (B,) = (1,).'
    )


# --- sum_squared_residuals ---------------------------------------------------------------


def ssr_as_mean(y_hat, y):
    return np.mean((y_hat - y) ** 2), 2.0 * (y_hat - y) / y.size


def ssr_gradient_without_two(y_hat, y):
    return np.sum((y_hat - y) ** 2), y_hat - y


def ssr_gradient_with_wrong_sign(y_hat, y):
    return np.sum((y_hat - y) ** 2), 2.0 * (y - y_hat)


def ssr_loss_only(y_hat, y):
    return np.sum((y_hat - y) ** 2)


def test_mean_instead_of_sum_fails_on_the_second_case():
    message = message_of("ch02.sum_squared_residuals", ssr_as_mean)
    assert message.startswith('ch02.sum_squared_residuals: ssr is wrong in case "B=3": largest relative error')


def test_gradient_without_the_factor_two_gives_relative_error():
    message = message_of("ch02.sum_squared_residuals", ssr_gradient_without_two)
    assert message.startswith('ch02.sum_squared_residuals: dy_hat is wrong in case "B=1": largest relative error 5.0e-01')


def test_gradient_with_the_wrong_sign_gives_relative_error():
    assert "dy_hat is wrong" in message_of("ch02.sum_squared_residuals", ssr_gradient_with_wrong_sign)


def test_loss_without_gradient_names_the_outputs():
    assert message_of("ch02.sum_squared_residuals", ssr_loss_only).endswith(
        'in case "B=1"; expected a tuple of 2 arrays (ssr, dy_hat).'
    )


# --- statland_backward -------------------------------------------------------------------


def backward_last_day_only(dy_hat, x, w_x, w_h, b_h, w_y, b_y):
    T, B = x.shape
    h = np.zeros((T + 1, B))
    for t in range(T):
        h[t + 1] = np.tanh(w_x * x[t] + w_h * h[t] + b_h)
    da = dy_hat * w_y * (1 - h[T] ** 2)  # stops after the last day: no BPTT
    return np.sum(da * x[T - 1]), np.sum(da * h[T - 1]), np.sum(da), np.sum(dy_hat * h[T]), np.sum(dy_hat)


def backward_tanh_derivative_of_the_state(dy_hat, x, w_x, w_h, b_h, w_y, b_y):
    T, B = x.shape
    h = np.zeros((T + 1, B))
    for t in range(T):
        h[t + 1] = np.tanh(w_x * x[t] + w_h * h[t] + b_h)
    dw_x = dw_h = db_h = 0.0
    dh = dy_hat * w_y
    for t in range(T, 0, -1):
        da = dh * (1 - np.tanh(h[t]) ** 2)  # tanh applied twice
        dw_x, dw_h, db_h = dw_x + np.sum(da * x[t - 1]), dw_h + np.sum(da * h[t - 1]), db_h + np.sum(da)
        dh = da * w_h
    return dw_x, dw_h, db_h, np.sum(dy_hat * h[T]), np.sum(dy_hat)


def backward_per_history(dy_hat, x, w_x, w_h, b_h, w_y, b_y):
    T, B = x.shape
    h = np.zeros((T + 1, B))
    for t in range(T):
        h[t + 1] = np.tanh(w_x * x[t] + w_h * h[t] + b_h)
    dw_x, dw_h, db_h = np.zeros(B), np.zeros(B), np.zeros(B)
    dh = dy_hat * w_y
    for t in range(T, 0, -1):
        da = dh * (1 - h[t] ** 2)
        dw_x, dw_h, db_h = dw_x + da * x[t - 1], dw_h + da * h[t - 1], db_h + da
        dh = da * w_h
    return dw_x, dw_h, db_h, np.sum(dy_hat * h[T]), np.sum(dy_hat)  # not summed over the histories


def test_backward_without_bptt_gets_dw_x_wrong():
    message = message_of("ch02.statland_backward", backward_last_day_only)
    assert message.startswith('ch02.statland_backward: dw_x is wrong in case "T=2, B=1": largest relative error')


def test_backward_with_tanh_of_the_state_gives_relative_error():
    message = message_of("ch02.statland_backward", backward_tanh_derivative_of_the_state)
    assert message.startswith('ch02.statland_backward: dw_x is wrong in case "T=2, B=1"')


def test_backward_not_summed_over_histories_gives_shape_message():
    assert message_of("ch02.statland_backward", backward_per_history) == (
        'ch02.statland_backward: dw_x has shape (1,) in case "T=2, B=1"; expected () = ().'
    )


# --- fixed_point_jacobian ----------------------------------------------------------------


def jacobian_transposed(h, W, b):
    return solutions.fixed_point_jacobian(h, W, b).transpose(0, 2, 1)


def jacobian_scaled_by_the_point(h, W, b):
    return (1 - h**2)[:, :, None] * W  # 1 - h^2 of the input point, not of F(h)


def jacobian_without_activation(h, W, b):
    return np.broadcast_to(W, (h.shape[0], *W.shape)).copy()


def jacobian_of_one_point(h, W, b):
    return solutions.fixed_point_jacobian(h, W, b)[0]


def test_transposed_jacobian_gives_relative_error():
    message = message_of("ch02.fixed_point_jacobian", jacobian_transposed)
    assert message.startswith('ch02.fixed_point_jacobian: J is wrong in case "B=1, H=2": largest relative error')


def test_jacobian_scaled_by_the_input_point_gives_relative_error():
    assert "J is wrong" in message_of("ch02.fixed_point_jacobian", jacobian_scaled_by_the_point)


def test_jacobian_without_tanh_derivative_gives_relative_error():
    assert "J is wrong" in message_of("ch02.fixed_point_jacobian", jacobian_without_activation)


def test_jacobian_of_one_point_gives_shape_message():
    assert message_of("ch02.fixed_point_jacobian", jacobian_of_one_point) == (
        'ch02.fixed_point_jacobian: J has shape (2, 2) in case "B=1, H=2"; expected (B, H, H) = (1, 2, 2).'
    )


def unroll_without_b_hh(x, h0, W_ih, W_hh, b_ih, b_hh, W_hy, b_y):
    return solutions.rnn_unroll(x, h0, W_ih, W_hh, b_ih, np.zeros_like(b_hh), W_hy, b_y)


def test_unroll_with_one_bias_only_is_rejected():
    message = message_of("ch02.rnn_unroll", unroll_without_b_hh)
    assert message.startswith('ch02.rnn_unroll: h is wrong in case "T=1, B=1, D=3, H=4, K=2": largest relative error')
