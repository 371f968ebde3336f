"""The LSTM of ``companion.scratch.lstm``, tuned for speed: a lesson in vectorisation, not the model.

It computes the same numbers as :func:`companion.scratch.lstm.lstm_forward`
and :func:`~companion.scratch.lstm.lstm_backward` (``tests/test_lstm_fast.py``
checks outputs and every gradient to 1e-12 in float64), with the same
arguments and return conventions, but arranges the work differently:

1. **Batch in columns.** The states are stored ``(H, B)``, the transpose of
   the equations' ``(B, H)``. A step's pre-activations are then ``(4H, B)``
   and each gate is a contiguous block of rows, so the gate arithmetic runs
   over contiguous memory and needs no split or concatenate.
2. **One product per step.** ``[W_ih | W_hh | b_ih + b_hh]`` times the
   stacked column ``[x_t; h_{t-1}; 1]``: one matrix product instead of two
   products and two bias additions. The ``1`` row carries the bias. The
   columns of all steps live in one buffer, so ``h_t`` is written straight
   into the next step's column and the backward pass reads them back as one
   array.
3. **The sigmoid's 1/2 folded into the weights.** Since
   ``sigmoid(a) = (1 + tanh(a/2)) / 2``, scaling the rows of i, f and o by
   1/2 once, before the loop, lets one ``tanh`` call on the whole ``(4H, B)``
   block serve all four gates.
4. **No allocation in the loop.** Every result is written into preallocated
   buffers with ``out=``, so the time loop allocates nothing.
5. **One weight gradient for all steps.** The weight gradient sums
   ``d_pre_t [x_t; h_{t-1}; 1]^T`` over t: one large product over all T*B
   columns after the backward loop, instead of T small ones.

What they buy, measured at T=100, B=64, D=32, H=128 in float32 on one
thread of the course's shared two-core build machine, during a book build
(chapter 10 measures again at every build, with
``companion.course.bench.time_lstm_tricks``; ``make bench`` times both LSTMs
against ``torch.nn.LSTM`` on every core). On that busy machine repeated runs
varied by up to a factor of two, the forward and backward pass most:

=============================  ==========  ==========
milliseconds per call          readable    fast
=============================  ==========  ==========
forward                        28.1        16.8
forward + backward             64.8        62.3
=============================  ==========  ==========

Each trick alone, on the work it changes, per pass of T steps (without ->
with): 1. batch in columns 4.9 -> 3.3 ms; 2. one product per step
16.6 -> 11.2 ms; 3. folded 1/2 3.8 -> 2.1 ms; 4. no allocation
1.19 -> 1.14 ms; 5. one weight gradient 14.6 -> 14.5 ms. The first three
make the forward pass about 1.7 times as fast; the last two buy nothing
measurable at this shape, and the backward pass gains little overall. They
stay as a lesson in measuring a trick before believing in it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.scratch.validation import check_upstream, validate_forward


def gate_scale(H: int, dtype) -> np.ndarray:
    """``(4H,)``: 1/2 for the sigmoid gates i, f, o and 1 for the tanh gate g.

    Once the i, f, o pre-activations are multiplied by this scale, one tanh
    call serves all four gates, and ``(1 + tanh) / 2`` on the rows of i, f, o
    gives their values.
    """
    scale = np.full(4 * H, 0.5, dtype=dtype)
    scale[2 * H : 3 * H] = 1
    return scale


def _cell(pre, c_prev, h, c, tanh_c) -> None:
    """Turn scaled pre-activations ``pre: (4H, B)`` into gate values i, f, g, o in place; write h, c and tanh(c).

    ``c_prev, h, c, tanh_c`` are ``(H, B)``, slices of the sequence's
    buffers, so the loop allocates nothing.
    """
    H = c_prev.shape[0]
    np.tanh(pre, out=pre)
    for sigmoid_rows in (pre[: 2 * H], pre[3 * H :]):  # i and f, then o
        sigmoid_rows += 1
        sigmoid_rows *= 0.5
    i, f, g, o = pre[:H], pre[H : 2 * H], pre[2 * H : 3 * H], pre[3 * H :]
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=tanh_c)  # tanh_c is scratch space until it gets its value
    c += tanh_c
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)


def _cell_backward(dh, dc, gates, c_prev, tanh_c, d_pre) -> np.ndarray:
    """Write the gradient of the pre-activations into ``d_pre: (4H, B)``; return that of ``c_prev``.

    ``dh: (H, B)`` is the whole gradient of h_t; ``dc: (H, B)`` the gradient
    of c_t through c_{t+1} only. The slopes of the four gates are computed at
    once on the whole ``(4H, B)`` block.
    """
    H = c_prev.shape[0]
    i, f, g, o = gates[:H], gates[H : 2 * H], gates[2 * H : 3 * H], gates[3 * H :]
    dc = dc + dh * o * (1 - tanh_c * tanh_c)
    np.multiply(dc, g, out=d_pre[:H])
    np.multiply(dc, c_prev, out=d_pre[H : 2 * H])
    np.multiply(dc, i, out=d_pre[2 * H : 3 * H])
    np.multiply(dh, tanh_c, out=d_pre[3 * H :])
    slope = gates * (1 - gates)
    slope[2 * H : 3 * H] = 1 - g * g
    d_pre *= slope
    return dc * f


class LSTMFastCache(NamedTuple):
    """What :func:`lstm_backward_fast` needs, with the batch in columns.

    The properties give time-major copies ``(T, B, ...)`` like those of
    :class:`companion.scratch.lstm.LSTMCache`.
    """

    stacked: np.ndarray  # (T+1, D+H+1, B): stacked[t] is the columns [x_t; h_{t-1}; 1]; stacked[T] holds h_T
    cells: np.ndarray  # (T+1, H, B): c_0 ... c_T
    gate_values: np.ndarray  # (T, 4H, B): i, f, g, o after their nonlinearities
    tanh_cells: np.ndarray  # (T, H, B)
    W: np.ndarray  # (4H, D+H+1): [W_ih | W_hh | b_ih + b_hh]

    @property
    def hs(self) -> np.ndarray:
        """``(T+1, B, H)``: h_0 ... h_T (a copy)."""
        H = self.cells.shape[1]
        D = self.W.shape[1] - H - 1
        return np.ascontiguousarray(self.stacked[:, D : D + H].transpose(0, 2, 1))

    @property
    def cs(self) -> np.ndarray:
        """``(T+1, B, H)``: c_0 ... c_T (a copy)."""
        return np.ascontiguousarray(self.cells.transpose(0, 2, 1))


def lstm_forward_fast(
    x, h0, c0, W_ih, W_hh, b_ih, b_hh
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], LSTMFastCache]:
    """:func:`companion.scratch.lstm.lstm_forward`, tuned: same arguments, same results.

    ``x: (T, B, D)``, ``h0, c0: (B, H)`` or ``None`` for zeros. Returns
    ``outputs: (T, B, H)``, ``(h_T, c_T)`` and the cache; the three arrays
    are copies, not views of the cache.
    """
    inputs = dict(x=x, h0=h0, c0=c0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    a = validate_forward("lstm", inputs, ("h0", "c0"), step=False)
    x = a["x"]
    T, B, D = x.shape
    H = a["W_hh"].shape[1]
    # Trick 2: one matrix for the whole step, applied to the column [x_t; h_{t-1}; 1]...
    W = np.hstack([a["W_ih"], a["W_hh"], (a["b_ih"] + a["b_hh"])[:, None]])  # (4H, D + H + 1)
    # ...trick 3: with the 1/2 of sigmoid(a) = (1 + tanh(a/2)) / 2 folded into the rows of i, f, o once, here.
    W_scaled = W * gate_scale(H, x.dtype)[:, None]
    # Trick 1: the batch in the columns, so each gate is a contiguous block of rows.
    stacked = np.empty((T + 1, D + H + 1, B), dtype=x.dtype)
    stacked[:T, :D] = x.transpose(0, 2, 1)
    stacked[T, :D] = 0  # no input follows the last step; this block only holds h_T
    stacked[0, D : D + H] = a["h0"].T
    stacked[:, D + H] = 1
    gates = np.empty((T, 4 * H, B), dtype=x.dtype)
    cells = np.empty((T + 1, H, B), dtype=x.dtype)
    tanh_cells = np.empty((T, H, B), dtype=x.dtype)
    cells[0] = a["c0"].T
    for t in range(T):
        # Trick 4: every result goes into a preallocated buffer.
        np.matmul(W_scaled, stacked[t], out=gates[t])
        _cell(gates[t], cells[t], stacked[t + 1, D : D + H], cells[t + 1], tanh_cells[t])
    cache = LSTMFastCache(stacked, cells, gates, tanh_cells, W)
    hs = cache.hs  # a copy, so the caller may change it
    return hs[1:], (hs[T].copy(), np.ascontiguousarray(cells[T].T)), cache


def lstm_backward_fast(d_outputs, cache: LSTMFastCache, d_hT=None, d_cT=None) -> dict[str, np.ndarray]:
    """:func:`companion.scratch.lstm.lstm_backward`, tuned. ``d_outputs: (T, B, H)``; ``d_hT, d_cT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, c0, W_ih, W_hh, b_ih, b_hh``.
    """
    stacked, cells, gates, W = cache.stacked, cache.cells, cache.gate_values, cache.W
    T, H, B = cache.tanh_cells.shape
    D = W.shape[1] - H - 1
    like = np.empty((T, B, H), dtype=W.dtype)  # for the checks: shape and dtype only
    d_outputs = check_upstream("d_outputs", d_outputs, ("T", "B", "H"), like).transpose(0, 2, 1)
    dh = check_upstream("d_hT", d_hT, ("B", "H"), like[0], zeros=True).T.copy()  # (H, B)
    dc = check_upstream("d_cT", d_cT, ("B", "H"), like[0], zeros=True).T
    d_pre = np.empty_like(gates)  # (T, 4H, B)
    d_stacked = np.empty((T, D + H + 1, B), dtype=W.dtype)  # the gradients of the columns [x_t; h_{t-1}; 1]
    for t in reversed(range(T)):
        dh += d_outputs[t]
        dc = _cell_backward(dh, dc, gates[t], cells[t], cache.tanh_cells[t], d_pre[t])
        np.matmul(W.T, d_pre[t], out=d_stacked[t])
        np.copyto(dh, d_stacked[t, D : D + H])
    # Trick 5: the weight gradient sums d_pre[t] [x_t; h_{t-1}; 1]^T over the steps: one product over all T B columns.
    dW = np.tensordot(d_pre, stacked[:T], axes=([0, 2], [0, 2]))  # (4H, D + H + 1)
    db = dW[:, D + H]
    return {
        "x": np.ascontiguousarray(d_stacked[:, :D].transpose(0, 2, 1)),
        "h0": dh.T.copy(),
        "c0": dc.T.copy(),
        "W_ih": np.ascontiguousarray(dW[:, :D]),
        "W_hh": np.ascontiguousarray(dW[:, D : D + H]),
        "b_ih": db.copy(),
        "b_hh": db.copy(),  # two copies: optimisers update gradients in place
    }
