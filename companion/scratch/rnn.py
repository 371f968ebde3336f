"""The vanilla RNN in NumPy: one step and a whole sequence, forward and backward.

One step, with the batch in rows (``x_t: (B, D)``, ``h: (B, H)``)::

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    h_t = tanh(a_t)          (or relu(a_t))

The weights are in PyTorch's layout (``W_ih: (H, D)``, ``W_hh: (H, H)``,
``b_ih, b_hh: (H,)``), so ``torch.nn.RNN``'s weights load as they are.
Sequences are time-major, ``x: (T, B, D)``. The sequence functions loop over
time and call the step functions; everything else is vectorised over the batch.
Backward functions return a dict of gradients keyed by the forward's argument names.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.scratch.validation import check_upstream, validate_forward

NONLINEARITIES = ("tanh", "relu")


def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f'nonlinearity must be "tanh" or "relu"; got {nonlinearity!r}')


class RNNStepCache(NamedTuple):
    """What the backward pass of one step needs."""

    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    h_t: np.ndarray  # (B, H); the nonlinearity's slope is a function of it
    W_ih: np.ndarray  # (H, D)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


def _step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, nonlinearity):
    a_t = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    h_t = np.tanh(a_t) if nonlinearity == "tanh" else np.maximum(a_t, 0)
    return h_t, RNNStepCache(x_t, h_prev, h_t, W_ih, W_hh, nonlinearity)


def _step_backward(dh_t, cache: RNNStepCache) -> dict[str, np.ndarray]:
    x_t, h_prev, h_t, W_ih, W_hh, nonlinearity = cache
    # The slope at a_t, written with h_t: tanh' = 1 - h_t^2, relu' = [h_t > 0].
    da = dh_t * (1 - h_t**2) if nonlinearity == "tanh" else dh_t * (h_t > 0)
    return {
        "x_t": da @ W_ih,
        "h_prev": da @ W_hh,
        "W_ih": da.T @ x_t,
        "W_hh": da.T @ h_prev,
        "b_ih": da.sum(axis=0),
        "b_hh": da.sum(axis=0),
    }


def rnn_step_forward(
    x_t, h_prev, W_ih, W_hh, b_ih, b_hh, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, RNNStepCache]:
    """One step ``h_t = tanh(x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh)``.

    ``x_t: (B, D)``, ``h_prev: (B, H)``, ``W_ih: (H, D)``, ``W_hh: (H, H)``,
    ``b_ih, b_hh: (H,)``. Returns ``h_t: (B, H)`` and the cache for backward.
    """
    _check_nonlinearity(nonlinearity)
    a = validate_forward("rnn", dict(x_t=x_t, h_prev=h_prev, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh),
                         ("h_prev",), step=True)
    h_t, cache = _step_forward(**a, nonlinearity=nonlinearity)
    return h_t.copy(), cache  # a copy: editing h_t must not change what backward reads


def rnn_step_backward(dh_t, cache: RNNStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t: (B, H)``."""
    dh_t = check_upstream("dh_t", dh_t, ("B", "H"), cache.h_t)
    return _step_backward(dh_t, cache)


class RNNCache(NamedTuple):
    """The step caches of a sequence, stacked over time."""

    x: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T+1, B, H); hs[0] = h0, hs[t+1] = h_t
    W_ih: np.ndarray
    W_hh: np.ndarray
    nonlinearity: str

    def step(self, t: int) -> RNNStepCache:
        """The cache of step ``t`` (0-based), as :func:`rnn_step_forward` would return it."""
        return RNNStepCache(self.x[t], self.hs[t], self.hs[t + 1], self.W_ih, self.W_hh, self.nonlinearity)


def rnn_forward(
    x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray, RNNCache]:
    """Run the RNN over a sequence, like ``torch.nn.RNN``.

    ``x: (T, B, D)``, ``h0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`rnn_step_forward`. Returns ``outputs: (T, B, H)`` (every h_t),
    ``h_T: (B, H)`` and the cache. The outputs are copies, not views of the cache.
    """
    _check_nonlinearity(nonlinearity)
    a = validate_forward("rnn", dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh), ("h0",), step=False)
    x = a["x"]
    T, B, _ = x.shape
    hs = np.empty((T + 1, B, a["W_hh"].shape[1]), dtype=x.dtype)
    hs[0] = a["h0"]
    for t in range(T):
        hs[t + 1], _ = _step_forward(x[t], hs[t], a["W_ih"], a["W_hh"], a["b_ih"], a["b_hh"], nonlinearity)
    return hs[1:].copy(), hs[T].copy(), RNNCache(x, hs, a["W_ih"], a["W_hh"], nonlinearity)


def rnn_backward(d_outputs, cache: RNNCache, d_hT=None) -> dict[str, np.ndarray]:
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
