"""Chapter 5's exercise checks reject typical mistakes, and the references agree with PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from companion.exercises import get_exercise
from companion.scratch.gru import gru_step_forward
from companion.scratch.lstm import lstm_step_forward
from companion.solutions import ch05 as solutions
from companion.practice.torch_bridge import weights_to_torch
from exercise_messages import message_of


def naive_sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# --- ch05.sigmoid ---------------------------------------------------------------------


def sigmoid_as_ratio(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / (1.0 + np.exp(x))  # inf / inf = NaN at x = 800


def sigmoid_with_tanh_of_x(x):
    return 0.5 * (1.0 + np.tanh(x))  # the identity needs tanh(x / 2)


def sigmoid_as_tanh(x):
    return np.tanh(x)


def test_sigmoid_as_exp_over_one_plus_exp_gives_nan_at_800():
    message = message_of("ch05.sigmoid", sigmoid_as_ratio)
    assert message == 'ch05.sigmoid: s contains NaN in case "B=2, H=5, with entries +-800 and +-40", first at index (0, 0).'


def test_sigmoid_with_the_wrong_tanh_identity_is_wrong():
    message = message_of("ch05.sigmoid", sigmoid_with_tanh_of_x)
    assert message.startswith('ch05.sigmoid: s is wrong in case "B=1, H=4, between -4 and 4"')


def test_tanh_instead_of_sigmoid_is_wrong():
    assert "s is wrong" in message_of("ch05.sigmoid", sigmoid_as_tanh)


def test_reference_sigmoid_raises_no_warning_on_huge_inputs():
    x = np.array([-1e308, -800.0, -40.0, 0.0, 40.0, 800.0, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solutions.sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(s[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)


# --- ch05.lstm_step -------------------------------------------------------------------


def lstm_in_order_i_f_o_g(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, o = naive_sigmoid(a[:, :H]), naive_sigmoid(a[:, H : 2 * H]), naive_sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def lstm_without_tanh_of_c(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    _, c_t = solutions.lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)
    o = naive_sigmoid((x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)[:, 3 * H :])
    return o * c_t, c_t


def lstm_with_sigmoid_candidate(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, g, o = (naive_sigmoid(a[:, k * H : (k + 1) * H]) for k in range(4))
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def lstm_returning_c_first(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    h_t, c_t = solutions.lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)
    return c_t, h_t


def test_lstm_with_gates_in_keras_like_order_is_wrong():
    message = message_of("ch05.lstm_step", lstm_in_order_i_f_o_g)
    assert message.startswith('ch05.lstm_step: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_lstm_without_tanh_of_the_cell_gets_h_wrong_and_c_right():
    message = message_of("ch05.lstm_step", lstm_without_tanh_of_c)
    assert message.startswith('ch05.lstm_step: h_t is wrong in case "B=1, D=3, H=4"')


def test_lstm_with_sigmoid_candidate_is_wrong():
    assert "is wrong" in message_of("ch05.lstm_step", lstm_with_sigmoid_candidate)


def test_lstm_returning_c_before_h_is_wrong():
    assert message_of("ch05.lstm_step", lstm_returning_c_first).startswith(
        'ch05.lstm_step: h_t and c_t are swapped in case "B=1, D=3, H=4": your h_t is the expected c_t')


# --- ch05.gru_step and ch05.gru_step_cho ----------------------------------------------


def gru_with_z_on_the_candidate(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    xw, hw = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r, z = naive_sigmoid(xw[:, :H] + hw[:, :H]), naive_sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return z * n + (1 - z) * h_prev  # the two roles of z swapped


def gru_with_reset_outside_the_bias(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    xw, hw = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r, z = naive_sigmoid(xw[:, :H] + hw[:, :H]), naive_sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * (h_prev @ W_hh[2 * H :].T) + b_hh[2 * H :])  # b_hn not scaled by r
    return (1 - z) * n + z * h_prev


def test_cho_placement_fails_the_pytorch_exercise():
    message = message_of("ch05.gru_step", solutions.gru_step_cho)
    assert message.startswith('ch05.gru_step: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_pytorch_placement_fails_the_cho_exercise():
    message = message_of("ch05.gru_step_cho", solutions.gru_step)
    assert message.startswith('ch05.gru_step_cho: h_t is wrong in case "B=1, D=3, H=4": largest relative error')


def test_gru_with_the_update_gate_swapped_is_wrong():
    assert "h_t is wrong" in message_of("ch05.gru_step", gru_with_z_on_the_candidate)


def test_gru_with_b_hn_outside_the_reset_is_wrong():
    assert "h_t is wrong" in message_of("ch05.gru_step", gru_with_reset_outside_the_bias)


def test_cho_with_z_swapped_is_wrong():
    def cho_swapped(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        h_t = solutions.gru_step_cho(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
        return h_t + 0.5 * h_prev

    assert "h_t is wrong" in message_of("ch05.gru_step_cho", cho_swapped)


# --- ch05.cell_gradient_path ----------------------------------------------------------


def path_forward_cumprod(f):
    return np.cumprod(f, axis=0)


def path_including_the_own_gate(f):
    g = np.ones((f.shape[0] + 1,) + f.shape[1:])
    for t in range(f.shape[0] - 1, -1, -1):
        g[t] = g[t + 1] * f[t - 1] if t > 0 else g[t + 1] * f[0]  # shifted by one
    return g


def path_in_forward_order(f):
    return solutions.cell_gradient_path(f)[::-1]


def test_forward_cumprod_gives_shape_with_T_plus_1():
    message = message_of("ch05.cell_gradient_path", path_forward_cumprod)
    assert message == 'ch05.cell_gradient_path: g has shape (1, 1, 4) in case "T=1, B=1, H=4"; expected (T+1, B, H) = (2, 1, 4).'


def test_path_with_shifted_gates_is_wrong():
    message = message_of("ch05.cell_gradient_path", path_including_the_own_gate)
    assert message.startswith('ch05.cell_gradient_path: g is wrong in case "T=4, B=2, H=3"')


def test_path_in_forward_order_is_wrong():
    assert "g is wrong" in message_of("ch05.cell_gradient_path", path_in_forward_order)


# --- the references against PyTorch and the companion package -------------------------


def test_lstm_step_matches_torch_lstm_cell_and_the_scratch_lstm():
    for case in get_exercise("ch05.lstm_step").make_cases():
        kw = case.kwargs
        D, H = case.dims["D"], case.dims["H"]
        cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), ("W_ih", "W_hh", "b_ih", "b_hh")):
                getattr(cell, name).copy_(torch.tensor(kw[value]))
            h_torch, c_torch = cell(torch.tensor(kw["x_t"]), (torch.tensor(kw["h_prev"]), torch.tensor(kw["c_prev"])))
        h_t, c_t = solutions.lstm_step(**kw)
        np.testing.assert_allclose(h_t, h_torch.numpy(), atol=1e-13)
        np.testing.assert_allclose(c_t, c_torch.numpy(), atol=1e-13)
        h_np, c_np, _ = lstm_step_forward(**kw)
        np.testing.assert_allclose(h_t, h_np, atol=1e-13)
        np.testing.assert_allclose(c_t, c_np, atol=1e-13)


def test_gru_step_matches_torch_gru_and_cho_does_not():
    for case in get_exercise("ch05.gru_step").make_cases():
        kw = case.kwargs
        D, H = case.dims["D"], case.dims["H"]
        module = torch.nn.GRU(D, H, dtype=torch.float64)
        weights_to_torch(module, {name: kw[name] for name in ("W_ih", "W_hh", "b_ih", "b_hh")})
        with torch.no_grad():
            _, h_n = module(torch.tensor(kw["x_t"][None]), torch.tensor(kw["h_prev"][None]))
        np.testing.assert_allclose(solutions.gru_step(**kw), h_n[0].numpy(), atol=1e-13)
        np.testing.assert_allclose(solutions.gru_step(**kw), gru_step_forward(**kw)[0], atol=1e-13)
        assert np.abs(solutions.gru_step_cho(**kw) - h_n[0].numpy()).max() > 1e-2


def test_placements_agree_when_the_reset_gate_is_one():
    rng = np.random.default_rng(0)
    B, D, H = 2, 3, 4
    kw = dict(x_t=rng.normal(size=(B, D)), h_prev=rng.normal(size=(B, H)), W_ih=rng.normal(size=(3 * H, D)),
              W_hh=rng.normal(size=(3 * H, H)), b_ih=rng.normal(size=3 * H), b_hh=rng.normal(size=3 * H))
    kw["b_ih"][:H] = 800.0  # r = sigmoid(huge) = 1 exactly
    np.testing.assert_allclose(solutions.gru_step(**kw), solutions.gru_step_cho(**kw), atol=1e-14)


def test_cell_gradient_path_is_the_diagonal_of_dc_T_dc_t_with_the_gates_frozen():
    # c_t = f_t * c_{t-1} + (terms that do not depend on c): the derivative is the product.
    rng = np.random.default_rng(1)
    f = rng.uniform(0.1, 0.99, size=(5, 2, 3))
    g = solutions.cell_gradient_path(f)

    def c_T(c0):
        c = c0
        for t in range(5):
            c = f[t] * c + 0.3
        return c

    eps = 1e-6
    numerical = (c_T(np.full((2, 3), eps)) - c_T(np.full((2, 3), -eps))) / (2 * eps)
    np.testing.assert_allclose(g[0], numerical, rtol=1e-8)
    np.testing.assert_array_equal(g[-1], np.ones((2, 3)))
