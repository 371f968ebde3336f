"""Stacked and bidirectional recurrent layers, built on the cells of ``companion.scratch.rnn``, ``lstm`` and ``gru``.

This computes what ``torch.nn.LSTM(input_size, H, num_layers=L,
bidirectional=True)`` computes (and the same for ``nn.RNN`` and ``nn.GRU``),
forward and backward, with plain NumPy arrays:

- ``x: (T, B, D)`` is time-major; ``outputs: (T, B, dirs * H)`` holds, at each
  step, the top layer's forward state and then its backward state
  (``dirs`` = 2 when bidirectional, else 1);
- ``h0``, ``h_n`` (and the LSTM's ``c0``, ``c_n``) are ``(L * dirs, B, H)``, one
  row per layer and direction in PyTorch's order: layer 0 forward, layer 0
  backward, layer 1 forward, ...;
- the weights are one flat dict keyed by PyTorch's parameter names
  (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``,
  ``weight_ih_l0_reverse``, ...), so ``{n: p.detach().numpy() for n, p in
  module.named_parameters()}`` loads a torch module, and the gradients come
  back under the same names. Layers above the first read ``dirs * H`` inputs.

A backward direction is the ordinary cell run over the time-reversed
sequence; its outputs are flipped back so that ``outputs[t]`` always belongs
to step t.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion.scratch.gru import gru_backward, gru_forward
from companion.scratch.lstm import lstm_backward, lstm_forward
from companion.scratch.rnn import rnn_backward, rnn_forward
from companion.scratch.validation import GATES, shape_text
from companion.scratch.weights import init_weights

_SHORT = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh"}


def param_name(kind: str, layer: int, reverse: bool) -> str:
    """PyTorch's name of one parameter: ``param_name("weight_ih", 1, True) == "weight_ih_l1_reverse"``."""
    return f"{kind}_l{layer}" + ("_reverse" if reverse else "")


def layer_weights(weights: dict[str, np.ndarray], layer: int, reverse: bool) -> dict[str, np.ndarray]:
    """One direction of one layer, under the cells' names ``W_ih, W_hh, b_ih, b_hh``."""
    return {short: weights[param_name(kind, layer, reverse)] for kind, short in _SHORT.items()}


def init_deep_weights(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int,
    bidirectional: bool,
    rng: np.random.Generator,
    dtype=np.float64,
) -> dict[str, np.ndarray]:
    """Weights for every layer and direction, initialised as PyTorch does, keyed by PyTorch's names."""
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1; got {num_layers}")
    weights = {}
    for layer in range(num_layers):
        size = input_size if layer == 0 else (2 if bidirectional else 1) * hidden_size
        for reverse in (False, True) if bidirectional else (False,):
            w = init_weights(cell, size, hidden_size, rng, dtype)
            for kind, short in _SHORT.items():
                weights[param_name(kind, layer, reverse)] = w[short]
    return weights


class DeepCache(NamedTuple):
    cell: str
    num_layers: int
    bidirectional: bool
    nonlinearity: str
    caches: list  # caches[layer * dirs + direction]: that direction's cache from its cell's module


# ----------------------------------------------------------- one direction


def direction_forward(
    cell: str, x: np.ndarray, h0: np.ndarray | None, c0: np.ndarray | None, weights: dict[str, np.ndarray],
    reverse: bool, nonlinearity: str = "tanh",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple]:
    """One direction of one layer: ``outputs: (T, B, H)`` in the input's time order, ``h_T``, ``c_T`` and the cache.

    ``reverse=True`` runs the cell over ``x[::-1]``, from the last step to the
    first, then flips its outputs back, so that ``outputs[t]`` is the state
    after reading ``x[t], ..., x[T-1]``; its final state ``h_T`` is then
    ``outputs[0]``. ``c0`` and ``c_T`` are ``None`` unless ``cell == "lstm"``.
    """
    if reverse:
        x = x[::-1]
    c_T = None
    if cell == "lstm":
        outputs, (h_T, c_T), cache = lstm_forward(x, h0, c0, **weights)
    elif cell == "gru":
        outputs, h_T, cache = gru_forward(x, h0, **weights)
    else:
        outputs, h_T, cache = rnn_forward(x, h0, **weights, nonlinearity=nonlinearity)
    return (outputs[::-1] if reverse else outputs), h_T, c_T, cache


def direction_backward(
    cell: str, d_outputs: np.ndarray, cache: tuple, d_hT: np.ndarray | None, d_cT: np.ndarray | None, reverse: bool
) -> dict[str, np.ndarray]:
    """Backward pass of :func:`direction_forward`; ``d_outputs: (T, B, H)`` in the input's time order.

    A reversed direction saw the sequence backwards, so its upstream gradient
    is flipped into that order and the gradient of ``x`` is flipped back.
    Returns the gradients keyed ``x, h0, (c0), W_ih, W_hh, b_ih, b_hh``.
    """
    if reverse:
        d_outputs = d_outputs[::-1]
    if cell == "lstm":
        grads = lstm_backward(d_outputs, cache, d_hT, d_cT)
    elif cell == "gru":
        grads = gru_backward(d_outputs, cache, d_hT)
    else:
        grads = rnn_backward(d_outputs, cache, d_hT)
    if reverse:
        grads["x"] = grads["x"][::-1]
    return grads


# ------------------------------------------------------------------ layers


def _validate(cell, x, weights, num_layers, bidirectional, h0, c0, nonlinearity):
    """Check every argument of :func:`deep_forward` once; return ``x``, ``h0``, ``c0`` (``None`` stays ``None``) and H."""
    if cell not in GATES:
        raise ValueError(f'cell must be "rnn", "lstm" or "gru"; got {cell!r}')
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f'nonlinearity must be "tanh" or "relu"; got {nonlinearity!r}')
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1; got {num_layers}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be (T, B, D); got {x.shape}")
    first = weights.get("weight_hh_l0")
    if first is None or first.ndim != 2:
        raise ValueError("weights needs 'weight_hh_l0' of shape (G*H, H)")
    G, H, dirs = GATES[cell], first.shape[1], 2 if bidirectional else 1
    GH = "H" if G == 1 else f"{G}*H"
    expected = {}
    for layer in range(num_layers):
        size, label = (x.shape[2], "D") if layer == 0 else (dirs * H, f"{dirs}*H" if dirs > 1 else "H")
        for reverse in (False, True)[:dirs]:
            expected[param_name("weight_ih", layer, reverse)] = ((GH, label), (G * H, size))
            expected[param_name("weight_hh", layer, reverse)] = ((GH, "H"), (G * H, H))
            expected[param_name("bias_ih", layer, reverse)] = ((GH,), (G * H,))
            expected[param_name("bias_hh", layer, reverse)] = ((GH,), (G * H,))
    if set(weights) != set(expected):
        missing, extra = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
        raise ValueError(
            f"weights for {num_layers} layer(s), bidirectional={bidirectional}: missing {missing}, unexpected {extra}"
        )
    for name, (dims, shape) in expected.items():
        if weights[name].shape != shape:
            raise ValueError(f"{name} must be {shape_text(dims)} = {shape_text(shape)}; got {weights[name].shape}")
    states = {}
    for name, value in (("h0", h0), ("c0", c0)):
        if value is None:
            states[name] = None
            continue
        if name == "c0" and cell != "lstm":
            raise ValueError(f"c0 is for LSTMs only; got c0 for cell {cell!r}")
        value = np.asarray(value)
        shape = (num_layers * dirs, x.shape[1], H)
        if value.shape != shape:
            raise ValueError(f"{name} must be (L*dirs, B, H) = {shape_text(shape)}; got {value.shape}")
        states[name] = value
    return x, states["h0"], states["c0"], H


def deep_forward(
    x, weights, cell: str = "lstm", num_layers: int = 1, bidirectional: bool = False, h0=None, c0=None,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray | None], DeepCache]:
    """Run a stack of (bidirectional) recurrent layers over ``x: (T, B, D)``, like ``torch.nn.LSTM``.

    ``weights``: as from :func:`init_deep_weights` or a torch module's
    ``named_parameters()``. ``h0, c0: (L * dirs, B, H)`` or ``None`` for zeros
    (``c0`` for the LSTM only). Returns ``outputs: (T, B, dirs * H)``, the top
    layer's states, ``(h_n, c_n)`` with ``h_n, c_n: (L * dirs, B, H)`` (``c_n``
    is ``None`` unless ``cell == "lstm"``) and the cache.
    """
    x, h0, c0, H = _validate(cell, x, weights, num_layers, bidirectional, h0, c0, nonlinearity)
    dirs = 2 if bidirectional else 1
    h_n, c_n, caches = [], [], []
    layer_input = x
    for layer in range(num_layers):
        outputs = []
        for direction in range(dirs):
            k = layer * dirs + direction
            out, h_T, c_T, cache = direction_forward(
                cell, layer_input, None if h0 is None else h0[k], None if c0 is None else c0[k],
                layer_weights(weights, layer, direction == 1), direction == 1, nonlinearity,
            )
            outputs.append(out)
            h_n.append(h_T)
            c_n.append(c_T)
            caches.append(cache)
        # The next layer reads both directions at every step: [forward, backward].
        layer_input = np.concatenate(outputs, axis=2) if dirs == 2 else outputs[0].copy()
    c_n = np.stack(c_n) if cell == "lstm" else None
    return layer_input, (np.stack(h_n), c_n), DeepCache(cell, num_layers, bidirectional, nonlinearity, caches)


def deep_backward(d_outputs, cache: DeepCache, d_hn=None, d_cn=None) -> dict[str, np.ndarray]:
    """Backpropagation through every layer and direction of :func:`deep_forward`.

    ``d_outputs: (T, B, dirs * H)``; ``d_hn, d_cn: (L * dirs, B, H)`` or
    ``None`` for zeros. Returns the gradients of ``x``, ``h0`` (and ``c0`` for
    the LSTM), and of every weight under its PyTorch name.
    """
    dirs = 2 if cache.bidirectional else 1
    H = cache.caches[0].hs.shape[2]
    d_outputs = np.asarray(d_outputs)
    T, B = d_outputs.shape[:2]
    if d_outputs.shape != (T, B, dirs * H):
        raise ValueError(f"d_outputs must be (T, B, dirs*H) = (*, *, {dirs * H}); got {d_outputs.shape}")
    for name, value in (("d_hn", d_hn), ("d_cn", d_cn)):
        if value is not None and np.shape(value) != (cache.num_layers * dirs, B, H):
            raise ValueError(f"{name} must be (L*dirs, B, H) = {(cache.num_layers * dirs, B, H)}; got {np.shape(value)}")
    grads: dict[str, np.ndarray] = {}
    d_h0, d_c0 = [None] * len(cache.caches), [None] * len(cache.caches)
    d_layer_out = d_outputs
    for layer in reversed(range(cache.num_layers)):
        d_input = 0
        for direction in range(dirs):
            k = layer * dirs + direction
            g = direction_backward(
                cache.cell, np.ascontiguousarray(d_layer_out[..., direction * H : (direction + 1) * H]),
                cache.caches[k], None if d_hn is None else d_hn[k], None if d_cn is None else d_cn[k],
                direction == 1,
            )
            # Both directions read the same input, so their gradients of it add up.
            d_input = d_input + g.pop("x")
            d_h0[k], d_c0[k] = g.pop("h0"), g.pop("c0", None)
            for kind, short in _SHORT.items():
                grads[param_name(kind, layer, direction == 1)] = g[short]
        d_layer_out = d_input  # the gradient of this layer's input is that of the outputs below
    grads = {"x": d_layer_out, "h0": np.stack(d_h0), **grads}
    if cache.cell == "lstm":
        grads["c0"] = np.stack(d_c0)
    return grads
