"""Chapter 8's exercises: references agree with the package and with finite differences,
and typical mistakes fail with a message that names what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch import gru, lstm
from companion.exercises import get_exercise
from companion.exercises.checking import check_exercise
from companion.scratch.gradcheck import gradcheck
from companion.solutions import ch08 as solutions
from exercise_messages import message_of

# Centred differences with eps = 1e-5 balance rounding (about 1e-16 / eps)
# against truncation (about eps**2); see tests/cell_cases.py.
EPS = 1e-5


def cases(exercise_id: str, seeds=(0, 1, 2)):
    return [case for seed in seeds for case in get_exercise(exercise_id).make_cases(seed)]


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# --- the references: the package's numbers, and the derivative of their forward pass ----


@pytest.mark.parametrize("case", cases("ch08.lstm_step_forward"), ids=lambda c: c.name)
def test_lstm_step_forward_matches_the_package(case):
    h_t, c_t = solutions.lstm_step_forward(**case.kwargs)
    h_pkg, c_pkg, _ = lstm.lstm_step_forward(**case.kwargs)
    np.testing.assert_allclose(h_t, h_pkg, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_t, c_pkg, rtol=1e-12, atol=1e-14)


def stacked_from_torch_layout(W_ih, W_hh, b_ih, b_hh):
    """The (1 + D + H, 4H) matrix, gates i, f, o, g, that computes what PyTorch's layout computes."""
    i, f, g, o = np.split(np.concatenate([(b_ih + b_hh)[:, None], W_ih, W_hh], axis=1), 4)
    return np.concatenate([i, f, o, g]).T


@pytest.mark.parametrize("case", cases("ch08.lstm_step_forward"), ids=lambda c: c.name)
def test_lstm_step_stacked_computes_the_same_step_as_the_fused_layout(case):
    kw = case.kwargs
    W = stacked_from_torch_layout(kw["W_ih"], kw["W_hh"], kw["b_ih"], kw["b_hh"])
    h_t, c_t = solutions.lstm_step_stacked(kw["x_t"], kw["h_prev"], kw["c_prev"], W)
    h_ref, c_ref = solutions.lstm_step_forward(**kw)
    np.testing.assert_allclose(h_t, h_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_t, c_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", cases("ch08.lstm_step_backward"), ids=lambda c: c.name)
def test_lstm_step_backward_matches_the_package(case):
    kw = case.kwargs
    _, _, cache = lstm.lstm_step_forward(**case.forward_kwargs)
    grads = lstm.lstm_step_backward(kw["dh_t"], kw["dc_t"], cache)
    ours = dict(zip(("x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih"), solutions.lstm_step_backward(**kw)))
    for name, value in ours.items():
        np.testing.assert_allclose(value, grads[name], rtol=1e-10, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(ours["b_ih"], grads["b_hh"], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("case", cases("ch08.lstm_step_backward"), ids=lambda c: c.name)
def test_lstm_step_backward_matches_numerical_gradient(case):
    kw = case.kwargs

    def loss(**inputs):
        h_t, c_t = solutions.lstm_step_forward(**inputs)
        return float(np.sum(h_t * kw["dh_t"]) + np.sum(c_t * kw["dc_t"]))

    dx_t, dh_prev, dc_prev, dW_ih, dW_hh, db = solutions.lstm_step_backward(**kw)
    analytic = dict(x_t=dx_t, h_prev=dh_prev, c_prev=dc_prev, W_ih=dW_ih, W_hh=dW_hh, b_ih=db, b_hh=db)
    errors = gradcheck(loss, case.forward_kwargs, analytic, eps=EPS)
    assert max(errors.values()) < 5e-6, errors  # centred differences; small entries of the larger cases


@pytest.mark.parametrize("case", cases("ch08.lstm_forward"), ids=lambda c: c.name)
def test_lstm_forward_matches_the_package(case):
    h, c_T = solutions.lstm_forward(**case.kwargs)
    outputs, (h_T, c_pkg), _ = lstm.lstm_forward(**case.kwargs)
    np.testing.assert_allclose(h, outputs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_T, c_pkg, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", cases("ch08.lstm_backward"), ids=lambda c: c.name)
def test_lstm_backward_matches_the_package(case):
    _, _, cache = lstm.lstm_forward(**case.forward_kwargs)
    grads = lstm.lstm_backward(case.kwargs["dh"], cache)
    names = ("x", "h0", "c0", "W_ih", "W_hh", "b_hh")
    for name, value in zip(names, solutions.lstm_backward(**case.kwargs)):
        np.testing.assert_allclose(value, grads[name], rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("case", cases("ch08.lstm_backward"), ids=lambda c: c.name)
def test_lstm_backward_matches_numerical_gradient(case):
    dh = case.kwargs["dh"]

    def loss(**inputs):
        return float(np.sum(solutions.lstm_forward(**inputs)[0] * dh))

    dx, dh0, dc0, dW_ih, dW_hh, db = solutions.lstm_backward(**case.kwargs)
    analytic = dict(x=dx, h0=dh0, c0=dc0, W_ih=dW_ih, W_hh=dW_hh, b_ih=db, b_hh=db)
    errors = gradcheck(loss, case.forward_kwargs, analytic, eps=EPS)
    assert max(errors.values()) < 5e-6, errors  # centred differences; small entries of the larger cases


@pytest.mark.parametrize("case", cases("ch08.gru_step_forward"), ids=lambda c: c.name)
def test_gru_step_forward_matches_the_package(case):
    h_pkg, _ = gru.gru_step_forward(**case.kwargs)
    np.testing.assert_allclose(solutions.gru_step_forward(**case.kwargs), h_pkg, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", cases("ch08.gru_step_backward"), ids=lambda c: c.name)
def test_gru_step_backward_matches_the_package_and_numerical_gradient(case):
    kw = case.kwargs
    _, cache = gru.gru_step_forward(**case.forward_kwargs)
    grads = gru.gru_step_backward(kw["dh_t"], cache)
    ours = dict(zip(("x_t", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh"), solutions.gru_step_backward(**kw)))
    for name, value in ours.items():
        np.testing.assert_allclose(value, grads[name], rtol=1e-10, atol=1e-13, err_msg=name)

    def loss(**inputs):
        return float(np.sum(solutions.gru_step_forward(**inputs) * kw["dh_t"]))

    errors = gradcheck(loss, case.forward_kwargs, ours, eps=EPS)
    assert max(errors.values()) < 5e-6, errors  # centred differences; small entries of the larger cases
    # The reset gate scales b_hn, so the two biases get different gradients in the n block only.
    H = kw["h_prev"].shape[1]
    np.testing.assert_array_equal(ours["b_ih"][: 2 * H], ours["b_hh"][: 2 * H])
    assert np.abs(ours["b_ih"][2 * H :] - ours["b_hh"][2 * H :]).max() > 1e-3


# --- deliberately wrong implementations, two or more per exercise ---------------------


def lstm_gates_ifog(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    # Reads PyTorch's blocks in the order i, f, o, g: the classic loading mistake.
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def lstm_step_without_b_hh(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, np.zeros_like(b_hh))


def lstm_step_h_from_c_without_tanh(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * c_t, c_t


def lstm_step_h_only(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)[0]


def test_lstm_step_with_gate_order_ifog_gets_h_wrong():
    message = message_of("ch08.lstm_step_forward", lstm_gates_ifog)
    assert message.startswith('ch08.lstm_step_forward: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_lstm_step_without_b_hh_gets_h_wrong():
    assert "h_t is wrong" in message_of("ch08.lstm_step_forward", lstm_step_without_b_hh)


def test_lstm_step_without_tanh_of_c_gets_h_wrong():
    assert "h_t is wrong" in message_of("ch08.lstm_step_forward", lstm_step_h_from_c_without_tanh)


def test_lstm_step_returning_only_h_names_both_outputs():
    message = message_of("ch08.lstm_step_forward", lstm_step_h_only)
    assert message == (
        'ch08.lstm_step_forward returned a numpy.ndarray in case "B=1, D=3, H=4"; '
        "expected a tuple of 2 arrays (h_t, c_t)."
    )


def stacked_in_pytorch_order(x_t, h_prev, c_prev, W):
    # Forgets that this layout orders the gates i, f, o, g.
    B, H = h_prev.shape
    a = np.concatenate([np.ones((B, 1)), x_t, h_prev], axis=1) @ W
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def stacked_without_bias_row(x_t, h_prev, c_prev, W):
    # Treats the first row as an input weight and drops the last hidden row.
    B, H = h_prev.shape
    a = np.concatenate([x_t, h_prev], axis=1) @ W[:-1]
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def stacked_hidden_before_input(x_t, h_prev, c_prev, W):
    B, H = h_prev.shape
    a = np.concatenate([np.ones((B, 1)), h_prev, x_t], axis=1) @ W
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def test_stacked_step_in_pytorch_gate_order_gets_h_wrong():
    message = message_of("ch08.lstm_step_stacked", stacked_in_pytorch_order)
    assert message.startswith('ch08.lstm_step_stacked: h_t is wrong in case "B=1, D=3, H=4"')


def test_stacked_step_without_bias_row_gets_values_wrong():
    assert "h_t is wrong" in message_of("ch08.lstm_step_stacked", stacked_without_bias_row)


def test_stacked_step_with_hidden_rows_first_gets_values_wrong():
    assert "h_t is wrong" in message_of("ch08.lstm_step_stacked", stacked_hidden_before_input)


def lstm_step_backward_ignoring_dc_t(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    # Forgets the cell-state gradient that arrives from the next step.
    return solutions.lstm_step_backward(dh_t, np.zeros_like(dc_t), x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)


def lstm_step_backward_without_path_through_h(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    # Uses dc_t alone, forgetting that c_t also reaches the loss through h_t = o tanh(c_t).
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc_t
    da = np.concatenate(
        [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh_t * tanh_c * o * (1 - o)], axis=1
    )
    return da @ W_ih, da @ W_hh, dc * f, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def lstm_step_backward_dc_prev_without_f(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    grads = list(solutions.lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh))
    H = h_prev.shape[1]
    f = sigmoid((x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)[:, H : 2 * H])
    grads[2] = grads[2] / f  # dc instead of dc * f
    return tuple(grads)


def lstm_step_backward_dW_untransposed(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    grads = list(solutions.lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh))
    grads[3] = grads[3].T
    return tuple(grads)


def test_lstm_step_backward_ignoring_dc_t_gets_dx_wrong():
    message = message_of("ch08.lstm_step_backward", lstm_step_backward_ignoring_dc_t)
    assert message.startswith('ch08.lstm_step_backward: dx_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_lstm_step_backward_without_path_through_h_gets_dx_wrong():
    assert "dx_t is wrong" in message_of("ch08.lstm_step_backward", lstm_step_backward_without_path_through_h)


def test_lstm_step_backward_dc_prev_without_forget_gate_gets_dc_prev_wrong():
    message = message_of("ch08.lstm_step_backward", lstm_step_backward_dc_prev_without_f)
    assert message.startswith('ch08.lstm_step_backward: dc_prev is wrong in case "B=1, D=3, H=4"')


def test_lstm_step_backward_transposed_weight_gradient_names_4H():
    message = message_of("ch08.lstm_step_backward", lstm_step_backward_dW_untransposed)
    assert message == (
        'ch08.lstm_step_backward: dW_ih has shape (3, 16) in case "B=1, D=3, H=4"; expected (4H, D) = (16, 3).'
    )


def lstm_forward_from_zero_cell(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    return solutions.lstm_forward(x, h0, np.zeros_like(c0), W_ih, W_hh, b_ih, b_hh)


def lstm_forward_cell_not_carried(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    # Carries h but starts every step from c0.
    h = np.zeros((x.shape[0], *h0.shape))
    h_prev = h0
    for t in range(x.shape[0]):
        h_prev, c_t = solutions.lstm_step_forward(x[t], h_prev, c0, W_ih, W_hh, b_ih, b_hh)
        h[t] = h_prev
    return h, c_t


def lstm_forward_returning_h_T(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, _ = solutions.lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    return h, h[-1]


def test_lstm_forward_ignoring_c0_gets_h_wrong():
    message = message_of("ch08.lstm_forward", lstm_forward_from_zero_cell)
    assert message.startswith('ch08.lstm_forward: h is wrong in case "T=1, B=1, D=3, H=4": largest relative error')


def test_lstm_forward_not_carrying_the_cell_fails_on_a_longer_sequence():
    message = message_of("ch08.lstm_forward", lstm_forward_cell_not_carried)
    assert message.startswith('ch08.lstm_forward: h is wrong in case "T=3, B=2, D=5, H=4"')


def test_lstm_forward_returning_h_T_for_c_T_gets_c_T_wrong():
    message = message_of("ch08.lstm_forward", lstm_forward_returning_h_T)
    assert message.startswith('ch08.lstm_forward: c_T is wrong in case "T=1, B=1, D=3, H=4"')


def bptt_by_steps(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh, carry_cell=True, h0_in_dW_hh=True):
    """BPTT built from the reference step functions, with two switchable mistakes."""
    T = x.shape[0]
    hs, cs = [h0], [c0]
    for t in range(T):
        h_t, c_t = solutions.lstm_step_forward(x[t], hs[t], cs[t], W_ih, W_hh, b_ih, b_hh)
        hs.append(h_t)
        cs.append(c_t)
    dx = np.zeros_like(x)
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros(W_ih.shape[0])
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(T)):
        dc_in = dc_next if carry_cell else np.zeros_like(c0)
        step = solutions.lstm_step_backward(dh[t] + dh_next, dc_in, x[t], hs[t], cs[t], W_ih, W_hh, b_ih, b_hh)
        dx[t], dh_next, dc_next = step[0], step[1], step[2]
        dW_ih += step[3]
        if t > 0 or h0_in_dW_hh:
            dW_hh += step[4]
        db += step[5]
    return dx, dh_next, dc_next, dW_ih, dW_hh, db


def lstm_backward_without_cell_carry(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    # Carries dh between steps but gives every step dc_t = 0.
    return bptt_by_steps(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh, carry_cell=False)


def lstm_backward_zero_state_at_t0(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    # Takes the state before step 0 to be zeros in dW_hh, instead of h0.
    return bptt_by_steps(dh, x, h0, c0, W_ih, W_hh, b_ih, b_hh, h0_in_dW_hh=False)


def test_bptt_by_steps_without_mistakes_passes():
    assert check_exercise(get_exercise("ch08.lstm_backward"), bptt_by_steps).passed


def test_lstm_backward_without_cell_carry_fails_on_a_longer_sequence():
    message = message_of("ch08.lstm_backward", lstm_backward_without_cell_carry)
    assert message.startswith('ch08.lstm_backward: dx is wrong in case "T=3, B=2, D=5, H=4"')


def test_lstm_backward_with_zeros_instead_of_h0_gets_dW_hh_wrong():
    message = message_of("ch08.lstm_backward", lstm_backward_zero_state_at_t0)
    assert message.startswith('ch08.lstm_backward: dW_hh is wrong in case "T=1, B=1, D=3, H=4"')


def gru_step_cho_placement(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    # Cho et al.'s reset placement: r scales h before the product with W_hn.
    H = h_prev.shape[1]
    xw, hw = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r, z = sigmoid(xw[:, :H] + hw[:, :H]), sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
    return (1 - z) * n + z * h_prev


def gru_step_flipped_update(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    # h = (1 - z) h_prev + z n: the other convention, not PyTorch's.
    H = h_prev.shape[1]
    xw, hw = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r, z = sigmoid(xw[:, :H] + hw[:, :H]), sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return (1 - z) * h_prev + z * n


def gru_step_keras_gate_order(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    # Reads the blocks as z, r, n.
    H = h_prev.shape[1]
    xw, hw = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    z, r = sigmoid(xw[:, :H] + hw[:, :H]), sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def test_gru_step_with_cho_reset_placement_gets_h_wrong():
    message = message_of("ch08.gru_step_forward", gru_step_cho_placement)
    assert message.startswith('ch08.gru_step_forward: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_gru_step_with_flipped_update_gets_h_wrong():
    assert "h_t is wrong" in message_of("ch08.gru_step_forward", gru_step_flipped_update)


def test_gru_step_with_gates_z_r_n_gets_h_wrong():
    assert "h_t is wrong" in message_of("ch08.gru_step_forward", gru_step_keras_gate_order)


def gru_step_backward_same_bias_gradients(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    # Assumes the two biases are interchangeable, as they are in the RNN and the LSTM.
    dx_t, dh_prev, dW_ih, dW_hh, db_ih, _ = solutions.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
    return dx_t, dh_prev, dW_ih, dW_hh, db_ih, db_ih.copy()


def gru_step_backward_without_direct_path(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    # Forgets that h_prev also reaches h_t directly, through z * h_prev.
    grads = list(solutions.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh))
    H = h_prev.shape[1]
    z = sigmoid((x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)[:, H : 2 * H])
    grads[1] = grads[1] - dh_t * z
    return tuple(grads)


def test_gru_step_backward_with_equal_bias_gradients_gets_db_hh_wrong():
    message = message_of("ch08.gru_step_backward", gru_step_backward_same_bias_gradients)
    assert message.startswith('ch08.gru_step_backward: db_hh is wrong in case "B=1, D=3, H=4": largest relative error')


def test_gru_step_backward_without_direct_path_gets_dh_prev_wrong():
    message = message_of("ch08.gru_step_backward", gru_step_backward_without_direct_path)
    assert message.startswith('ch08.gru_step_backward: dh_prev is wrong in case "B=1, D=3, H=4"')


# --- ch08.gru_backward ------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("ch08.gru_backward"), ids=lambda c: c.name)
def test_gru_backward_matches_torch_autograd(case):
    import torch

    kw = {name: torch.tensor(value, requires_grad=name != "dh") for name, value in case.kwargs.items()}
    H = kw["h0"].shape[1]
    h, hs = kw["h0"], []
    for x_t in kw["x"]:
        xw, hw = x_t @ kw["W_ih"].T + kw["b_ih"], h @ kw["W_hh"].T + kw["b_hh"]
        r = torch.sigmoid(xw[:, :H] + hw[:, :H])
        z = torch.sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
        n = torch.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
        h = (1 - z) * n + z * h
        hs.append(h)
    (torch.stack(hs) * kw["dh"]).sum().backward()
    ours = solutions.gru_backward(**case.kwargs)
    for value, name in zip(ours, ("x", "h0", "W_ih", "W_hh", "b_ih", "b_hh")):
        np.testing.assert_allclose(value, kw[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def gru_backward_by_steps(dh, x, h0, W_ih, W_hh, b_ih, b_hh, step=solutions.gru_step_backward, carry=True,
                          reverse=True):
    """BPTT built from a step function; the flags make the usual mistakes."""
    hs = [h0]
    for x_t in x:
        hs.append(solutions.gru_step_forward(x_t, hs[-1], W_ih, W_hh, b_ih, b_hh))
    dx, dh_next = np.zeros_like(x), np.zeros_like(h0)
    sums = [np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b_ih), np.zeros_like(b_hh)]
    for t in (reversed(range(len(x))) if reverse else range(len(x))):
        dx[t], dh_prev, *grads = step(dh[t] + (dh_next if carry else 0), x[t], hs[t], W_ih, W_hh, b_ih, b_hh)
        dh_next = dh_prev
        sums = [a + b for a, b in zip(sums, grads)]
    return (dx, dh_next, *sums)


def test_gru_backward_built_from_steps_passes():
    assert check_exercise(get_exercise("ch08.gru_backward"), gru_backward_by_steps).passed


def test_gru_backward_without_the_carried_gradient_gets_dh0_wrong():
    message = message_of("ch08.gru_backward", lambda **kw: gru_backward_by_steps(**kw, carry=False))
    assert message.startswith('ch08.gru_backward: dx is wrong in case "T=3, B=2, D=5, H=4"')
    assert "Outputs in this case: dx wrong, dh0 wrong, dW_ih wrong, dW_hh wrong, db_ih wrong, db_hh wrong." in message


def test_gru_backward_forward_in_time_is_wrong():
    message = message_of("ch08.gru_backward", lambda **kw: gru_backward_by_steps(**kw, reverse=False))
    assert message.startswith('ch08.gru_backward: dx is wrong in case "T=3, B=2, D=5, H=4"')


def test_gru_backward_with_a_wrong_n_block_names_the_block():
    def reset_outside(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        grads = list(solutions.gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh))
        H = h_prev.shape[1]
        grads[3] = grads[3].copy()
        grads[3][2 * H :] *= 1.5  # a mistake confined to the n rows of dW_hh
        return tuple(grads)

    message = message_of("ch08.gru_backward", lambda **kw: gru_backward_by_steps(**kw, step=reset_outside))
    assert message.startswith('ch08.gru_backward: dW_hh is wrong in case "T=1, B=1, D=3, H=4"')
    assert "dW_hh (gate blocks r, z, n along axis 0): wrong in block n; right in r, z." in message
    assert "Outputs in this case: dx right, dh0 right, dW_ih right, dW_hh wrong, db_ih right, db_hh right." in message


def test_gru_backward_with_equal_bias_gradients_gets_the_n_block_of_db_hh_wrong():
    message = message_of("ch08.gru_backward",
                         lambda **kw: gru_backward_by_steps(**kw, step=gru_step_backward_same_bias_gradients))
    assert message.startswith('ch08.gru_backward: db_hh is wrong in case "T=1, B=1, D=3, H=4"')
    assert "wrong in block n; right in r, z." in message


def test_gru_backward_without_the_direct_path_gets_dh0_wrong():
    message = message_of("ch08.gru_backward",
                         lambda **kw: gru_backward_by_steps(**kw, step=gru_step_backward_without_direct_path))
    assert message.startswith('ch08.gru_backward: dh0 is wrong in case "T=1, B=1, D=3, H=4"')


def test_gru_backward_calling_a_stub_step_names_the_step():
    def gru_step_backward(dh_t, x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        raise NotImplementedError

    def gru_backward(dh, x, h0, W_ih, W_hh, b_ih, b_hh):
        return gru_backward_by_steps(dh, x, h0, W_ih, W_hh, b_ih, b_hh, step=gru_step_backward)

    message = message_of("ch08.gru_backward", gru_backward)
    line = gru_step_backward.__code__.co_firstlineno + 1
    assert message == (
        "ch08.gru_backward: your function calls gru_step_backward, which is not implemented yet "
        f"(gru_step_backward line {line}: raise NotImplementedError). Implement and check gru_step_backward first."
    )


def test_every_chapter_8_exercise_has_a_wrong_implementation_above():
    tested = {
        "ch08.lstm_step_forward", "ch08.lstm_step_stacked", "ch08.lstm_step_backward", "ch08.lstm_forward",
        "ch08.lstm_backward", "ch08.gru_step_forward", "ch08.gru_step_backward", "ch08.gru_backward",
    }
    from companion.exercises import EXERCISES

    assert {i for i in EXERCISES if i.startswith("ch08.")} == tested
