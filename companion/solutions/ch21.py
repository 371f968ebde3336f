"""Reference solutions of chapter 21, "Long-range dependencies, measured".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.
"""

import numpy as np


def adding_problem_batch(values, first, second):
    """The adding problem's inputs and targets from given values and marker positions.

    values: (T, B) in [0, 1]; first, second: int arrays (B,), the marked steps.
    Returns x (T, B, 2) float64 (values in channel 0, markers in channel 1) and y (B,),
    the sum of the two marked values of each sequence.
    """
    T, B = values.shape
    columns = np.arange(B)
    markers = np.zeros((T, B))
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = values[first, columns] + values[second, columns]
    return x, y


def constant_predictor_mse(y):
    """The MSE of the best constant prediction (the mean) for the targets y (B,), as a float."""
    return float(np.mean((y - np.mean(y)) ** 2))


def copy_baseline(T, n=10, k=8):
    """Cross-entropy per step (nats) of the memoryless copy strategy: n log k / (T + 2n)."""
    return n * np.log(k) / (T + 2 * n)


def copy_task_layout(data, T):
    """The copy task's input and target symbols (T + 2n, B) for data symbols (n, B).

    Input: the data, T - 1 blanks (0), the delimiter (9), n blanks.
    Target: T + n blanks, then the data.
    """
    n, B = data.shape
    x = np.zeros((T + 2 * n, B), dtype=np.int64)
    y = np.zeros((T + 2 * n, B), dtype=np.int64)
    x[:n] = data
    x[n + T - 1] = 9
    y[T + n :] = data
    return x, y


def irnn_init(H, D, seed):
    """Le et al.'s (2015) initialisation, PyTorch's layout, float64.

    Returns W_ih (H, D) drawn from N(0, 0.001^2) by np.random.default_rng(seed),
    W_hh = I (H, H), b_ih and b_hh zeros (H,).
    """
    W_ih = np.random.default_rng(seed).normal(0.0, 0.001, size=(H, D))
    return W_ih, np.eye(H), np.zeros(H), np.zeros(H)
