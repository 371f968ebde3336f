"""Shape and dtype checks shared by the NumPy cells, run once at each public function's edge.

A failed check names the expected shape with its dimensions and the sizes
already known, then what it got: ``x must be (T, B, D) = (*, *, 3); got (5, 3)``.
"""

from __future__ import annotations

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # gate blocks per cell: W_ih is (G*H, D)


def shape_text(items) -> str:
    """``("T", "B")`` -> ``"(T, B)"``; a single item keeps Python's trailing comma: ``"(H,)"``."""
    items = [str(i) for i in items]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def check_shape(name: str, a: np.ndarray, dims: tuple[str, ...], sizes: tuple) -> None:
    """Raise unless ``a.shape`` matches ``sizes``; ``None`` in sizes means any size."""
    if a.ndim == len(sizes) and all(s is None or s == n for s, n in zip(sizes, a.shape)):
        return
    known = ["*" if s is None else s for s in sizes]
    raise ValueError(f"{name} must be {shape_text(dims)} = {shape_text(known)}; got {a.shape}")


def check_dtypes(arrays: dict, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Convert to arrays that all share the first one's floating dtype (float32 or float64)."""
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


def check_weights(cell: str, W_ih, W_hh, b_ih, b_hh) -> tuple[int | None, int | None]:
    """Check the four weights of ``cell`` against each other; return (D, H)."""
    G = GATES[cell]
    GH = "H" if G == 1 else f"{G}*H"
    H = W_hh.shape[1] if W_hh.ndim == 2 else None
    rows = None if H is None else G * H
    check_shape("W_hh", W_hh, (GH, "H"), (rows, H))
    D = W_ih.shape[1] if W_ih.ndim == 2 else None
    check_shape("W_ih", W_ih, (GH, "D"), (rows, D))
    check_shape("b_ih", b_ih, (GH,), (rows,))
    check_shape("b_hh", b_hh, (GH,), (rows,))
    return D, H


def validate_forward(cell: str, inputs: dict, states: tuple[str, ...], step: bool) -> dict[str, np.ndarray]:
    """Validate the arguments of a forward function of ``cell``.

    ``inputs`` holds the input (``x_t`` for a step, ``x`` for a sequence),
    then the states named in ``states``, then the four weights. Sequence
    functions accept ``None`` states and get zeros. Returns the arguments as
    arrays, under the same names.
    """
    a = check_dtypes(inputs, optional=() if step else states)
    D, H = check_weights(cell, a["W_ih"], a["W_hh"], a["b_ih"], a["b_hh"])
    if step:
        check_shape("x_t", a["x_t"], ("B", "D"), (None, D))
        B = a["x_t"].shape[0]
    else:
        check_shape("x", a["x"], ("T", "B", "D"), (None, None, D))
        B = a["x"].shape[1]
    for name in states:
        if a[name] is None:
            a[name] = np.zeros((B, H), dtype=a["W_hh"].dtype)
        check_shape(name, a[name], ("B", "H"), (B, H))
    return a


def check_upstream(name: str, grad, dims: tuple[str, ...], like: np.ndarray, zeros: bool = False) -> np.ndarray:
    """Check an upstream gradient against the array it is the gradient of; ``None`` gives zeros if ``zeros``."""
    if grad is None and zeros:
        return np.zeros_like(like)
    grad = np.asarray(grad)
    if grad.dtype != like.dtype:
        raise ValueError(f"{name} has dtype {grad.dtype}; expected {like.dtype} like the forward pass")
    check_shape(name, grad, dims, like.shape)
    return grad
