"""Reference solutions of chapter 12, "Variable-length batches".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one.

Batches are batch-first and padded at the end: sequence ``b`` occupies steps
``0, ..., lengths[b] - 1`` of row ``b``, and every length is at least 1.
"""

import numpy as np


def lengths_to_mask(lengths, T):
    """A float64 mask (B, T): 1.0 at the real steps t < lengths[b], 0.0 at the padding.

    lengths: int array (B,), each in 1..T; T: the padded length (may exceed max(lengths)).
    """
    return (np.arange(T)[None, :] < lengths[:, None]).astype(np.float64)


def last_valid_state(outputs, lengths):
    """Each sequence's output at its own last real step, outputs[b, lengths[b] - 1].

    outputs: (B, T, H), padded at the end; lengths: int array (B,), each in 1..T.
    Returns (B, H).
    """
    B = outputs.shape[0]
    return outputs[np.arange(B), lengths - 1]


def masked_mean_loss(losses, lengths):
    """The mean of the per-token losses over the real tokens only: each real token counts once.

    losses: (B, T) float64, one loss per position; the padded positions hold
    anything, even NaN. lengths: int array (B,), each in 1..T.
    Returns a float: sum of losses[b, t] for t < lengths[b], divided by sum(lengths).
    """
    T = losses.shape[1]
    mask = np.arange(T)[None, :] < lengths[:, None]
    return float(np.where(mask, losses, 0.0).sum() / mask.sum())


def bucket_batches(lengths, batch_size):
    """Bucketing: the order that sorts sequences by length, and what padding then costs.

    lengths: int array (N,); batch_size: int.
    The order lists the indices from the shortest sequence to the longest, ties
    in index order (a stable sort); consecutive runs of batch_size indices form
    the batches, the last one possibly smaller. Returns (order, padded): order
    int (N,), and padded, an int: the number of positions of all the padded
    batches together (each batch holds its size times its longest length).
    """
    order = np.argsort(lengths, kind="stable")
    padded = 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        padded += len(batch) * int(lengths[batch].max())
    return order, padded


def packed_batch_sizes(lengths):
    """The batch_sizes of a PackedSequence: how many sequences are still running at each step.

    lengths: int array (B,), each at least 1.
    Returns an int array (T,), T = max(lengths), whose entry t is the number of
    sequences with more than t steps.
    """
    T = int(lengths.max())
    return np.array([int((lengths > t).sum()) for t in range(T)], dtype=np.int64)
