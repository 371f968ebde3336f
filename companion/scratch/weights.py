"""Initial weights for the NumPy cells, in PyTorch's layout and with PyTorch's distribution."""

from __future__ import annotations

import numpy as np

from companion.scratch.validation import GATES


def init_weights(
    cell: str, input_size: int, hidden_size: int, rng: np.random.Generator, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Weights of ``cell`` ("rnn", "lstm" or "gru"), uniform in (-1/sqrt(H), 1/sqrt(H)) as in PyTorch.

    Returns ``{"W_ih": (G*H, D), "W_hh": (G*H, H), "b_ih": (G*H,), "b_hh": (G*H,)}``
    with G = 1, 4 (gates i, f, g, o) or 3 (gates r, z, n).
    """
    if cell not in GATES:
        raise ValueError(f'cell must be "rnn", "lstm" or "gru"; got {cell!r}')
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {np.dtype(dtype)}")
    D, H, G = input_size, hidden_size, GATES[cell]
    k = 1.0 / np.sqrt(H)
    shapes = {"W_ih": (G * H, D), "W_hh": (G * H, H), "b_ih": (G * H,), "b_hh": (G * H,)}
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in shapes.items()}
