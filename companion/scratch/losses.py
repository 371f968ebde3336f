"""Losses over sequences, each returning its value and its gradient.

Scores are flattened over time and batch before the loss: ``logits`` of shape
(N, V) for N = T * B predictions over V classes, ``targets`` (N,) of integer
class indices. Losses are means over the N predictions, like PyTorch's default.
"""

from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log(softmax(logits)) along the last axis, without overflow: the max is subtracted first."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities along the last axis; stable for logits of any size."""
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``targets`` under ``softmax(logits)``, in nats, and its gradient.

    logits: (N, V) scores; targets: (N,) integers in [0, V).
    Returns (loss, dlogits) with dlogits (N, V) = (softmax(logits) - onehot(targets)) / N.
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must be (N, V); got shape {logits.shape} (flatten time and batch first)")
    N, V = logits.shape
    if targets.shape != (N,) or targets.dtype.kind not in "iu":
        raise ValueError(f"targets must be integers of shape (N,) = ({N},); got {targets.dtype} {targets.shape}")
    if N and (targets.min() < 0 or targets.max() >= V):
        raise ValueError(f"targets must lie in [0, V) = [0, {V}); got values from {targets.min()} to {targets.max()}")
    log_p = log_softmax(logits)
    rows = np.arange(N)
    loss = -float(log_p[rows, targets].mean())
    dlogits = np.exp(log_p)
    dlogits[rows, targets] -= 1.0
    return loss, dlogits / N


def mean_squared_error(predictions: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean of the squared differences over every entry, and its gradient with respect to predictions."""
    if predictions.shape != targets.shape:
        raise ValueError(f"predictions and targets must have the same shape; got {predictions.shape} and {targets.shape}")
    diff = predictions - targets
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
