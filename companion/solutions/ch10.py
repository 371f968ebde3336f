"""Reference solutions of chapter 10, "Deep, bidirectional and many-to-one".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

The cell is chapter 7's vanilla RNN with PyTorch's layout (``W_ih: (H, D)``,
``W_hh: (H, H)``) and time-major sequences ``x: (T, B, D)``. A backward
direction reads the sequence from its last step to its first, and its states
are stored in the input's time order: ``h[t]`` is the state after reading
``x[t], ..., x[T - 1]``.
"""

import numpy as np


def reverse_rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """The backward direction of a bidirectional RNN: the cell run from x[T - 1] down to x[0].

    x: (T, B, D); h0: (B, H), the state before the first step it reads, x[T - 1];
    W_ih: (H, D); W_hh: (H, H); b_ih: (H,); b_hh: (H,).
    Returns h: (T, B, H) in the input's time order, with
    h[t] = tanh(x[t] W_ih^T + b_ih + h[t + 1] W_hh^T + b_hh), and h0 in place of h[T].
    So h[t] has read x[t], ..., x[T - 1], and h[0] is the direction's final state.
    """
    T = x.shape[0]
    h = np.zeros((T, *h0.shape))
    h_next = h0
    for t in reversed(range(T)):
        h_next = np.tanh(x[t] @ W_ih.T + b_ih + h_next @ W_hh.T + b_hh)
        h[t] = h_next
    return h


def reverse_rnn_backward(dh, x, h0, h, W_ih, W_hh):
    """Backpropagation through time for reverse_rnn_forward.

    dh: (T, B, H), the direct gradient of each h[t] (not through other steps);
    x: (T, B, D); h0: (B, H); h: (T, B, H), the output of reverse_rnn_forward;
    W_ih: (H, D); W_hh: (H, H).
    Returns (dx, dh0, dW_ih, dW_hh, db) with shapes
    (T, B, D), (B, H), (H, D), (H, H), (H,); db is dL/db_ih and also dL/db_hh.
    The forward pass went from index T - 1 down to 0, so this one goes from
    index 0 up to T - 1; the state index i read is h[i + 1], or h0 at i = T - 1.
    """
    T = x.shape[0]
    dx = np.zeros_like(x)
    dW_ih = np.zeros_like(W_ih)
    dW_hh = np.zeros_like(W_hh)
    db = np.zeros(W_hh.shape[0])
    dh_carry = np.zeros_like(h0)  # gradient reaching h[t] from step t - 1, which read it
    for t in range(T):
        h_read = h[t + 1] if t < T - 1 else h0
        da = (dh[t] + dh_carry) * (1.0 - h[t] ** 2)
        dx[t] = da @ W_ih
        dh_carry = da @ W_hh
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ h_read
        db += da.sum(axis=0)
    return dx, dh_carry, dW_ih, dW_hh, db


def bidirectional_forward(x, W_ih_f, W_hh_f, b_f, W_ih_b, W_hh_b, b_b):
    """A bidirectional vanilla RNN layer, both directions starting from zero states.

    x: (T, B, D); forward direction W_ih_f: (H, D), W_hh_f: (H, H), b_f: (H,);
    backward direction W_ih_b, W_hh_b, b_b with the same shapes (one bias per
    direction: b_ih + b_hh merged).
    Returns outputs: (T, B, 2H) with outputs[t] = [forward h_t, backward h_t]:
    the forward state after reading x[0..t], then the backward state after
    reading x[t..T-1].
    """
    T, B, _ = x.shape
    H = W_hh_f.shape[0]
    outputs = np.zeros((T, B, 2 * H))
    h = np.zeros((B, H))
    for t in range(T):
        h = np.tanh(x[t] @ W_ih_f.T + h @ W_hh_f.T + b_f)
        outputs[t, :, :H] = h
    h = np.zeros((B, H))
    for t in reversed(range(T)):
        h = np.tanh(x[t] @ W_ih_b.T + h @ W_hh_b.T + b_b)
        outputs[t, :, H:] = h
    return outputs


def stacked_forward(x, W_ih_1, W_hh_1, b_1, W_ih_2, W_hh_2, b_2):
    """Two stacked vanilla RNN layers, both starting from zero states.

    x: (T, B, D); layer 1: W_ih_1: (H1, D), W_hh_1: (H1, H1), b_1: (H1,);
    layer 2 reads layer 1's states: W_ih_2: (H2, H1), W_hh_2: (H2, H2), b_2: (H2,).
    Returns h2: (T, B, H2), the states of the top layer at every step.
    """
    T, B, _ = x.shape
    h1 = np.zeros((T, B, W_hh_1.shape[0]))
    h = np.zeros((B, W_hh_1.shape[0]))
    for t in range(T):
        h = np.tanh(x[t] @ W_ih_1.T + h @ W_hh_1.T + b_1)
        h1[t] = h
    h2 = np.zeros((T, B, W_hh_2.shape[0]))
    h = np.zeros((B, W_hh_2.shape[0]))
    for t in range(T):
        h = np.tanh(h1[t] @ W_ih_2.T + h @ W_hh_2.T + b_2)
        h2[t] = h
    return h2


def many_to_one_logits(outputs, W_out, b_out):
    """Class scores of each sequence from the outputs of a bidirectional layer.

    outputs: (T, B, 2H), each step's [forward state, backward state];
    W_out: (C, 2H); b_out: (C,).
    The summary of a sequence is both directions' final states: the forward
    direction ends at index T - 1, the backward direction at index 0.
    Returns logits: (B, C).
    """
    H = outputs.shape[2] // 2
    features = np.concatenate([outputs[-1, :, :H], outputs[0, :, H:]], axis=1)  # (B, 2H)
    return features @ W_out.T + b_out
