"""The GRU in NumPy: one step and a whole sequence, forward and backward.

One step, with the batch in rows (``x_t: (B, D)``, ``h: (B, H)``) and
PyTorch's equations and gate order r, z, n::

    u = x_t W_ih^T + b_ih,  v = h_{t-1} W_hh^T + b_hh     both (B, 3H), in blocks r, z, n
    r = sigmoid(u_r + v_r)
    z = sigmoid(u_z + v_z)
    n = tanh(u_n + r * v_n)
    h_t = (1 - z) * n + z * h_{t-1}

The reset gate scales ``v_n = h W_hn^T + b_hn``, after the product, as PyTorch
does (Cho et al., 2014, apply it to h before the product). The three gates
share fused weights, ``W_ih: (3H, D)``, ``W_hh: (3H, H)``, ``b_ih, b_hh:
(3H,)``, in PyTorch's layout. Sequences are time-major, ``x: (T, B, D)``;
the sequence functions loop over time and call the step functions.
Backward functions return a dict of gradients keyed by the forward's argument names.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.scratch.validation import check_upstream, validate_forward


def sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))``, written with tanh so that no exp overflows for large negative ``a``."""
    return 0.5 * (1 + np.tanh(0.5 * a))


class GRUStepCache(NamedTuple):
    """What the backward pass of one step needs."""

    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    gates: np.ndarray  # (B, 3H): r, z, n after their nonlinearities
    hn: np.ndarray  # (B, H): v_n = h_prev W_hn^T + b_hn, the part the reset gate scales
    W_ih: np.ndarray  # (3H, D)
    W_hh: np.ndarray  # (3H, H)


def _step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    u = x_t @ W_ih.T + b_ih  # (B, 3H): the input's share of r, z, n
    v = h_prev @ W_hh.T + b_hh  # (B, 3H): the state's share
    u_r, u_z, u_n = np.split(u, 3, axis=1)
    v_r, v_z, v_n = np.split(v, 3, axis=1)
    r = sigmoid(u_r + v_r)
    z = sigmoid(u_z + v_z)
    n = np.tanh(u_n + r * v_n)
    h_t = (1 - z) * n + z * h_prev
    return h_t, GRUStepCache(x_t, h_prev, np.concatenate([r, z, n], axis=1), v_n, W_ih, W_hh)


def _step_backward(dh_t, cache: GRUStepCache) -> dict[str, np.ndarray]:
    x_t, h_prev, gates, v_n, W_ih, W_hh = cache
    r, z, n = np.split(gates, 3, axis=1)
    # The gradients of the pre-activations s, through sigmoid' = s (1 - s) and tanh' = 1 - t^2.
    ds_n = dh_t * (1 - z) * (1 - n**2)
    ds_z = dh_t * (h_prev - n) * z * (1 - z)
    ds_r = ds_n * v_n * r * (1 - r)
    du = np.concatenate([ds_r, ds_z, ds_n], axis=1)  # r and z see x and h through the same sums...
    dv = np.concatenate([ds_r, ds_z, ds_n * r], axis=1)  # ...but v_n is scaled by r first
    return {
        "x_t": du @ W_ih,
        "h_prev": dh_t * z + dv @ W_hh,  # h_{t-1} also reaches h_t directly, through z * h_{t-1}
        "W_ih": du.T @ x_t,
        "W_hh": dv.T @ h_prev,
        "b_ih": du.sum(axis=0),
        "b_hh": dv.sum(axis=0),
    }


def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU step, PyTorch's equations and gate order (r, z, n)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h

    ``x_t: (B, D)``, ``h_prev: (B, H)``, ``W_ih: (3H, D)``, ``W_hh: (3H, H)``,
    ``b_ih, b_hh: (3H,)``. Returns ``h_t: (B, H)`` and the cache.
    """
    inputs = dict(x_t=x_t, h_prev=h_prev, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    return _step_forward(**validate_forward("gru", inputs, ("h_prev",), step=True))


def gru_step_backward(dh_t, cache: GRUStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t: (B, H)``."""
    dh_t = check_upstream("dh_t", dh_t, ("B", "H"), cache.h_prev)
    return _step_backward(dh_t, cache)


class GRUCache(NamedTuple):
    """The step caches of a sequence, stacked over time."""

    x: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T+1, B, H): h_0 ... h_T
    gates: np.ndarray  # (T, B, 3H): r, z, n after their nonlinearities
    hns: np.ndarray  # (T, B, H): v_n of each step, h_{t-1} W_hn^T + b_hn
    W_ih: np.ndarray
    W_hh: np.ndarray

    def step(self, t: int) -> GRUStepCache:
        """The cache of step ``t`` (0-based), as :func:`gru_step_forward` would return it."""
        return GRUStepCache(self.x[t], self.hs[t], self.gates[t], self.hns[t], self.W_ih, self.W_hh)


def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray, GRUCache]:
    """Run the GRU over a sequence, like ``torch.nn.GRU``.

    ``x: (T, B, D)``, ``h0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`gru_step_forward`. Returns ``outputs: (T, B, H)`` (every h_t),
    ``h_T: (B, H)`` and the cache. The outputs are copies, not views of the cache.
    """
    a = validate_forward("gru", dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh), ("h0",), step=False)
    x, weights = a["x"], [a["W_ih"], a["W_hh"], a["b_ih"], a["b_hh"]]
    T, B, _ = x.shape
    H = a["W_hh"].shape[1]
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    gates, hns = np.empty((T, B, 3 * H), dtype=x.dtype), np.empty((T, B, H), dtype=x.dtype)
    hs[0] = a["h0"]
    for t in range(T):
        hs[t + 1], step = _step_forward(x[t], hs[t], *weights)
        gates[t], hns[t] = step.gates, step.hn
    return hs[1:].copy(), hs[T].copy(), GRUCache(x, hs, gates, hns, a["W_ih"], a["W_hh"])


def gru_backward(d_outputs, cache: GRUCache, d_hT=None) -> dict[str, np.ndarray]:
    """Backpropagation through time. ``d_outputs: (T, B, H)``, ``d_hT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, W_ih, W_hh, b_ih, b_hh``.
    """
    d_outputs = check_upstream("d_outputs", d_outputs, ("T", "B", "H"), cache.hs[1:])
    dh = check_upstream("d_hT", d_hT, ("B", "H"), cache.hs[0], zeros=True)
    dx = np.empty_like(cache.x)
    bias = np.zeros(len(cache.W_hh), dtype=cache.W_hh.dtype)
    grads = {"W_ih": np.zeros_like(cache.W_ih), "W_hh": np.zeros_like(cache.W_hh), "b_ih": bias, "b_hh": bias.copy()}
    for t in reversed(range(len(cache.x))):
        # h_t reaches the loss directly (d_outputs[t]) and through h_{t+1} (dh).
        step = _step_backward(dh + d_outputs[t], cache.step(t))
        dx[t], dh = step["x_t"], step["h_prev"]
        for name in grads:  # every step uses the same weights: their gradients add up
            grads[name] += step[name]
    return {"x": dx, "h0": dh, **grads}
