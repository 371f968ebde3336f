"""Centred finite differences: the ground truth every backward pass is tested against.

For a scalar function f of an array x, the centred difference

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

has an error of order eps**2, so in float64 with eps = 1e-6 it agrees with an
exact gradient to about 1e-9 relative error, far below the size of any bug.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f(x)`` with respect to ``x`` by centred differences.

    ``x`` must be a floating-point array; it is not modified (``f`` sees a
    perturbed copy). Returns an array of ``x.shape`` and ``x.dtype``.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating-point array; got dtype {x.dtype}")
    if eps <= 0:
        raise ValueError(f"eps must be positive; got {eps}")
    probe = x.copy()
    grad = np.zeros_like(probe)
    for index in np.ndindex(probe.shape):
        original = probe[index]
        probe[index] = original + eps
        f_plus = float(f(probe))
        probe[index] = original - eps
        f_minus = float(f(probe))
        probe[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    """Largest elementwise ``|a - b| / max(|a| + |b|, floor)``: 0 when equal, at most 1.

    The floor keeps entries where both values are (numerically) zero from
    dividing by zero; such entries count as equal.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def gradcheck(
    f: Callable[..., float],
    inputs: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    eps: float = 1e-6,
) -> dict[str, float]:
    """Relative error between ``analytic[name]`` and the numerical gradient of ``f(**inputs)``.

    ``f`` takes the arrays of ``inputs`` as keyword arguments and returns a
    scalar. Every name in ``analytic`` must be a key of ``inputs``. Returns
    ``{name: relative error}``.
    """
    missing = set(analytic) - set(inputs)
    if missing:
        raise ValueError(f"analytic gradients given for unknown inputs: {sorted(missing)}")
    errors = {}
    for name, grad in analytic.items():
        def f_of_one(value: np.ndarray, name: str = name) -> float:
            return f(**{**inputs, name: value})

        errors[name] = relative_error(grad, numerical_gradient(f_of_one, inputs[name], eps))
    return errors
