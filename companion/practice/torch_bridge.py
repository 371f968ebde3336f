"""Copy weights between the NumPy cells of ``companion.scratch`` and ``torch.nn.RNN`` / ``LSTM`` / ``GRU``.

The NumPy functions use PyTorch's names, layout and gate order, so a copy is
all it takes: ``weight_ih_l0`` is ``W_ih``, ``bias_hh_l0`` is ``b_hh``, and so
on. This is the only module of the package that imports torch.
"""

from __future__ import annotations

import numpy as np
import torch

from companion.scratch.validation import shape_text

# Our name -> PyTorch's parameter name, without the layer suffix.
_TORCH_NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # by module.mode


def _check_module(module: torch.nn.Module, layer: int, reverse: bool) -> str:
    """Raise unless ``module`` is an RNN/LSTM/GRU with that layer; return the parameter suffix."""
    if not isinstance(module, torch.nn.RNNBase) or module.mode not in _GATES:
        raise ValueError(f"module must be a torch.nn.RNN, LSTM or GRU; got {type(module).__name__}")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 are not supported: the NumPy LSTM has no projection")
    if not 0 <= layer < module.num_layers:
        raise ValueError(f"layer must be in [0, {module.num_layers}); got {layer}")
    if reverse and not module.bidirectional:
        raise ValueError("reverse=True needs a bidirectional module")
    return f"_l{layer}" + ("_reverse" if reverse else "")


def weights_from_torch(module: torch.nn.Module, layer: int = 0, reverse: bool = False) -> dict[str, np.ndarray]:
    """NumPy copies of one layer's weights: ``{"W_ih", "W_hh", "b_ih", "b_hh"}``, in the module's dtype.

    ``reverse=True`` reads the backward direction of a bidirectional module. A
    module built with ``bias=False`` gives zero biases, which compute the same thing.
    """
    suffix = _check_module(module, layer, reverse)
    weights = {}
    for name in ("W_ih", "W_hh"):
        weights[name] = getattr(module, _TORCH_NAMES[name] + suffix).detach().cpu().numpy().copy()
    rows = weights["W_hh"].shape[0]
    for name in ("b_ih", "b_hh"):
        if module.bias:
            weights[name] = getattr(module, _TORCH_NAMES[name] + suffix).detach().cpu().numpy().copy()
        else:
            weights[name] = np.zeros(rows, dtype=weights["W_hh"].dtype)
    return weights


def weights_to_torch(
    module: torch.nn.Module, weights: dict[str, np.ndarray], layer: int = 0, reverse: bool = False
) -> None:
    """Copy ``weights`` (as from ``init_weights``) into one layer of ``module``, in place.

    Shapes must match the module's exactly; values are cast to the module's
    dtype. A module with ``bias=False`` accepts only zero biases.
    """
    suffix = _check_module(module, layer, reverse)
    G = _GATES[module.mode]
    GH = "H" if G == 1 else f"{G}*H"
    dims = {"W_ih": (GH, "D"), "W_hh": (GH, "H"), "b_ih": (GH,), "b_hh": (GH,)}
    missing = set(dims) - set(weights)
    if missing:
        raise ValueError(f"weights is missing {sorted(missing)}")
    with torch.no_grad():
        for name, labels in dims.items():
            value = np.asarray(weights[name])
            if not np.issubdtype(value.dtype, np.floating):
                raise ValueError(f"{name} has dtype {value.dtype}; expected a floating dtype")
            if name.startswith("b") and not module.bias:
                if np.any(value != 0):
                    raise ValueError(f"module has bias=False, so {name} must be zero")
                continue
            param = getattr(module, _TORCH_NAMES[name] + suffix)
            if value.shape != tuple(param.shape):
                raise ValueError(f"{name} must be {shape_text(labels)} = {shape_text(param.shape)}; got {value.shape}")
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))


def _directions(module: torch.nn.Module) -> list[tuple[int, bool]]:
    reverse = (False, True) if module.bidirectional else (False,)
    return [(layer, r) for layer in range(module.num_layers) for r in reverse]


def _suffix(layer: int, reverse: bool) -> str:
    return f"_l{layer}" + ("_reverse" if reverse else "")


def deep_weights_from_torch(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """NumPy copies of every layer and direction, keyed by PyTorch's names, as ``companion.scratch.deep_rnn`` reads them.

    A module with ``bias=False`` gives zero biases under the bias names.
    """
    weights = {}
    for layer, reverse in _directions(module):
        one = weights_from_torch(module, layer, reverse)
        for ours, theirs in _TORCH_NAMES.items():
            weights[theirs + _suffix(layer, reverse)] = one[ours]
    return weights


def deep_weights_to_torch(module: torch.nn.Module, weights: dict[str, np.ndarray]) -> None:
    """Copy a stack's weights (as from ``init_deep_weights``: PyTorch's names) into every layer and direction of ``module``.

    The names must be exactly the module's: a missing or an extra one (a
    bidirectional dict for a unidirectional module, say) raises ValueError.
    """
    _check_module(module, 0, False)
    expected = {theirs + _suffix(layer, reverse) for layer, reverse in _directions(module) for theirs in _TORCH_NAMES.values()}
    if set(weights) != expected:
        missing, extra = sorted(expected - set(weights)), sorted(set(weights) - expected)
        raise ValueError(
            f"weights do not fit a module with num_layers={module.num_layers}, bidirectional={module.bidirectional}: "
            f"missing {missing}, unexpected {extra}"
        )
    for layer, reverse in _directions(module):
        one = {ours: weights[theirs + _suffix(layer, reverse)] for ours, theirs in _TORCH_NAMES.items()}
        weights_to_torch(module, one, layer, reverse)
