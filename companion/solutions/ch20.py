"""Reference solutions of chapter 20, "Training recipes, measured".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.
"""

import numpy as np


def orthogonal_from_gaussian(A):
    """The orthogonal factor Q of A = QR, with the signs fixed so that diag(R) > 0.

    A: (n, n) float64, a Gaussian matrix. Returns Q: (n, n), with Q.T @ Q = I,
    uniformly distributed over the orthogonal matrices when A is Gaussian.
    """
    Q, R = np.linalg.qr(A)
    return Q * np.sign(np.diag(R))             # column i times the sign of R[i, i]


def clip_global_norm(dW, db, max_norm):
    """Scale dW (H, D) and db (H,) together so that their joint norm is at most max_norm.

    Returns (dW, db, norm): the clipped gradients (new arrays) and the global
    norm before clipping, a float.
    """
    norm = float(np.sqrt(np.sum(dW ** 2) + np.sum(db ** 2)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return dW * scale, db * scale, norm


def warmup_cosine_lr(steps, lr_max, lr_min, warmup, total):
    """The learning rate at each step of ``steps`` (an int array (S,)): linear warm-up, then a cosine decay.

    lr_max * (s + 1) / warmup for s < warmup; then
    lr_min + (lr_max - lr_min) * (1 + cos(pi * (s - warmup) / (total - warmup))) / 2.
    Returns (S,) float64.
    """
    s = np.asarray(steps, dtype=np.float64)
    warm = lr_max * (s + 1) / warmup if warmup > 0 else np.full_like(s, lr_max)
    progress = (s - warmup) / (total - warmup)
    decay = lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(np.pi * progress))
    return np.where(s < warmup, warm, decay)


def layer_norm(a, gamma, beta, eps):
    """Layer normalisation of each row of a (B, n): mean 0 and biased variance 1 over its n features.

    gamma, beta: (n,). Returns (B, n): gamma * (a - mean) / sqrt(var + eps) + beta.
    """
    mean = a.mean(axis=1, keepdims=True)
    var = ((a - mean) ** 2).mean(axis=1, keepdims=True)
    return gamma * (a - mean) / np.sqrt(var + eps) + beta


def standardise(train, other):
    """``other`` (M, T, D) standardised with the per-feature mean and sd of ``train`` (N, T, D).

    The statistics are over the N sequences and their T steps (biased sd); a
    feature constant in training is divided by 1. Returns (M, T, D).
    """
    mean = train.mean(axis=(0, 1))
    sd = train.std(axis=(0, 1))
    sd = np.where(sd > 0, sd, 1.0)
    return (other - mean) / sd
