"""Gradient flow through time: how strongly the last state depends on earlier states and inputs.

A recurrent cell maps its previous state and the current input to a new state,
``s_t = F(s_{t-1}, x_t)``, with ``s = h`` for the RNN and the GRU and
``s = (h, c)`` for the LSTM (size ``S = H`` or ``2H``). By the chain rule the
Jacobian of the last state with respect to the state ``k`` steps earlier is a
product of one-step Jacobians,

    ds_T/ds_{T-k} = J_T J_{T-1} ... J_{T-k+1},    J_t = ds_t/ds_{t-1}: (S, S),

and the Jacobian with respect to an earlier input is that product times the
input Jacobian of the step, ``ds_T/dx_{T-k} = (ds_T/ds_{T-k}) (ds_{T-k}/dx_{T-k})``.

Everything here is computed in NumPy, exactly (no sampling, no finite
differences): each step's Jacobians come from the companion's own step backward
functions of ``companion.scratch.rnn``, ``lstm`` and ``gru``, one vector-Jacobian product per unit of
state (``e_j^T J_t`` is row ``j`` of ``J_t``), and the products are accumulated
from the last step backwards, as BPTT does with vectors. The norms are spectral
norms (largest singular values), the quantities that the bounds of Pascanu et
al. (2013) are about.

    from companion.scratch.gradient_flow import gradient_flow, per_step_rate
    flow = gradient_flow("lstm", x, **weights)       # x: (T, B, D)
    flow.hh[k]   # ||dh_T/dh_{T-k}||, one value per sequence: (B,)
    flow.hx[k]   # ||dh_T/dx_{T-k}||: (B,)

The cost is ``T`` step passes on ``B * S`` rows plus ``T`` batched products and
SVDs of ``(S, S)`` matrices: meant for small models (``H`` up to about 64).
Matrices this small gain nothing from a multithreaded BLAS, and on a busy
machine its threads fight over the cores (ten times slower on two shared
cores), so both functions run their loops with one BLAS thread.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from companion.scratch.gru import gru_forward, gru_step_backward, gru_step_forward
from companion.scratch.lstm import lstm_forward, lstm_step_backward, lstm_step_forward
from companion.scratch.rnn import rnn_forward, rnn_step_backward, rnn_step_forward

CELLS = ("rnn", "lstm", "gru")


class StepJacobians(NamedTuple):
    """The one-step Jacobians of a run, for every step ``t = 1..T`` and sequence ``b``.

    state[t - 1, b] = ds_t/ds_{t-1}: (S, S); inputs[t - 1, b] = ds_t/dx_t: (S, D).
    For the LSTM the state is ordered (h, c): rows and columns ``:H`` are h, ``H:`` are c.
    """

    state: np.ndarray  # (T, B, S, S)
    inputs: np.ndarray  # (T, B, S, D)
    hidden_size: int  # H


class GradientFlow(NamedTuple):
    """Spectral norms of Jacobians of the last hidden state, by lag ``k``, per sequence.

    hh[k, b] = ||dh_T/dh_{T-k}||, k = 0..T (hh[0] = 1). For the LSTM this is the
        (h, h) block of ds_T/ds_{T-k}: the effect of h_{T-k} with c_{T-k} held fixed.
    cc[k, b] = ||dc_T/dc_{T-k}|| for the LSTM (its (c, c) block), None otherwise.
    hx[k, b] = ||dh_T/dx_{T-k}||, k = 0..T-1: how much the input k steps back still moves h_T.
    """

    hh: np.ndarray  # (T + 1, B)
    cc: np.ndarray | None  # (T + 1, B) or None
    hx: np.ndarray  # (T, B)


def _states(cell: str, x, h0, c0, weights: dict, nonlinearity: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Run the sequence forward; return hs: (T + 1, B, H) with hs[0] = h0, and cs likewise (LSTM) or None."""
    if cell == "rnn":
        _, _, cache = rnn_forward(x, h0, **weights, nonlinearity=nonlinearity)
        return cache.hs, None
    if cell == "lstm":
        _, _, cache = lstm_forward(x, h0, c0, **weights)
        return cache.hs, cache.cs
    _, _, cache = gru_forward(x, h0, **weights)
    return cache.hs, None


def _step_rows(cell: str, x_t, h_prev, c_prev, weights: dict, nonlinearity: str, probes: np.ndarray):
    """One step's vector-Jacobian products for the upstream gradients ``probes: (N, S)``.

    Returns the gradients of the previous state, ``(N, S)`` (h then c for the
    LSTM), and of the input, ``(N, D)``.
    """
    if cell == "rnn":
        _, cache = rnn_step_forward(x_t, h_prev, **weights, nonlinearity=nonlinearity)
        grads = rnn_step_backward(probes, cache)
        return grads["h_prev"], grads["x_t"]
    if cell == "gru":
        _, cache = gru_step_forward(x_t, h_prev, **weights)
        grads = gru_step_backward(probes, cache)
        return grads["h_prev"], grads["x_t"]
    H = h_prev.shape[1]
    _, _, cache = lstm_step_forward(x_t, h_prev, c_prev, **weights)
    grads = lstm_step_backward(probes[:, :H], probes[:, H:], cache)
    return np.concatenate([grads["h_prev"], grads["c_prev"]], axis=1), grads["x_t"]


def step_jacobians(
    cell: str, x, W_ih, W_hh, b_ih, b_hh, h0=None, c0=None, nonlinearity: str = "tanh"
) -> StepJacobians:
    """The Jacobians ds_t/ds_{t-1} and ds_t/dx_t of every step of a run (see ``StepJacobians``).

    ``cell`` is "rnn", "lstm" or "gru"; ``x: (T, B, D)`` time-major; the weights
    are in PyTorch's layout as in ``companion.scratch.weights.init_weights``; ``h0, c0: (B, H)`` or
    ``None`` for zeros (``c0`` only for the LSTM); ``nonlinearity`` only for the RNN.
    """
    if cell not in CELLS:
        raise ValueError(f'cell must be "rnn", "lstm" or "gru"; got {cell!r}')
    if c0 is not None and cell != "lstm":
        raise ValueError(f"c0 is the LSTM's cell state; a {cell!r} cell has none")
    weights = dict(W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    hs, cs = _states(cell, x, h0, c0, weights, nonlinearity)  # validates every argument
    x = np.asarray(x)
    T, B, D = x.shape
    H = hs.shape[2]
    S = 2 * H if cell == "lstm" else H
    # Each sequence is repeated S times and copy j receives the upstream gradient
    # e_j, so the gradient of its previous state is row j of the step's Jacobian.
    probes = np.tile(np.eye(S, dtype=x.dtype), (B, 1))  # (B * S, S)
    state = np.empty((T, B, S, S), dtype=x.dtype)
    inputs = np.empty((T, B, S, D), dtype=x.dtype)
    with threadpool_limits(limits=1, user_api="blas"):
        for t in range(T):
            c_prev = None if cs is None else np.repeat(cs[t], S, axis=0)
            rows, x_rows = _step_rows(
                cell, np.repeat(x[t], S, axis=0), np.repeat(hs[t], S, axis=0), c_prev, weights, nonlinearity, probes
            )
            state[t] = rows.reshape(B, S, S)
            inputs[t] = x_rows.reshape(B, S, D)
    return StepJacobians(state, inputs, H)


def lag_norms(jacobians: StepJacobians, cell_state: bool = False) -> GradientFlow:
    """Spectral norms of dh_T/dh_{T-k}, dh_T/dx_{T-k} (and dc_T/dc_{T-k}) for every lag k.

    The product P_k = ds_T/ds_{T-k} is built from the last step backwards,
    P_0 = I and P_k = P_{k-1} J_{T-k+1}. ``cell_state=True`` (LSTM runs only)
    also fills ``cc``.
    """
    J, X, H = jacobians
    T, B, S, _ = J.shape
    if cell_state and S != 2 * H:
        raise ValueError("cell_state=True needs an LSTM run (state size 2H)")
    P = np.broadcast_to(np.eye(S, dtype=J.dtype), (B, S, S)).copy()
    hh = np.empty((T + 1, B), dtype=J.dtype)
    cc = np.empty((T + 1, B), dtype=J.dtype) if cell_state else None
    hx = np.empty((T, B), dtype=J.dtype)
    with threadpool_limits(limits=1, user_api="blas"):
        for k in range(T + 1):
            # P = ds_T/ds_{T-k}; x_{T-k} is x[T - k - 1] in the arrays (x[0] is x_1).
            hh[k] = np.linalg.norm(P[:, :H, :H], ord=2, axis=(1, 2))
            if cell_state:
                cc[k] = np.linalg.norm(P[:, H:, H:], ord=2, axis=(1, 2))
            if k < T:
                hx[k] = np.linalg.norm((P @ X[T - k - 1])[:, :H], ord=2, axis=(1, 2))
                P = P @ J[T - k - 1]
    return GradientFlow(hh, cc, hx)


def gradient_flow(
    cell: str, x, W_ih, W_hh, b_ih, b_hh, h0=None, c0=None, nonlinearity: str = "tanh"
) -> GradientFlow:
    """``lag_norms(step_jacobians(...))``: the norms by lag for one run of ``cell`` on ``x: (T, B, D)``.

    For the LSTM ``cc`` (the cell path) is filled too. See ``GradientFlow`` for what is returned.
    """
    jacobians = step_jacobians(cell, x, W_ih, W_hh, b_ih, b_hh, h0, c0, nonlinearity)
    return lag_norms(jacobians, cell_state=cell == "lstm")


def geometric_mean(norms: np.ndarray) -> np.ndarray:
    """Geometric mean over sequences: ``norms: (K, B)`` -> ``(K,)``.

    Gradient norms spread over orders of magnitude, so they are averaged on a
    log scale; an arithmetic mean would be dominated by the largest sequence.
    """
    norms = np.asarray(norms)
    if norms.ndim != 2:
        raise ValueError(f"norms must be (K, B) = (lags, sequences); got {norms.shape}")
    with np.errstate(divide="ignore"):
        return np.exp(np.mean(np.log(norms), axis=1))


def per_step_rate(norms: np.ndarray, start: int = 1, stop: int | None = None) -> float:
    """The factor by which a norm changes per step of lag, fitted over lags ``start..stop-1``.

    ``norms: (K,)`` (for instance a ``geometric_mean``) or ``(K, B)`` (averaged
    on a log scale first). Fits a straight line to ``log(norms[k])`` against
    ``k`` by least squares and returns ``exp(slope)``: below 1 the gradient
    vanishes geometrically, above 1 it explodes.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim == 2:
        norms = geometric_mean(norms)
    if norms.ndim != 1:
        raise ValueError(f"norms must be (K,) or (K, B); got {norms.shape}")
    lags = np.arange(len(norms))[start:stop]
    values = norms[start:stop]
    if len(lags) < 2:
        raise ValueError(f"need at least two lags to fit a rate; got {len(lags)} in [{start}, {stop})")
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError("norms must be positive and finite over the fitted lags")
    slope = np.polyfit(lags, np.log(values), 1)[0]
    return float(np.exp(slope))
