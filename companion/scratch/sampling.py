"""Turning a model's scores into choices: softmax with a temperature, and sampling from it.

Dividing the logits by a temperature tau before the softmax sharpens the
distribution when tau < 1 (tau -> 0 is greedy, argmax decoding) and flattens
it when tau > 1 (tau -> infinity is uniform). Chapters 6, 9 and 16 use these.
"""

from __future__ import annotations

import numpy as np

from companion.scratch.losses import softmax


def softmax_with_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / temperature) along the last axis; logits: (V,) or (B, V)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive (use argmax for greedy decoding); got {temperature}")
    return softmax(np.asarray(logits, dtype=np.float64) / temperature)


def sample_with_temperature(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """One class index per row of ``logits`` drawn from softmax(logits / temperature).

    logits: (V,) or (B, V). Returns an int64 array of shape () or (B,).
    One uniform number per row is compared with the cumulative probabilities,
    so a seeded ``rng`` gives the same samples on every run.
    """
    probs = softmax_with_temperature(logits, temperature)
    cumulative = np.cumsum(probs, axis=-1)
    u = rng.random(size=probs.shape[:-1] + (1,))
    choice = (cumulative < u * cumulative[..., -1:]).sum(axis=-1)
    return np.minimum(choice, probs.shape[-1] - 1).astype(np.int64)
