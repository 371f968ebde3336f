"""The LSTM in NumPy: one step and a whole sequence, forward and backward.

One step, with the batch in rows (``x_t: (B, D)``, ``h, c: (B, H)``) and
PyTorch's gate order i, f, g, o::

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        (B, 4H): four blocks of H columns
    i = sigmoid(a_i),  f = sigmoid(a_f),  g = tanh(a_g),  o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

The four gates share one fused weight matrix (``W_ih: (4H, D)``,
``W_hh: (4H, H)``, ``b_ih, b_hh: (4H,)``), so one product computes all of
them; this is PyTorch's layout, so ``torch.nn.LSTM``'s weights load as they
are. Sequences are time-major, ``x: (T, B, D)``; the sequence functions loop
over time and call the step functions. Backward functions return a dict of
gradients keyed by the forward's argument names.

``companion.scratch.lstm_fast`` computes the same numbers faster, with the
tricks this file avoids; chapter 10 measures what each buys.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.scratch.validation import check_upstream, validate_forward


def sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))``, written with tanh so that no exp overflows for large negative ``a``."""
    return 0.5 * (1 + np.tanh(0.5 * a))


class LSTMStepCache(NamedTuple):
    """What the backward pass of one step needs."""

    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    c_prev: np.ndarray  # (B, H)
    gates: np.ndarray  # (B, 4H): i, f, g, o after their nonlinearities
    tanh_c: np.ndarray  # (B, H): tanh(c_t)
    W_ih: np.ndarray  # (4H, D)
    W_hh: np.ndarray  # (4H, H)


def _step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    gates = np.concatenate([sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)], axis=1)
    i, f, g, o = np.split(gates, 4, axis=1)
    c_t = f * c_prev + i * g
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c
    return h_t, c_t, LSTMStepCache(x_t, h_prev, c_prev, gates, tanh_c, W_ih, W_hh)


def _step_backward(dh_t, dc_t, cache: LSTMStepCache) -> dict[str, np.ndarray]:
    x_t, h_prev, c_prev, gates, tanh_c, W_ih, W_hh = cache
    i, f, g, o = np.split(gates, 4, axis=1)
    # c_t reaches the loss through c_{t+1} (dc_t) and through h_t = o * tanh(c_t).
    dc = dc_t + dh_t * o * (1 - tanh_c**2)
    # The gradient of each gate value, times the slope of its nonlinearity:
    # sigmoid' = s (1 - s) and tanh' = 1 - t^2, written with the gate values.
    da = np.concatenate([
        dc * g * i * (1 - i),  # i multiplies g in c_t
        dc * c_prev * f * (1 - f),  # f multiplies c_{t-1}
        dc * i * (1 - g**2),  # g multiplies i
        dh_t * tanh_c * o * (1 - o),  # o multiplies tanh(c_t) in h_t
    ], axis=1)  # (B, 4H)
    return {
        "x_t": da @ W_ih,
        "h_prev": da @ W_hh,
        "c_prev": dc * f,
        "W_ih": da.T @ x_t,
        "W_hh": da.T @ h_prev,
        "b_ih": da.sum(axis=0),
        "b_hh": da.sum(axis=0),
    }


def lstm_step_forward(
    x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh
) -> tuple[np.ndarray, np.ndarray, LSTMStepCache]:
    """One LSTM step, PyTorch's equations and gate order (i, f, g, o)::

        i, f, o = sigmoid(...), g = tanh(...)   of x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh
        c_t = f * c_prev + i * g,   h_t = o * tanh(c_t)

    ``x_t: (B, D)``, ``h_prev, c_prev: (B, H)``, ``W_ih: (4H, D)``,
    ``W_hh: (4H, H)``, ``b_ih, b_hh: (4H,)``. Returns ``h_t, c_t: (B, H)`` and the cache.
    """
    inputs = dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    return _step_forward(**validate_forward("lstm", inputs, ("h_prev", "c_prev"), step=True))


def lstm_step_backward(dh_t, dc_t, cache: LSTMStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t, dc_t: (B, H)``."""
    dh_t = check_upstream("dh_t", dh_t, ("B", "H"), cache.c_prev)
    dc_t = check_upstream("dc_t", dc_t, ("B", "H"), cache.c_prev)
    return _step_backward(dh_t, dc_t, cache)


class LSTMCache(NamedTuple):
    """The step caches of a sequence, stacked over time."""

    x: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T+1, B, H): h_0 ... h_T
    cs: np.ndarray  # (T+1, B, H): c_0 ... c_T
    gates: np.ndarray  # (T, B, 4H): i, f, g, o after their nonlinearities
    tanh_cs: np.ndarray  # (T, B, H): tanh(c_1) ... tanh(c_T)
    W_ih: np.ndarray
    W_hh: np.ndarray

    def step(self, t: int) -> LSTMStepCache:
        """The cache of step ``t`` (0-based), as :func:`lstm_step_forward` would return it."""
        return LSTMStepCache(self.x[t], self.hs[t], self.cs[t], self.gates[t], self.tanh_cs[t], self.W_ih, self.W_hh)


def lstm_forward(
    x, h0, c0, W_ih, W_hh, b_ih, b_hh
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], LSTMCache]:
    """Run the LSTM over a sequence, like ``torch.nn.LSTM``.

    ``x: (T, B, D)``, ``h0, c0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`lstm_step_forward`. Returns ``outputs: (T, B, H)`` (every h_t),
    ``(h_T, c_T)`` and the cache. The outputs are copies, not views of the cache.
    """
    inputs = dict(x=x, h0=h0, c0=c0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    a = validate_forward("lstm", inputs, ("h0", "c0"), step=False)
    x, weights = a["x"], [a["W_ih"], a["W_hh"], a["b_ih"], a["b_hh"]]
    T, B, _ = x.shape
    H = a["W_hh"].shape[1]
    hs, cs = np.empty((T + 1, B, H), dtype=x.dtype), np.empty((T + 1, B, H), dtype=x.dtype)
    gates, tanh_cs = np.empty((T, B, 4 * H), dtype=x.dtype), np.empty((T, B, H), dtype=x.dtype)
    hs[0], cs[0] = a["h0"], a["c0"]
    for t in range(T):
        hs[t + 1], cs[t + 1], step = _step_forward(x[t], hs[t], cs[t], *weights)
        gates[t], tanh_cs[t] = step.gates, step.tanh_c
    cache = LSTMCache(x, hs, cs, gates, tanh_cs, a["W_ih"], a["W_hh"])
    return hs[1:].copy(), (hs[T].copy(), cs[T].copy()), cache


def lstm_backward(d_outputs, cache: LSTMCache, d_hT=None, d_cT=None) -> dict[str, np.ndarray]:
    """Backpropagation through time. ``d_outputs: (T, B, H)``; ``d_hT, d_cT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, c0, W_ih, W_hh, b_ih, b_hh``.
    """
    d_outputs = check_upstream("d_outputs", d_outputs, ("T", "B", "H"), cache.hs[1:])
    dh = check_upstream("d_hT", d_hT, ("B", "H"), cache.hs[0], zeros=True)
    dc = check_upstream("d_cT", d_cT, ("B", "H"), cache.cs[0], zeros=True)
    dx = np.empty_like(cache.x)
    bias = np.zeros(len(cache.W_hh), dtype=cache.W_hh.dtype)
    grads = {"W_ih": np.zeros_like(cache.W_ih), "W_hh": np.zeros_like(cache.W_hh), "b_ih": bias, "b_hh": bias.copy()}
    for t in reversed(range(len(cache.x))):
        # h_t reaches the loss directly (d_outputs[t]) and through step t+1 (dh).
        step = _step_backward(dh + d_outputs[t], dc, cache.step(t))
        dx[t], dh, dc = step["x_t"], step["h_prev"], step["c_prev"]
        for name in grads:  # every step uses the same weights: their gradients add up
            grads[name] += step[name]
    return {"x": dx, "h0": dh, "c0": dc, **grads}
