"""Optimisers and gradient clipping for NumPy models, written out by hand.

Parameters and gradients are dicts of arrays with the same keys, e.g.
``{"W_ih": ..., "W_hh": ..., "b_ih": ...}``. ``step`` updates the parameter
arrays in place, so a model that holds them sees the new values. Each rule
follows the update ``torch.optim`` implements with default flags, so the two
can be compared step for step:

    SGD       v <- mu v + g;                      p <- p - lr v
    Adagrad   s <- s + g^2;                       p <- p - lr g / (sqrt(s) + eps)
    RMSProp   s <- a s + (1 - a) g^2;             p <- p - lr g / (sqrt(s) + eps)
    Adam      m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
              p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
"""

from __future__ import annotations

import math

import numpy as np

Params = dict[str, np.ndarray]


class Optimizer:
    """Shared bookkeeping: the learning rate, the step count and per-parameter state."""

    def __init__(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive; got {lr}")
        self.lr = lr
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params: Params, grads: Params) -> None:
        """Update every array of ``params`` in place from the gradient of the same name."""
        if params.keys() != grads.keys():
            raise ValueError(f"params and grads need the same keys; got {sorted(params)} and {sorted(grads)}")
        for name, p in params.items():
            g = grads[name]
            if g.shape != p.shape:
                raise ValueError(f"grads[{name!r}] must have the shape of params[{name!r}], {p.shape}; got {g.shape}")
            if not np.all(np.isfinite(g)):
                raise FloatingPointError(f"grads[{name!r}] contains NaN or inf at step {self.t + 1}: lower the learning rate or clip")
        self.t += 1
        for name, p in params.items():
            state = self.state.setdefault(name, {})
            p -= self.update(grads[name], state).astype(p.dtype, copy=False)

    def update(self, g: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        """The amount to subtract from one parameter, given its gradient and its state."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with heavy-ball momentum when ``momentum > 0``."""

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = momentum

    def update(self, g, state):
        if self.momentum == 0:
            return self.lr * g
        v = state["v"] = self.momentum * state["v"] + g if "v" in state else g.copy()
        return self.lr * v


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): each weight's step shrinks with its summed squared gradients."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.eps = eps

    def update(self, g, state):
        s = state["s"] = state.get("s", 0.0) + g * g
        return self.lr * g / (np.sqrt(s) + self.eps)


class RMSProp(Optimizer):
    """RMSProp (Tieleman and Hinton, 2012): Adagrad with a moving average instead of a sum."""

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.alpha, self.eps = alpha, eps

    def update(self, g, state):
        s = state["s"] = self.alpha * state.get("s", 0.0) + (1 - self.alpha) * g * g
        return self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): momentum and RMSProp, both corrected for their zero start."""

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps

    def update(self, g, state):
        m = state["m"] = self.beta1 * state.get("m", 0.0) + (1 - self.beta1) * g
        v = state["v"] = self.beta2 * state.get("v", 0.0) + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def global_norm(grads: Params) -> float:
    """The L2 norm of all gradients together, as if they were one long vector."""
    return math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))


def clip_grad_norm(grads: Params, max_norm: float) -> float:
    """Scale every gradient in place so that their global norm is at most ``max_norm``.

    Returns the norm before clipping (worth logging: its spikes are the cliffs
    of chapter 4). The direction of the whole gradient is kept.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive; got {max_norm}")
    norm = global_norm(grads)
    if not math.isfinite(norm):
        raise FloatingPointError(f"the gradient norm is {norm}: the loss has diverged")
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads.values():
            g *= scale
    return norm
