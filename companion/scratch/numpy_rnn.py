"""Vanilla RNN, LSTM and GRU in NumPy: forward and backward passes, side by side.

Conventions (shared with PyTorch, so its weights load without transposes):

- Sequences are time-major: ``x: (T, B, D)``, hidden size ``H``.
- Each cell has a fused gate matrix: ``W_ih: (G*H, D)``, ``W_hh: (G*H, H)``,
  ``b_ih, b_hh: (G*H,)`` with G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or
  3 (GRU, gates r, z, n). One matmul computes every gate at once.
- Backward functions return a dict of gradients keyed by the forward's
  argument names, so ``companion.scratch.gradcheck.gradcheck`` reads naturally.

Every model has a step function (one time step, the equations of the
chapter) and a sequence function. The sequence functions do the same maths,
arranged for speed. The RNN and the GRU hoist the input projections of all
time steps into one big matmul before the time loop, so that only
``h_{t-1} W_hh^T`` is truly sequential. The LSTM instead stores the batch in
columns and makes each step one product of ``[W_ih | W_hh | b]`` with the
columns ``[x_t; h_{t-1}; 1]``. In backward, all three compute the weight
gradients with one big matmul after the loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
_NONLINEARITIES = ("tanh", "relu")


# ---------------------------------------------------------------- validation


def _shape_text(items) -> str:
    items = [str(i) for i in items]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _check_shape(name: str, a: np.ndarray, dims: tuple[str, ...], sizes: tuple) -> None:
    """Raise unless ``a.shape`` matches ``sizes``; ``None`` in sizes means any size."""
    if a.ndim == len(sizes) and all(s is None or s == n for s, n in zip(sizes, a.shape)):
        return
    known = ["*" if s is None else s for s in sizes]
    raise ValueError(f"{name} must be {_shape_text(dims)} = {_shape_text(known)}; got {a.shape}")


def _check_dtypes(arrays: dict, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Convert to arrays that all share the first one's floating dtype."""
    checked: dict[str, np.ndarray] = {}
    first = None
    for name, a in arrays.items():
        if a is None and name in optional:
            checked[name] = None
            continue
        a = np.asarray(a)
        if first is None:
            if a.dtype not in (np.float32, np.float64):
                raise ValueError(f"{name} has dtype {a.dtype}; expected float32 or float64")
            first = name
        elif a.dtype != checked[first].dtype:
            raise ValueError(f"{name} has dtype {a.dtype} but {first} has {checked[first].dtype}")
        checked[name] = a
    return checked


def _check_weights(cell: str, W_ih, W_hh, b_ih, b_hh) -> tuple[int | None, int | None]:
    """Check the four weights of ``cell`` against each other; return (D, H)."""
    G = _GATES[cell]
    GH = "H" if G == 1 else f"{G}*H"
    H = W_hh.shape[1] if W_hh.ndim == 2 else None
    rows = None if H is None else G * H
    _check_shape("W_hh", W_hh, (GH, "H"), (rows, H))
    D = W_ih.shape[1] if W_ih.ndim == 2 else None
    _check_shape("W_ih", W_ih, (GH, "D"), (rows, D))
    _check_shape("b_ih", b_ih, (GH,), (rows,))
    _check_shape("b_hh", b_hh, (GH,), (rows,))
    return D, H


def _validate(cell: str, inputs: dict, states: tuple[str, ...], step: bool) -> dict[str, np.ndarray]:
    """Validate the arguments of a forward function once, at the public edge.

    ``inputs`` holds the input (``x`` or ``x_t``), then the states named in
    ``states``, then the four weights. Sequence functions accept ``None``
    states and get zeros.
    """
    a = _check_dtypes(inputs, optional=() if step else states)
    D, H = _check_weights(cell, a["W_ih"], a["W_hh"], a["b_ih"], a["b_hh"])
    if step:
        _check_shape("x_t", a["x_t"], ("B", "D"), (None, D))
        B = a["x_t"].shape[0]
    else:
        _check_shape("x", a["x"], ("T", "B", "D"), (None, None, D))
        B = a["x"].shape[1]
    for name in states:
        if a[name] is None:
            a[name] = np.zeros((B, H), dtype=a["W_hh"].dtype)
        _check_shape(name, a[name], ("B", "H"), (B, H))
    return a


def _check_upstream(name: str, grad, dims: tuple[str, ...], like: np.ndarray, zeros: bool = False) -> np.ndarray:
    """Check an upstream gradient against the array it is the gradient of."""
    if grad is None and zeros:
        return np.zeros_like(like)
    grad = np.asarray(grad)
    if grad.dtype != like.dtype:
        raise ValueError(f"{name} has dtype {grad.dtype}; expected {like.dtype} like the forward pass")
    _check_shape(name, grad, dims, like.shape)
    return grad


def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f'nonlinearity must be "tanh" or "relu"; got {nonlinearity!r}')


def init_weights(
    cell: str, input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Weights of ``cell`` ("rnn", "lstm" or "gru"), uniform in (-1/sqrt(H), 1/sqrt(H)) as in PyTorch.

    Returns ``{"W_ih": (G*H, D), "W_hh": (G*H, H), "b_ih": (G*H,), "b_hh": (G*H,)}``.
    """
    if cell not in _GATES:
        raise ValueError(f'cell must be "rnn", "lstm" or "gru"; got {cell!r}')
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {np.dtype(dtype)}")
    D, H, G = input_size, hidden_size, _GATES[cell]
    k = 1.0 / np.sqrt(H)
    shapes = {"W_ih": (G * H, D), "W_hh": (G * H, H), "b_ih": (G * H,), "b_hh": (G * H,)}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """In place; sigmoid(a) = (1 + tanh(a/2)) / 2 never overflows, unlike 1 / (1 + exp(-a))."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a


def _projection_grads(d_in, d_hid, x, h_prev, W_ih) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Gradients through the two projections ``x W_ih^T + b_ih`` and ``h_prev W_hh^T + b_hh``.

    ``d_in``, ``d_hid`` are the gradients of those two sums, for one step
    (``(B, G*H)``) or all steps at once (``(T, B, G*H)``): summing over time is
    what turns the weight gradients into one big matmul each. Returns the
    gradient of ``x`` (shaped like ``x``) and those of ``W_ih, W_hh, b_ih, b_hh``.
    """
    same = d_hid is d_in  # the RNN and the LSTM pass one array twice
    d_in = d_in.reshape(-1, d_in.shape[-1])
    d_hid = d_in if same else d_hid.reshape(-1, d_hid.shape[-1])
    dx = (d_in @ W_ih).reshape(x.shape)
    db_in = d_in.sum(axis=0)
    return dx, {
        "W_ih": d_in.T @ x.reshape(-1, x.shape[-1]),
        "W_hh": d_hid.T @ h_prev.reshape(-1, h_prev.shape[-1]),
        "b_ih": db_in,
        "b_hh": db_in.copy() if same else d_hid.sum(axis=0),  # a copy: optimisers update in place
    }


# ----------------------------------------------------------------------- RNN


class RNNStepCache(NamedTuple):
    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    h_t: np.ndarray  # (B, H); the nonlinearity's derivative is a function of it
    W_ih: np.ndarray
    W_hh: np.ndarray
    nonlinearity: str


def _rnn_activate(a: np.ndarray, nonlinearity: str) -> np.ndarray:
    """Apply the nonlinearity to pre-activations ``a`` in place."""
    return np.tanh(a, out=a) if nonlinearity == "tanh" else np.maximum(a, 0, out=a)


def _rnn_pre_grad(dh: np.ndarray, h: np.ndarray, nonlinearity: str) -> np.ndarray:
    """Gradient of the pre-activation, from ``dh`` and the output ``h``: tanh' = 1 - h^2, relu' = [h > 0]."""
    return dh * (1 - h * h) if nonlinearity == "tanh" else dh * (h > 0)


def rnn_step_forward(
    x_t, h_prev, W_ih, W_hh, b_ih, b_hh, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, RNNStepCache]:
    """One step ``h_t = tanh(x_t W_ih^T + b_ih + h_prev W_hh^T + b_hh)``.

    ``x_t: (B, D)``, ``h_prev: (B, H)``, ``W_ih: (H, D)``, ``W_hh: (H, H)``,
    ``b_ih, b_hh: (H,)``. Returns ``h_t: (B, H)`` and the cache for backward.
    """
    _check_nonlinearity(nonlinearity)
    a = _validate("rnn", dict(x_t=x_t, h_prev=h_prev, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh), ("h_prev",), True)
    pre = a["x_t"] @ a["W_ih"].T + a["b_ih"] + a["h_prev"] @ a["W_hh"].T + a["b_hh"]
    h_t = _rnn_activate(pre, nonlinearity)
    return h_t, RNNStepCache(a["x_t"], a["h_prev"], h_t, a["W_ih"], a["W_hh"], nonlinearity)


def rnn_step_backward(dh_t, cache: RNNStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t: (B, H)``."""
    dh_t = _check_upstream("dh_t", dh_t, ("B", "H"), cache.h_t)
    d_pre = _rnn_pre_grad(dh_t, cache.h_t, cache.nonlinearity)
    dx, grads = _projection_grads(d_pre, d_pre, cache.x_t, cache.h_prev, cache.W_ih)
    return {"x_t": dx, "h_prev": d_pre @ cache.W_hh, **grads}


class RNNCache(NamedTuple):
    x: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T+1, B, H); hs[0] = h0, hs[t+1] = h_t
    W_ih: np.ndarray
    W_hh: np.ndarray
    nonlinearity: str


def rnn_forward(
    x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray, RNNCache]:
    """Run the RNN over a sequence, like ``torch.nn.RNN``.

    ``x: (T, B, D)``, ``h0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`rnn_step_forward`. Returns ``outputs: (T, B, H)`` (every h_t),
    ``h_T: (B, H)`` and the cache. ``outputs`` is a view into the cache:
    copy it before changing it in place.
    """
    _check_nonlinearity(nonlinearity)
    a = _validate("rnn", dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh), ("h0",), False)
    x, W_hh = a["x"], a["W_hh"]
    T, B, D = x.shape
    H = W_hh.shape[1]
    # Input projections of all steps at once; both biases fold in here.
    pre = (x.reshape(T * B, D) @ a["W_ih"].T).reshape(T, B, H)
    pre += a["b_ih"] + a["b_hh"]
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    hs[0] = a["h0"]
    for t in range(T):
        pre[t] += hs[t] @ W_hh.T
        hs[t + 1] = _rnn_activate(pre[t], nonlinearity)
    return hs[1:], hs[T], RNNCache(x, hs, a["W_ih"], W_hh, nonlinearity)


def rnn_backward(d_outputs, cache: RNNCache, d_hT=None) -> dict[str, np.ndarray]:
    """Backpropagation through time. ``d_outputs: (T, B, H)``, ``d_hT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, W_ih, W_hh, b_ih, b_hh``.
    """
    hs = cache.hs
    d_outputs = _check_upstream("d_outputs", d_outputs, ("T", "B", "H"), hs[1:])
    dh = _check_upstream("d_hT", d_hT, ("B", "H"), hs[0], zeros=True).copy()
    d_pre = np.empty_like(d_outputs)
    for t in reversed(range(len(d_pre))):
        dh += d_outputs[t]
        d_pre[t] = _rnn_pre_grad(dh, hs[t + 1], cache.nonlinearity)
        dh = d_pre[t] @ cache.W_hh
    dx, grads = _projection_grads(d_pre, d_pre, cache.x, hs[:-1], cache.W_ih)
    return {"x": dx, "h0": dh, **grads}


# ---------------------------------------------------------------------- LSTM


def _gate_scale(H: int, dtype) -> np.ndarray:
    """``(4H,)``: 1/2 for the sigmoid gates i, f, o and 1 for the tanh gate g.

    As in :func:`_sigmoid`, sigmoid(a) = (1 + tanh(a/2)) / 2. So once the
    i, f, o pre-activations are multiplied by this scale, one tanh call serves
    all four gates, and ``(1 + tanh) / 2`` on the rows of i, f, o gives their values.
    """
    scale = np.full(4 * H, 0.5, dtype=dtype)
    scale[2 * H : 3 * H] = 1
    return scale


def _lstm_cell(pre, c_prev, h, c, tanh_c) -> None:
    """Turn scaled pre-activations ``pre: (4H, B)`` into gate values i, f, g, o in place; write h, c and tanh(c).

    Gates come first and the batch second: ``c_prev, h, c, tanh_c`` are
    ``(H, B)``. With the batch in columns each gate is a contiguous block of
    rows (``.T`` views of row-major ``(B, 4H)`` arrays work too, more slowly).
    ``pre`` must already be multiplied by :func:`_gate_scale`, which
    :func:`lstm_forward` folds into its weights once, before the time loop.
    The outputs are given (slices of the sequence's buffers), so the loop allocates nothing.
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


def _lstm_cell_backward(dh, dc, gates, c_prev, tanh_c, d_pre) -> np.ndarray:
    """Write the gradient of the pre-activations into ``d_pre: (4H, B)``; return that of ``c_prev``.

    The layout is that of :func:`_lstm_cell`: gates first, batch second.
    ``dh: (H, B)`` is the whole gradient of h_t; ``dc: (H, B)`` the gradient
    of c_t through c_{t+1} only. The derivatives are written with the gate
    values: sigmoid' = s (1 - s), tanh' = 1 - t^2, computed for the four gates
    at once on the whole ``(4H, B)`` block.
    """
    H = c_prev.shape[0]
    i, f, g, o = gates[:H], gates[H : 2 * H], gates[2 * H : 3 * H], gates[3 * H :]
    dc = dc + dh * o * (1 - tanh_c * tanh_c)  # c_t also reaches the loss through h_t = o tanh(c_t)
    # The gradient of each gate value: i is multiplied by g, f by c_prev, g by i (in c_t), o by tanh(c_t) (in h_t)...
    np.multiply(dc, g, out=d_pre[:H])
    np.multiply(dc, c_prev, out=d_pre[H : 2 * H])
    np.multiply(dc, i, out=d_pre[2 * H : 3 * H])
    np.multiply(dh, tanh_c, out=d_pre[3 * H :])
    # ...times the slope of the gate's nonlinearity, to reach its pre-activation.
    slope = gates * (1 - gates)
    slope[2 * H : 3 * H] = 1 - g * g
    d_pre *= slope
    return dc * f


class LSTMStepCache(NamedTuple):
    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    c_prev: np.ndarray  # (B, H)
    gates: np.ndarray  # (B, 4H): i, f, g, o after their nonlinearities
    tanh_c: np.ndarray  # (B, H)
    W_ih: np.ndarray
    W_hh: np.ndarray


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
    a = _validate("lstm", inputs, ("h_prev", "c_prev"), True)
    c_prev = a["c_prev"]
    gates = a["x_t"] @ a["W_ih"].T + a["b_ih"] + a["h_prev"] @ a["W_hh"].T + a["b_hh"]  # (B, 4H)
    gates *= _gate_scale(c_prev.shape[1], c_prev.dtype)
    h_t, c_t, tanh_c = np.empty_like(c_prev), np.empty_like(c_prev), np.empty_like(c_prev)
    _lstm_cell(gates.T, c_prev.T, h_t.T, c_t.T, tanh_c.T)  # .T: the cell wants gates first
    return h_t, c_t, LSTMStepCache(a["x_t"], a["h_prev"], c_prev, gates, tanh_c, a["W_ih"], a["W_hh"])


def lstm_step_backward(dh_t, dc_t, cache: LSTMStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t, dc_t: (B, H)``."""
    dh_t = _check_upstream("dh_t", dh_t, ("B", "H"), cache.c_prev)
    dc_t = _check_upstream("dc_t", dc_t, ("B", "H"), cache.c_prev)
    d_pre = np.empty_like(cache.gates)
    dc_prev = _lstm_cell_backward(dh_t.T, dc_t.T, cache.gates.T, cache.c_prev.T, cache.tanh_c.T, d_pre.T).T
    dx, grads = _projection_grads(d_pre, d_pre, cache.x_t, cache.h_prev, cache.W_ih)
    return {"x_t": dx, "h_prev": d_pre @ cache.W_hh, "c_prev": dc_prev, **grads}


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs, stored with the batch in columns (see :func:`lstm_forward`).

    The properties give the time-major views ``(T, B, ...)`` of the other functions.
    """

    stacked: np.ndarray  # (T+1, D+H+1, B): stacked[t] has the columns [x_t; h_{t-1}; 1]; stacked[T] holds h_T
    cells: np.ndarray  # (T+1, H, B): c_0 ... c_T
    gate_values: np.ndarray  # (T, 4H, B): i, f, g, o after their nonlinearities
    tanh_cells: np.ndarray  # (T, H, B)
    W: np.ndarray  # (4H, D+H+1): [W_ih | W_hh | b_ih + b_hh]

    @property
    def x(self) -> np.ndarray:
        """``(T, B, D)``: the inputs (a view)."""
        D = self.W.shape[1] - self.cells.shape[1] - 1
        return self.stacked[:-1, :D].transpose(0, 2, 1)

    @property
    def hs(self) -> np.ndarray:
        """``(T+1, B, H)``: h_0 ... h_T (a view)."""
        H = self.cells.shape[1]
        D = self.W.shape[1] - H - 1
        return self.stacked[:, D : D + H].transpose(0, 2, 1)

    @property
    def cs(self) -> np.ndarray:
        """``(T+1, B, H)``: c_0 ... c_T (a view)."""
        return self.cells.transpose(0, 2, 1)

    @property
    def gates(self) -> np.ndarray:
        """``(T, B, 4H)``: the gate values i, f, g, o (a view)."""
        return self.gate_values.transpose(0, 2, 1)


def lstm_forward(
    x, h0, c0, W_ih, W_hh, b_ih, b_hh
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], LSTMCache]:
    """Run the LSTM over a sequence, like ``torch.nn.LSTM``.

    ``x: (T, B, D)``, ``h0, c0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`lstm_step_forward`. Returns ``outputs: (T, B, H)``,
    ``(h_T, c_T)`` and the cache. The three are views into the cache.
    """
    inputs = dict(x=x, h0=h0, c0=c0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    a = _validate("lstm", inputs, ("h0", "c0"), False)
    x = a["x"]
    T, B, D = x.shape
    H = a["W_hh"].shape[1]
    # One matrix for the whole step, applied to the column [x_t; h_{t-1}; 1]...
    W = np.hstack([a["W_ih"], a["W_hh"], (a["b_ih"] + a["b_hh"])[:, None]])  # (4H, D + H + 1)
    # ...with the 1/2 of sigmoid(a) = (1 + tanh(a/2)) / 2 folded into the rows of i, f, o once, here.
    W_scaled = W * _gate_scale(H, x.dtype)[:, None]
    # The batch goes in the columns, as in the equations: sequence b is column b.
    # Then the product of a step writes each gate as a contiguous block of rows.
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
        np.matmul(W_scaled, stacked[t], out=gates[t])  # the pre-activations of step t, scaled
        _lstm_cell(gates[t], cells[t], stacked[t + 1, D : D + H], cells[t + 1], tanh_cells[t])
    cache = LSTMCache(stacked, cells, gates, tanh_cells, W)
    hs = cache.hs
    return hs[1:], (hs[T], cache.cs[T]), cache


def lstm_backward(d_outputs, cache: LSTMCache, d_hT=None, d_cT=None) -> dict[str, np.ndarray]:
    """Backpropagation through time. ``d_outputs: (T, B, H)``; ``d_hT, d_cT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, c0, W_ih, W_hh, b_ih, b_hh``.
    """
    stacked, cells, gates, W = cache.stacked, cache.cells, cache.gate_values, cache.W
    T, H, B = cache.tanh_cells.shape
    D = W.shape[1] - H - 1
    d_outputs = _check_upstream("d_outputs", d_outputs, ("T", "B", "H"), cache.hs[1:]).transpose(0, 2, 1)
    dh = _check_upstream("d_hT", d_hT, ("B", "H"), cache.hs[0], zeros=True).T.copy()  # (H, B)
    dc = _check_upstream("d_cT", d_cT, ("B", "H"), cache.cs[0], zeros=True).T
    d_pre = np.empty_like(gates)  # (T, 4H, B)
    d_stacked = np.empty((T, D + H + 1, B), dtype=W.dtype)  # the gradients of the columns [x_t; h_{t-1}; 1]
    for t in reversed(range(T)):
        dh += d_outputs[t]
        dc = _lstm_cell_backward(dh, dc, gates[t], cells[t], cache.tanh_cells[t], d_pre[t])
        np.matmul(W.T, d_pre[t], out=d_stacked[t])
        np.copyto(dh, d_stacked[t, D : D + H])
    # The weight gradient sums d_pre[t] [x_t; h_{t-1}; 1]^T over the steps: one product over all T B columns.
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


# ----------------------------------------------------------------------- GRU


def _gru_cell(xw: np.ndarray, hw: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GRU update from ``xw = x W_ih^T + b_ih`` and ``hw = h_prev W_hh^T + b_hh``, both ``(B, 3H)``.

    Returns ``h: (B, H)`` and ``gates: (B, 3H)``, the values of r, z, n.
    """
    H = h_prev.shape[1]
    gates = xw + hw
    _sigmoid(gates[:, : 2 * H])  # r, z
    r, z = gates[:, :H], gates[:, H : 2 * H]
    # PyTorch's placement of the reset gate: it scales W_hn h + b_hn, not h.
    n = gates[:, 2 * H :]
    n[...] = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return n + z * (h_prev - n), gates  # (1 - z) n + z h_prev, one multiply fewer


def _gru_cell_backward(dh, gates, hn, h_prev) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``xw``, of ``hw`` (both ``(B, 3H)``) and of ``h_prev`` through the ``z * h_prev`` path.

    ``hn: (B, H)`` is ``W_hn h_prev + b_hn``, the part of ``hw`` that the reset gate scales.
    """
    H = h_prev.shape[1]
    r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    d_xw = np.empty_like(gates)
    d_n_pre = dh * (1 - z) * (1 - n * n)
    d_xw[:, :H] = d_n_pre * hn * r * (1 - r)
    d_xw[:, H : 2 * H] = dh * (h_prev - n) * z * (1 - z)
    d_xw[:, 2 * H :] = d_n_pre
    d_hw = d_xw.copy()  # r and z see x and h through the same sums...
    d_hw[:, 2 * H :] *= r  # ...but W_hn h + b_hn is scaled by r first
    return d_xw, d_hw, dh * z


class GRUStepCache(NamedTuple):
    x_t: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    gates: np.ndarray  # (B, 3H): r, z, n after their nonlinearities
    hn: np.ndarray  # (B, H): W_hn h_prev + b_hn
    W_ih: np.ndarray
    W_hh: np.ndarray


def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU step, PyTorch's equations and gate order (r, z, n)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h

    ``x_t: (B, D)``, ``h_prev: (B, H)``, ``W_ih: (3H, D)``, ``W_hh: (3H, H)``,
    ``b_ih, b_hh: (3H,)``. Returns ``h_t: (B, H)`` and the cache.
    """
    inputs = dict(x_t=x_t, h_prev=h_prev, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    a = _validate("gru", inputs, ("h_prev",), True)
    H = a["W_hh"].shape[1]
    xw = a["x_t"] @ a["W_ih"].T + a["b_ih"]
    hw = a["h_prev"] @ a["W_hh"].T + a["b_hh"]
    h_t, gates = _gru_cell(xw, hw, a["h_prev"])
    return h_t, GRUStepCache(a["x_t"], a["h_prev"], gates, hw[:, 2 * H :], a["W_ih"], a["W_hh"])


def gru_step_backward(dh_t, cache: GRUStepCache) -> dict[str, np.ndarray]:
    """Gradients of ``x_t, h_prev, W_ih, W_hh, b_ih, b_hh`` given ``dh_t: (B, H)``."""
    dh_t = _check_upstream("dh_t", dh_t, ("B", "H"), cache.h_prev)
    d_xw, d_hw, dh_prev = _gru_cell_backward(dh_t, cache.gates, cache.hn, cache.h_prev)
    dx, grads = _projection_grads(d_xw, d_hw, cache.x_t, cache.h_prev, cache.W_ih)
    return {"x_t": dx, "h_prev": dh_prev + d_hw @ cache.W_hh, **grads}


class GRUCache(NamedTuple):
    x: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T+1, B, H); hs[0] = h0
    gates: np.ndarray  # (T, B, 3H): r, z, n after their nonlinearities
    hns: np.ndarray  # (T, B, H): W_hn h_{t-1} + b_hn
    W_ih: np.ndarray
    W_hh: np.ndarray


def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray, GRUCache]:
    """Run the GRU over a sequence, like ``torch.nn.GRU``.

    ``x: (T, B, D)``, ``h0: (B, H)`` or ``None`` for zeros, weights as in
    :func:`gru_step_forward`. Returns ``outputs: (T, B, H)``, ``h_T: (B, H)``
    and the cache. ``outputs`` is a view into the cache.
    """
    a = _validate("gru", dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh), ("h0",), False)
    x, W_hh, b_hh = a["x"], a["W_hh"], a["b_hh"]
    T, B, D = x.shape
    H = W_hh.shape[1]
    # b_hh cannot fold in here: the reset gate scales b_hn.
    xws = (x.reshape(T * B, D) @ a["W_ih"].T).reshape(T, B, 3 * H)
    xws += a["b_ih"]
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    gates = np.empty((T, B, 3 * H), dtype=x.dtype)
    hns = np.empty((T, B, H), dtype=x.dtype)
    hs[0] = a["h0"]
    for t in range(T):
        hw = hs[t] @ W_hh.T + b_hh
        hs[t + 1], gates[t] = _gru_cell(xws[t], hw, hs[t])
        hns[t] = hw[:, 2 * H :]
    return hs[1:], hs[T], GRUCache(x, hs, gates, hns, a["W_ih"], W_hh)


def gru_backward(d_outputs, cache: GRUCache, d_hT=None) -> dict[str, np.ndarray]:
    """Backpropagation through time. ``d_outputs: (T, B, H)``, ``d_hT: (B, H)`` or ``None``.

    Returns gradients keyed ``x, h0, W_ih, W_hh, b_ih, b_hh``.
    """
    hs = cache.hs
    d_outputs = _check_upstream("d_outputs", d_outputs, ("T", "B", "H"), hs[1:])
    dh = _check_upstream("d_hT", d_hT, ("B", "H"), hs[0], zeros=True).copy()
    d_xws = np.empty_like(cache.gates)
    d_hws = np.empty_like(cache.gates)
    for t in reversed(range(len(d_xws))):
        dh += d_outputs[t]
        d_xws[t], d_hws[t], dh_direct = _gru_cell_backward(dh, cache.gates[t], cache.hns[t], hs[t])
        dh = dh_direct + d_hws[t] @ cache.W_hh
    dx, grads = _projection_grads(d_xws, d_hws, cache.x, hs[:-1], cache.W_ih)
    return {"x": dx, "h0": dh, **grads}
