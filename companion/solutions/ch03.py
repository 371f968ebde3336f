"""Reference solutions of chapter 3, "Learning: losses and backpropagation through time".

Each function is self-contained and uses only ``np``: ``python -m
companion.exercises solve`` pastes its source into the student notebook, and
the book shows it with ``literalinclude :pyobject:``. So no function here calls
another one, even where that would save a few lines.

The optimiser steps follow the update rules of ``companion.scratch.optim`` and of
``torch.optim`` with default flags, one array at a time, and return new arrays
instead of updating in place. Scalars (learning rates, the step count ``t``)
arrive as float64 numbers.
"""

import numpy as np


def scalar_bptt(x, y, h0, w, u, b):
    """Backpropagation through time for a batch of scalar RNNs.

    Each of the B sequences runs h_t = tanh(w h_{t-1} + u x_t + b), t = 1..T,
    from its own initial state, with the three scalars w, u, b shared by every
    step and every sequence. The loss is L = 1/2 sum_t sum_b (h_t - y_t)^2.

    x: (T, B) inputs, x[t - 1] is x_t; y: (T, B) targets; h0: (B,) initial
    states; w, u, b: scalars.
    Returns (dw, du, db, dh0): the three scalar gradients and dL/dh_0 of shape (B,).
    """
    T = x.shape[0]
    h = np.zeros((T + 1, h0.shape[0]))  # h[0] is h_0, h[t] is h_t
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = np.tanh(w * h[t - 1] + u * x[t - 1] + b)
    dw = du = db = 0.0
    dh = np.zeros_like(h0)  # dL/dh_t arriving from step t + 1 (none after the last step)
    for t in range(T, 0, -1):
        dh = dh + (h[t] - y[t - 1])  # ... plus the local gradient of l_t
        da = dh * (1.0 - h[t] ** 2)  # dL/da_t, through tanh
        dw += np.sum(da * h[t - 1])  # at t = 1 the previous state is h_0
        du += np.sum(da * x[t - 1])
        db += np.sum(da)
        dh = da * w  # dL/dh_{t-1}, carried one step back
    return float(dw), float(du), float(db), dh


def sequence_cross_entropy(logits, targets, mask):
    """Mean cross-entropy per real token, in nats, over a padded batch of sequences.

    logits: (T, B, V) scores; targets: (T, B, V) one-hot rows (the class to
    predict at each step); mask: (T, B), 1.0 for a real token and 0.0 for padding.
    Returns the scalar sum_{t,b} mask * (-log softmax(logits)[target]) / sum(mask).
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)  # no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    nll = -(targets * log_probs).sum(axis=-1)  # (T, B): -log p(target) at every position
    return float((nll * mask).sum() / mask.sum())


def numerical_gradient_of_loss(W_hh, x, y, eps):
    """Centred finite-difference gradient of a small RNN's loss with respect to W_hh.

    The loss is that of an RNN whose inputs are already projected to the hidden
    size: h_t = tanh(x_t + h_{t-1} W_hh^T), h_0 = 0, and L = 1/2 sum((h_T - y)^2).
    W_hh: (H, H); x: (T, B, H); y: (B, H); eps: the step, a float.
    Returns dW: (H, H), entry (i, j) being (L(W + eps E_ij) - L(W - eps E_ij)) / (2 eps).
    """
    def loss(W):
        h = np.zeros_like(y)
        for x_t in x:
            h = np.tanh(x_t + h @ W.T)
        return 0.5 * np.sum((h - y) ** 2)

    dW = np.zeros_like(W_hh)
    W = W_hh.copy()  # perturb a copy, one entry at a time
    for index in np.ndindex(W.shape):
        original = W[index]
        W[index] = original + eps
        loss_plus = loss(W)
        W[index] = original - eps
        loss_minus = loss(W)
        W[index] = original  # restore before moving on
        dW[index] = (loss_plus - loss_minus) / (2 * eps)
    return dW


def sgd_momentum_step(param, grad, velocity, lr, momentum):
    """One step of SGD with (heavy-ball) momentum, as torch.optim.SGD takes it.

    v <- momentum * v + grad;  param <- param - lr * v.
    param, grad, velocity: arrays of one shape (velocity starts at zeros);
    lr, momentum: floats. Returns (new_param, new_velocity).
    """
    new_velocity = momentum * velocity + grad
    new_param = param - lr * new_velocity
    return new_param, new_velocity


def rmsprop_step(param, grad, square_avg, lr, alpha, eps):
    """One step of RMSProp, as torch.optim.RMSprop takes it with default flags.

    s <- alpha * s + (1 - alpha) * grad^2;  param <- param - lr * grad / (sqrt(s) + eps).
    param, grad, square_avg: arrays of one shape (square_avg starts at zeros);
    lr, alpha, eps: floats. Returns (new_param, new_square_avg).
    """
    new_square_avg = alpha * square_avg + (1 - alpha) * grad**2
    new_param = param - lr * grad / (np.sqrt(new_square_avg) + eps)
    return new_param, new_square_avg


def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps):
    """One step of Adam (Kingma and Ba, 2015), as torch.optim.Adam takes it.

    m <- beta1 m + (1 - beta1) grad;  v <- beta2 v + (1 - beta2) grad^2;
    m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t);
    param <- param - lr * m_hat / (sqrt(v_hat) + eps).
    param, grad, m, v: arrays of one shape (m and v start at zeros);
    t: the number of this step, 1 for the first update (a float such as 3.0);
    lr, beta1, beta2, eps: floats. Returns (new_param, new_m, new_v).
    """
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    m_hat = new_m / (1 - beta1**t)  # undo the pull towards the zero start
    v_hat = new_v / (1 - beta2**t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, new_m, new_v
