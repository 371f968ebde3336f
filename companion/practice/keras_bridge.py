"""Port recurrent weights between PyTorch and Keras 3.

The two frameworks compute the same cells but store them differently:

==============  =====================================  ==========================================
                PyTorch (``nn.RNN/LSTM/GRU``)           Keras (``SimpleRNN/LSTM/GRU``)
==============  =====================================  ==========================================
input weights   ``weight_ih``: (G*H, D), rows           ``kernel``: (D, G*H), columns
state weights   ``weight_hh``: (G*H, H)                 ``recurrent_kernel``: (H, G*H)
biases          ``bias_ih`` and ``bias_hh``: (G*H,)     ``bias``: (G*H,); GRU: (2, 3H), input row first
LSTM gates      i, f, g, o                              i, f, c, o (the same order)
GRU gates       r, z, n                                 z, r, h (reset and update swapped)
==============  =====================================  ==========================================

G is 1 (RNN), 4 (LSTM) or 3 (GRU). The Keras GRU must have ``reset_after=True``
(the default), which applies the reset gate after the recurrent product and
keeps a separate recurrent bias, as PyTorch does. An LSTM or SimpleRNN has
one bias in Keras: PyTorch's two are added.

This module needs NumPy only: it reads and writes arrays, so it works with any
Keras backend and never imports Keras itself (the backend must be chosen
before the first ``import keras``).
"""

from __future__ import annotations

import numpy as np
import torch

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _gru_to_keras_order(array: np.ndarray) -> np.ndarray:
    """Blocks (r, z, n) along axis 0 -> (z, r, n). Its own inverse."""
    r, z, n = np.split(array, 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def _check_kind(kind: str) -> int:
    if kind not in GATES:
        raise ValueError(f"kind must be one of {sorted(GATES)}; got {kind!r}")
    return GATES[kind]


def cell_to_keras(kind: str, weight_ih: np.ndarray, weight_hh: np.ndarray,
                  bias_ih: np.ndarray, bias_hh: np.ndarray) -> list[np.ndarray]:
    """One PyTorch cell's weights as the Keras layer's ``[kernel, recurrent_kernel, bias]``.

    weight_ih: (G*H, D), weight_hh: (G*H, H), bias_ih and bias_hh: (G*H,).
    Returns kernel (D, G*H), recurrent_kernel (H, G*H) and bias (G*H,), or (2, 3H) for the GRU.
    """
    G = _check_kind(kind)
    weight_ih, weight_hh, bias_ih, bias_hh = (np.asarray(a) for a in (weight_ih, weight_hh, bias_ih, bias_hh))
    H = weight_ih.shape[0] // G if weight_ih.ndim == 2 else -1
    if weight_hh.shape != (G * H, H) or weight_ih.ndim != 2 or weight_ih.shape[0] != G * H:
        raise ValueError(f"{kind}: weight_hh must be (G*H, H) = ({G * H}, {H}) and weight_ih (G*H, D) = ({G * H}, *); "
                         f"got {weight_hh.shape} and {weight_ih.shape}")
    if bias_ih.shape != (G * H,) or bias_hh.shape != (G * H,):
        raise ValueError(f"{kind}: biases must be (G*H,) = ({G * H},); got {bias_ih.shape} and {bias_hh.shape}")
    if kind == "gru":
        weight_ih, weight_hh = _gru_to_keras_order(weight_ih), _gru_to_keras_order(weight_hh)
        bias = np.stack([_gru_to_keras_order(bias_ih), _gru_to_keras_order(bias_hh)])
    else:
        bias = bias_ih + bias_hh
    return [weight_ih.T.copy(), weight_hh.T.copy(), bias]


def cell_from_keras(kind: str, kernel: np.ndarray, recurrent_kernel: np.ndarray,
                    bias: np.ndarray) -> dict[str, np.ndarray]:
    """A Keras layer's ``[kernel, recurrent_kernel, bias]`` as PyTorch's four arrays.

    Returns ``{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}``; for the RNN and
    LSTM the single Keras bias goes to ``bias_ih`` and ``bias_hh`` is zero.
    """
    G = _check_kind(kind)
    kernel, recurrent_kernel, bias = (np.asarray(a) for a in (kernel, recurrent_kernel, bias))
    H = kernel.shape[1] // G if kernel.ndim == 2 else -1
    expected_bias = (2, 3 * H) if kind == "gru" else (G * H,)
    if recurrent_kernel.shape != (H, G * H) or kernel.ndim != 2 or kernel.shape[1] != G * H:
        raise ValueError(f"{kind}: recurrent_kernel must be (H, G*H) = ({H}, {G * H}) and kernel (D, G*H) = (*, {G * H}); "
                         f"got {recurrent_kernel.shape} and {kernel.shape}")
    if bias.shape != expected_bias:
        hint = " (a Keras GRU needs reset_after=True)" if kind == "gru" else ""
        raise ValueError(f"{kind}: bias must be {expected_bias}{hint}; got {bias.shape}")
    weight_ih, weight_hh = kernel.T.copy(), recurrent_kernel.T.copy()
    if kind == "gru":
        return {"weight_ih": _gru_to_keras_order(weight_ih), "weight_hh": _gru_to_keras_order(weight_hh),
                "bias_ih": _gru_to_keras_order(bias[0]), "bias_hh": _gru_to_keras_order(bias[1])}
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias.copy(), "bias_hh": np.zeros_like(bias)}


def kind_of(module: torch.nn.RNNBase) -> str:
    """``"rnn"``, ``"lstm"`` or ``"gru"`` for a PyTorch recurrent module (tanh RNN only; no projections)."""
    if isinstance(module, torch.nn.LSTM):
        if module.proj_size:
            raise ValueError("an LSTM with proj_size has no Keras counterpart")
        kind = "lstm"
    elif isinstance(module, torch.nn.GRU):
        kind = "gru"
    elif isinstance(module, torch.nn.RNN):
        if module.nonlinearity != "tanh":
            raise ValueError(f"Keras SimpleRNN here uses tanh; the module uses {module.nonlinearity}")
        kind = "rnn"
    else:
        raise TypeError(f"module must be a torch.nn.RNN, LSTM or GRU; got {type(module).__name__}")
    if not module.bias:
        raise ValueError("the module has bias=False; give the Keras layer use_bias=False and port the kernels by hand")
    return kind


def torch_to_keras(module: torch.nn.RNNBase) -> list[list[np.ndarray]]:
    """The weights of every layer of ``module``, one list per layer for ``keras_layer.set_weights``.

    A bidirectional layer's list is the forward direction's three arrays, then
    the backward direction's, the order of ``keras.layers.Bidirectional``.
    """
    kind = kind_of(module)
    params = {name: value.detach().cpu().numpy() for name, value in module.named_parameters()}
    layers = []
    for layer in range(module.num_layers):
        weights = []
        for suffix in ("", "_reverse")[: 2 if module.bidirectional else 1]:
            names = [f"{p}_l{layer}{suffix}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            weights += cell_to_keras(kind, *(params[name] for name in names))
        layers.append(weights)
    return layers


def keras_to_torch(layer_weights: list[list[np.ndarray]], module: torch.nn.RNNBase) -> None:
    """Load the ``get_weights()`` of one Keras layer per PyTorch layer into ``module``, in place."""
    kind = kind_of(module)
    if len(layer_weights) != module.num_layers:
        raise ValueError(f"module has {module.num_layers} layers; got weights for {len(layer_weights)}")
    directions = ("", "_reverse")[: 2 if module.bidirectional else 1]
    state = {}
    for layer, weights in enumerate(layer_weights):
        if len(weights) != 3 * len(directions):
            raise ValueError(f"layer {layer}: expected {3 * len(directions)} arrays (kernel, recurrent_kernel, bias "
                             f"per direction); got {len(weights)}")
        for d, suffix in enumerate(directions):
            for name, value in cell_from_keras(kind, *weights[3 * d : 3 * d + 3]).items():
                state[f"{name}_l{layer}{suffix}"] = torch.as_tensor(value)
    module.load_state_dict(state)
