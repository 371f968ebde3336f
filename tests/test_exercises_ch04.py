"""Chapter 4's exercise checks reject typical mistakes, each with a message that names it."""

from __future__ import annotations

import numpy as np

from companion.exercises import get_exercise
from companion.exercises.checking import check_exercise
from companion.scratch.optim import clip_grad_norm
from companion.solutions import ch04 as solutions
from exercise_messages import message_of


# --- ch04.scalar_gradient_through_time -------------------------------------------------


def scalar_without_tanh_derivative(w, h):
    powers = np.arange(h.shape[0] - 1, -1, -1)[:, None]  # T - t
    return np.ones_like(h) * w**powers  # the linear RNN's w^(T - t)


def scalar_with_off_by_one_state(w, h):
    g = np.ones_like(h)
    for t in range(h.shape[0] - 2, -1, -1):
        g[t] = g[t + 1] * w * (1 - h[t] ** 2)  # h_t instead of h_{t+1}
    return g


def scalar_in_forward_order(w, h):
    return solutions.scalar_gradient_through_time(w, h)[::-1]


def scalar_without_the_last_entry(w, h):
    return solutions.scalar_gradient_through_time(w, h)[:-1]


def test_scalar_gradient_without_tanh_derivative_is_wrong_in_the_first_case():
    message = message_of("ch04.scalar_gradient_through_time", scalar_without_tanh_derivative)
    assert message.startswith('ch04.scalar_gradient_through_time: g is wrong in case "T=1, B=1": largest relative error')


def test_scalar_gradient_with_h_t_instead_of_h_t_plus_1_is_wrong():
    assert "g is wrong" in message_of("ch04.scalar_gradient_through_time", scalar_with_off_by_one_state)


def test_scalar_gradient_in_forward_order_is_wrong():
    assert "g is wrong" in message_of("ch04.scalar_gradient_through_time", scalar_in_forward_order)


def test_scalar_gradient_missing_g_T_gives_shape_with_T_plus_1():
    message = message_of("ch04.scalar_gradient_through_time", scalar_without_the_last_entry)
    assert message == 'ch04.scalar_gradient_through_time: g has shape (1, 1) in case "T=1, B=1"; expected (T+1, B) = (2, 1).'


# --- ch04.rnn_jacobian ----------------------------------------------------------------


def jacobian_with_columns_scaled(h_t, W_hh):
    return W_hh * (1 - h_t**2)[:, None, :]  # W_hh diag(1 - h^2): the wrong side


def jacobian_with_transposed_weight(h_t, W_hh):
    return (1 - h_t**2)[:, :, None] * W_hh.T


def jacobian_without_the_batch(h_t, W_hh):
    return (1 - h_t[0] ** 2)[:, None] * W_hh


def test_jacobian_with_derivative_on_the_wrong_side_is_wrong():
    message = message_of("ch04.rnn_jacobian", jacobian_with_columns_scaled)
    assert message.startswith('ch04.rnn_jacobian: J is wrong in case "B=1, H=4": largest relative error')


def test_jacobian_with_transposed_W_hh_is_wrong():
    assert "J is wrong" in message_of("ch04.rnn_jacobian", jacobian_with_transposed_weight)


def test_jacobian_without_batch_axis_gives_shape_message():
    message = message_of("ch04.rnn_jacobian", jacobian_without_the_batch)
    assert message == 'ch04.rnn_jacobian: J has shape (4, 4) in case "B=1, H=4"; expected (B, H, H) = (1, 4, 4).'


# --- ch04.jacobian_product ------------------------------------------------------------


def product_in_the_wrong_order(h, W_hh):
    T, B, H = h.shape
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    for t in range(T):
        P = P @ ((1 - h[t] ** 2)[:, :, None] * W_hh)  # J_1 J_2 ... J_T
    return P, np.linalg.norm(P, ord=2, axis=(1, 2))


def product_with_frobenius_norm(h, W_hh):
    P, _ = solutions.jacobian_product(h, W_hh)
    return P, np.linalg.norm(P, axis=(1, 2))


def product_with_spectral_radius(h, W_hh):
    P, _ = solutions.jacobian_product(h, W_hh)
    return P, np.abs(np.linalg.eigvals(P)).max(axis=1)


def product_returning_only_P(h, W_hh):
    return solutions.jacobian_product(h, W_hh)[0]


def test_product_in_the_wrong_order_fails_once_T_is_above_one():
    message = message_of("ch04.jacobian_product", product_in_the_wrong_order)
    assert message.startswith('ch04.jacobian_product: P is wrong in case "T=3, B=2, H=5"')


def test_frobenius_norm_instead_of_spectral_is_wrong():
    message = message_of("ch04.jacobian_product", product_with_frobenius_norm)
    assert message.startswith('ch04.jacobian_product: norms is wrong in case "T=1, B=1, H=4"')


def test_spectral_radius_instead_of_spectral_norm_is_wrong():
    assert "norms is wrong" in message_of("ch04.jacobian_product", product_with_spectral_radius)


def test_product_returning_one_array_names_both_outputs():
    message = message_of("ch04.jacobian_product", product_returning_only_P)
    assert message == (
        'ch04.jacobian_product returned a numpy.ndarray in case "T=1, B=1, H=4"; '
        "expected a tuple of 2 arrays (P, norms)."
    )


# --- ch04.clip_by_global_norm ---------------------------------------------------------


def clip_each_array_separately(dW_ih, dW_hh, db, max_norm):
    return tuple(g * min(1.0, max_norm / np.linalg.norm(g)) for g in (dW_ih, dW_hh, db))


def clip_always_rescaling(dW_ih, dW_hh, db, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in (dW_ih, dW_hh, db)))
    return tuple(g * max_norm / norm for g in (dW_ih, dW_hh, db))


def clip_norm_by_value(dW_ih, dW_hh, db, max_norm):
    return solutions.clip_by_value(dW_ih, dW_hh, db, max_norm)


def clip_like_torch(dW_ih, dW_hh, db, max_norm):
    grads = {"W_ih": dW_ih.copy(), "W_hh": dW_hh.copy(), "b": db.copy()}
    clip_grad_norm(grads, float(max_norm))  # scales by max_norm / (norm + 1e-6), as torch does
    return grads["W_ih"], grads["W_hh"], grads["b"]


def test_clipping_each_array_separately_is_wrong():
    message = message_of("ch04.clip_by_global_norm", clip_each_array_separately)
    assert message.startswith('ch04.clip_by_global_norm: dW_ih is wrong in case "B=2, D=5, H=4, global norm')


def test_rescaling_a_small_gradient_up_is_wrong_in_the_first_case():
    message = message_of("ch04.clip_by_global_norm", clip_always_rescaling)
    assert message.startswith('ch04.clip_by_global_norm: dW_ih is wrong in case "B=1, D=3, H=4, global norm')
    assert "below max_norm" in message


def test_clipping_by_value_is_not_clipping_by_norm():
    assert "is wrong" in message_of("ch04.clip_by_global_norm", clip_norm_by_value)


def test_torch_style_epsilon_in_the_scale_passes():
    assert check_exercise(get_exercise("ch04.clip_by_global_norm"), clip_like_torch).passed


# --- ch04.clip_by_value ---------------------------------------------------------------


def clip_upper_bound_only(dW_ih, dW_hh, db, clip_value):
    return tuple(np.minimum(g, clip_value) for g in (dW_ih, dW_hh, db))


def clip_value_by_norm(dW_ih, dW_hh, db, clip_value):
    return solutions.clip_by_global_norm(dW_ih, dW_hh, db, clip_value)


def clip_value_dropping_db(dW_ih, dW_hh, db, clip_value):
    return np.clip(dW_ih, -clip_value, clip_value), np.clip(dW_hh, -clip_value, clip_value)


def test_clipping_only_from_above_leaves_large_negative_entries():
    message = message_of("ch04.clip_by_value", clip_upper_bound_only)
    assert message.startswith('ch04.clip_by_value: dW_ih is wrong in case "B=1, D=3, H=4, clip_value')


def test_clipping_by_norm_is_not_clipping_by_value():
    assert "is wrong" in message_of("ch04.clip_by_value", clip_value_by_norm)


def test_forgetting_db_names_the_three_outputs():
    message = message_of("ch04.clip_by_value", clip_value_dropping_db)
    assert "expected a tuple of 3 arrays (dW_ih, dW_hh, db)" in message


# --- the cases themselves -------------------------------------------------------------


def test_clip_cases_have_a_norm_below_and_norms_above_max_norm():
    for i, case in enumerate(get_exercise("ch04.clip_by_global_norm").make_cases()):
        norm = np.sqrt(sum(np.sum(case.kwargs[name] ** 2) for name in ("dW_ih", "dW_hh", "db")))
        assert (norm <= case.kwargs["max_norm"]) == (i == 0), case.name


def test_clip_value_cases_clip_entries_of_both_signs():
    for case in get_exercise("ch04.clip_by_value").make_cases():
        entries = np.concatenate([case.kwargs[name].ravel() for name in ("dW_ih", "dW_hh", "db")])
        assert (entries > case.kwargs["clip_value"]).any() and (entries < -case.kwargs["clip_value"]).any(), case.name


def test_product_cases_keep_the_products_of_moderate_size():
    for case in get_exercise("ch04.jacobian_product").make_cases():
        _, norms = solutions.jacobian_product(**case.kwargs)
        assert np.all((norms > 1e-3) & (norms < 1e3)), (case.name, norms)
