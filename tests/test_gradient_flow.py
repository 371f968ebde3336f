"""Jacobian norms by lag agree with torch autograd, finite differences and the closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.scratch.gradcheck import numerical_gradient
from companion.scratch.gradient_flow import (
    StepJacobians,
    geometric_mean,
    gradient_flow,
    lag_norms,
    per_step_rate,
    step_jacobians,
)
from companion.scratch.gru import gru_forward
from companion.scratch.lstm import lstm_forward
from companion.scratch.rnn import rnn_forward
from companion.scratch.weights import init_weights
from companion.practice.torch_bridge import weights_to_torch

T, B, D, H = 6, 3, 2, 5
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def problem(cell: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = init_weights(cell, D, H, rng)
    weights = {name: 2.0 * value for name, value in weights.items()}  # gates away from 1/2
    return rng.normal(size=(T, B, D)), weights


@pytest.mark.parametrize("cell", list(MODULES))
def test_input_jacobian_norms_match_torch_autograd(cell):
    x, weights = problem(cell)
    flow = gradient_flow(cell, x, **weights)
    module = MODULES[cell](D, H, dtype=torch.float64)
    weights_to_torch(module, weights)
    jac = torch.autograd.functional.jacobian(lambda xx: module(xx)[0][-1], torch.tensor(x)).numpy()  # (B, H, T, B, D)
    expected = np.array([[np.linalg.norm(jac[b, :, T - 1 - k, b, :], ord=2) for b in range(B)] for k in range(T)])
    np.testing.assert_allclose(flow.hx, expected, rtol=1e-10, atol=1e-14)
    assert flow.hx.shape == (T, B) and flow.hh.shape == (T + 1, B)
    np.testing.assert_allclose(flow.hh[0], 1.0)


def state_jacobian_fd(cell: str, x, weights, h0, c0, wrt: str, of: str) -> np.ndarray:
    """Finite-difference Jacobian d(of)_T/d(wrt)_0 for sequence 0: (H, H)."""
    def final(h0_, c0_):
        if cell == "lstm":
            _, (h_T, c_T), _ = lstm_forward(x, h0_, c0_, **weights)
            return h_T if of == "h" else c_T
        forward = rnn_forward if cell == "rnn" else gru_forward
        return forward(x, h0_, **weights)[1]

    rows = []
    for i in range(H):
        def f(value):
            h0_, c0_ = (value, c0) if wrt == "h" else (h0, value)
            return final(h0_, c0_)[0, i]
        rows.append(numerical_gradient(f, h0 if wrt == "h" else c0)[0])
    return np.array(rows)


@pytest.mark.parametrize("cell", list(MODULES))
def test_full_lag_state_norm_matches_finite_differences(cell):
    x, weights = problem(cell, seed=1)
    rng = np.random.default_rng(2)
    h0 = rng.uniform(-0.5, 0.5, size=(B, H))
    c0 = rng.uniform(-0.5, 0.5, size=(B, H)) if cell == "lstm" else None
    flow = gradient_flow(cell, x, **weights, h0=h0, c0=c0)
    expected = np.linalg.norm(state_jacobian_fd(cell, x, weights, h0, c0, "h", "h"), ord=2)
    np.testing.assert_allclose(flow.hh[T, 0], expected, rtol=1e-7)
    if cell == "lstm":
        expected_c = np.linalg.norm(state_jacobian_fd(cell, x, weights, h0, c0, "c", "c"), ord=2)
        np.testing.assert_allclose(flow.cc[T, 0], expected_c, rtol=1e-7)
    else:
        assert flow.cc is None


def test_rnn_step_jacobian_is_tanh_derivative_times_W_hh():
    x, weights = problem("rnn")
    jacobians = step_jacobians("rnn", x, **weights)
    outputs, _, _ = rnn_forward(x, None, **weights)
    expected = (1 - outputs**2)[..., None] * weights["W_hh"]  # (T, B, H, H)
    np.testing.assert_allclose(jacobians.state, expected, atol=1e-15)
    np.testing.assert_allclose(jacobians.inputs, (1 - outputs**2)[..., None] * weights["W_ih"], atol=1e-15)


def test_lstm_cell_block_of_one_step_is_the_forget_gate_on_the_diagonal():
    x, weights = problem("lstm")
    jacobians = step_jacobians("lstm", x, **weights)
    _, _, cache = lstm_forward(x, None, None, **weights)
    f = cache.gates[:, :, H : 2 * H]  # (T, B, H)
    cc = jacobians.state[:, :, H:, H:]
    np.testing.assert_allclose(cc, f[..., None] * np.eye(H), atol=1e-15)  # dc_t/dc_{t-1} = diag(f_t)


def test_linear_one_unit_relu_rnn_gives_powers_of_w():
    w = 0.9
    weights = {"W_ih": np.ones((1, 1)), "W_hh": np.full((1, 1), w), "b_ih": np.full(1, 0.1), "b_hh": np.zeros(1)}
    x = np.random.default_rng(0).uniform(0.1, 1.0, size=(20, 2, 1))  # positive, so relu is the identity
    flow = gradient_flow("rnn", x, **weights, nonlinearity="relu")
    np.testing.assert_allclose(flow.hh, np.broadcast_to(w ** np.arange(21)[:, None], (21, 2)), rtol=1e-13)
    np.testing.assert_allclose(flow.hx, np.broadcast_to(w ** np.arange(20)[:, None], (20, 2)), rtol=1e-13)
    assert per_step_rate(flow.hh) == pytest.approx(w, rel=1e-12)


def test_scaled_orthogonal_rnn_with_tiny_inputs_decays_at_its_scale():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    weights = {"W_ih": 1e-3 * rng.normal(size=(16, 2)), "W_hh": 0.5 * Q, "b_ih": np.zeros(16), "b_hh": np.zeros(16)}
    flow = gradient_flow("rnn", rng.normal(size=(30, 4, 2)), **weights)
    assert per_step_rate(flow.hh) == pytest.approx(0.5, rel=1e-4)


def test_geometric_mean_and_rate():
    norms = np.array([[1.0, 1.0], [0.5, 2.0], [0.25, 4.0]])
    np.testing.assert_allclose(geometric_mean(norms), [1.0, 1.0, 1.0])
    assert per_step_rate(0.7 ** np.arange(10), start=0) == pytest.approx(0.7)
    assert per_step_rate(np.stack([0.5 ** np.arange(10), 2.0 ** np.arange(10)], axis=1), start=0) == pytest.approx(1.0)


def test_lag_norms_of_a_handmade_product():
    # Two steps of a 2-unit state with J = diag(a, b): the norm at lag k is max(|a|, |b|)^k.
    J = np.broadcast_to(np.diag([0.5, -3.0]), (2, 1, 2, 2)).copy()
    X = np.zeros((2, 1, 2, 1))
    X[:, :, 0, 0] = 1.0
    flow = lag_norms(StepJacobians(J, X, hidden_size=2))
    np.testing.assert_allclose(flow.hh[:, 0], [1.0, 3.0, 9.0])
    np.testing.assert_allclose(flow.hx[:, 0], [1.0, 0.5])  # only unit 0 sees the input


def test_invalid_arguments_have_clear_messages():
    x, weights = problem("rnn")
    with pytest.raises(ValueError, match='cell must be "rnn", "lstm" or "gru"'):
        gradient_flow("elman", x, **weights)
    with pytest.raises(ValueError, match="c0 is the LSTM's cell state"):
        gradient_flow("rnn", x, **weights, c0=np.zeros((B, H)))
    with pytest.raises(ValueError, match=r"x must be \(T, B, D\) = \(\*, \*, 2\); got \(3, 2\)"):
        gradient_flow("rnn", x[0], **weights)
    with pytest.raises(ValueError, match="need at least two lags"):
        per_step_rate(np.ones(5), start=4)
    with pytest.raises(ValueError, match="positive and finite"):
        per_step_rate(np.array([1.0, 0.0, 0.0]), start=0)
    with pytest.raises(ValueError, match=r"norms must be \(K, B\)"):
        geometric_mean(np.ones(3))
    with pytest.raises(ValueError, match="cell_state=True needs an LSTM run"):
        lag_norms(step_jacobians("rnn", x, **weights), cell_state=True)
