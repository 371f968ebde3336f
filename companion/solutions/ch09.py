"""Reference solutions of chapter 9, "Training from scratch".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. Character ids are
integer arrays; arrays are time-major, ``(T, B)``.
"""

import numpy as np


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of integer targets under softmax(logits), and its gradient.

    logits: (B, V) scores; targets: (B,) integers in [0, V).
    Returns (loss, dlogits): loss, a float in nats, is the mean over the B rows
    of -log softmax(logits)[b, targets[b]]; dlogits (B, V) is its gradient,
    (softmax(logits) - onehot(targets)) / B.
    """
    B = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp cannot overflow now
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(B)
    loss = -log_probs[rows, targets].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, targets] -= 1.0
    return float(loss), dlogits / B


def embedding_backward(ids, d_x, vocab_size):
    """Gradient of an embedding matrix W: (V, E) used as x = W[ids].

    ids: (T, B) integers in [0, V); d_x: (T, B, E), the gradient of x;
    vocab_size: V. Returns dW: (V, E), where row v is the sum of d_x over
    every position whose id is v (zeros for ids that do not occur).
    """
    dW = np.zeros((vocab_size, d_x.shape[-1]))
    np.add.at(dW, ids.ravel(), d_x.reshape(-1, d_x.shape[-1]))  # adds once per occurrence
    return dW


def adagrad_step(param, grad, sum_sq, lr, eps):
    """One step of Adagrad, as torch.optim.Adagrad takes it with default flags.

    s <- s + grad^2;  param <- param - lr * grad / (sqrt(s) + eps).
    param, grad, sum_sq: arrays of one shape (sum_sq starts at zeros);
    lr, eps: floats. Returns (new_param, new_sum_sq).
    """
    new_sum_sq = sum_sq + grad**2
    new_param = param - lr * grad / (np.sqrt(new_sum_sq) + eps)
    return new_param, new_sum_sq


def truncated_bptt_chunks(ids, batch_size, seq_len):
    """Cut a stream of ids into batch_size parallel streams and (T, B) chunks.

    ids: (N,) integers; batch_size: B; seq_len: T. With L = N // B, stream b
    is ids[b * L : (b + 1) * L] (the last N - L * B ids are dropped). Chunk k
    holds steps k*T .. k*T + T - 1 of every stream as inputs and the next id
    of each as targets, for the K = (L - 1) // T chunks that fit.
    Returns (inputs, targets), integers of shape (K, T, B).
    """
    L = len(ids) // batch_size
    streams = ids[: L * batch_size].reshape(batch_size, L).T  # (L, B): column b is stream b
    K = (L - 1) // seq_len  # the last target of the last chunk must exist
    inputs = np.stack([streams[k * seq_len : (k + 1) * seq_len] for k in range(K)])
    targets = np.stack([streams[k * seq_len + 1 : (k + 1) * seq_len + 1] for k in range(K)])
    return inputs, targets


def bigram_bits_per_character(train_ids, valid_ids, vocab_size, alpha):
    """Bits per character of an add-alpha bigram model fitted on train_ids, scored on valid_ids.

    train_ids: (N_train,) and valid_ids: (N_valid,) integers in [0, V);
    vocab_size: V; alpha: the count added to every pair (a float).
    p(b | a) = (count(a, b) + alpha) / (count(a) + alpha * V), counts from
    consecutive pairs of train_ids only. Returns the mean of -log2 p(b | a)
    over the N_valid - 1 consecutive pairs (a, b) of valid_ids, a float.
    """
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    probs = counts / counts.sum(axis=1, keepdims=True)  # row a: the distribution after a
    return float(-np.mean(np.log2(probs[valid_ids[:-1], valid_ids[1:]])))
