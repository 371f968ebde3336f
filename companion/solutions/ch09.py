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
    consecutive pairs of train_ids only: count(a, b) is the number of i with
    train_ids[i] == a and train_ids[i + 1] == b, and count(a) = sum_b count(a, b),
    the number of pairs that start with a. Returns the mean of -log2 p(b | a)
    over the N_valid - 1 consecutive pairs (a, b) of valid_ids, a float.
    """
    counts = np.full((vocab_size, vocab_size), alpha)
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    probs = counts / counts.sum(axis=1, keepdims=True)  # row a: the distribution after a
    return float(-np.mean(np.log2(probs[valid_ids[:-1], valid_ids[1:]])))


def sample_with_temperature(logits, temperature, u):
    """One id per row, drawn from softmax(logits / temperature) with the given uniform numbers.

    logits: (B, V) scores; temperature: a float > 0; u: (B,) numbers in [0, 1),
    one per row, used instead of a random generator (inverse-CDF sampling).
    With p = softmax(logits[b] / temperature) and the cumulative sums
    cdf[k] = p[0] + ... + p[k], row b's id is the first k with cdf[k] > u[b]
    (V - 1 if rounding leaves every cdf[k] <= u[b]). Returns ids: (B,) integers.
    """
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)  # exp cannot overflow, even for a small temperature
    probs = np.exp(scaled)
    probs /= probs.sum(axis=1, keepdims=True)
    cdf = np.cumsum(probs, axis=1)
    ids = (cdf <= u[:, None]).sum(axis=1)  # how many cumulative sums are not above u
    return np.minimum(ids, logits.shape[1] - 1)


def train_step_carried(x, targets, h0, W_ih, W_hh, b, W_out, b_out, lr):
    """One truncated-BPTT training step of a character RNN on a chunk, with the state carried in.

    x: (T, B, D) inputs of the chunk; targets: (T, B) integer ids in [0, V);
    h0: (B, H), the last state of the previous chunk, used as it is and treated
    as a constant (no gradient flows into it); W_ih: (H, D); W_hh: (H, H);
    b: (H,); W_out: (V, H); b_out: (V,); lr: the SGD learning rate.
    Forward: h_t = tanh(x_t W_ih^T + h_{t-1} W_hh^T + b), logits_t = h_t W_out^T + b_out,
    loss = mean over the T * B positions of -log softmax(logits_t)[target].
    Returns (loss, W_ih, W_hh, b, W_out, b_out, h_T): the loss before the step
    (a float), the five parameters after one SGD step (new arrays: the inputs
    are left unchanged), and h_T (B, H), the state to carry into the next chunk.
    """
    T, B = targets.shape
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[t] @ W_ih.T + hs[t] @ W_hh.T + b))
    h = np.stack(hs[1:])  # (T, B, H)
    logits = h @ W_out.T + b_out  # (T, B, V)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    t_index, b_index = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    loss = -log_probs[t_index, b_index, targets].mean()
    dlogits = np.exp(log_probs)
    dlogits[t_index, b_index, targets] -= 1.0
    dlogits /= T * B
    dW_out = np.einsum("tbv,tbh->vh", dlogits, h)
    db_out = dlogits.sum(axis=(0, 1))
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dlogits[t] @ W_out + dh_next) * (1 - hs[t + 1] ** 2)
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ hs[t]
        db += da.sum(axis=0)
        dh_next = da @ W_hh  # stops at h0: the carried state is a constant
    return (float(loss), W_ih - lr * dW_ih, W_hh - lr * dW_hh, b - lr * db,
            W_out - lr * dW_out, b_out - lr * db_out, hs[-1])
