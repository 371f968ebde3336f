"""Reference solutions of chapter 13, "Training well in PyTorch".

Each function is self-contained: ``python -m companion.exercises solve``
pastes its source into the student notebook, and the book shows it with
``literalinclude :pyobject:``. The exercises take and return NumPy arrays and
plain numbers (float64), and use PyTorch inside.
"""

import numpy as np


def clipped_sgd_step(W, b, x, y, lr, max_norm):
    """One SGD step with gradient clipping for the linear model x W^T + b, in PyTorch.

    W: (K, D); b: (K,); x: (N, D); y: (N, K); all float64 NumPy arrays.
    loss = mean over all N*K entries of (x W^T + b - y)^2.
    Clip the gradients of W and b together to global norm max_norm, then take
    one SGD step with learning rate lr. The inputs are left unchanged.
    Returns (W_new (K, D), b_new (K,), norm): float64 arrays and the global
    gradient norm *before* clipping, as a float.
    """
    import torch

    W_t = torch.tensor(W, requires_grad=True)  # a copy: the caller's array is not touched
    b_t = torch.tensor(b, requires_grad=True)
    optimizer = torch.optim.SGD([W_t, b_t], lr=lr)
    loss = torch.mean((torch.from_numpy(x) @ W_t.T + b_t - torch.from_numpy(y)) ** 2)
    optimizer.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_([W_t, b_t], max_norm)
    optimizer.step()
    return W_t.detach().numpy(), b_t.detach().numpy(), norm.item()


def early_stopping_epochs(val_losses, patience, min_delta):
    """Where early stopping stops, and the epoch whose weights it keeps.

    val_losses: (E,) float64, the validation loss after each epoch 0 .. E-1.
    An epoch improves when its loss is below best - min_delta, where best is
    the loss of the last epoch that improved (epoch 0 always improves).
    Training stops after the epoch that makes it `patience` epochs in a row
    without improvement. Returns (stop_epoch, best_epoch) as ints; stop_epoch
    is E - 1 if training never stops early.
    """
    import math

    best, best_epoch, wait = math.inf, -1, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def seeded_draws(seed, n):
    """Seed Python's random, NumPy's global generator and torch with `seed`, then draw n numbers from each.

    Returns draws: (3, n) float64, with rows
      0: [random.random() for each of n draws]
      1: np.random.rand(n)
      2: torch.rand(n, dtype=torch.float64)
    """
    import random
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    python = [random.random() for _ in range(n)]
    return np.stack([np.array(python), np.random.rand(n), torch.rand(n, dtype=torch.float64).numpy()])


def bits_per_character(logits, targets):
    """Mean cross-entropy of the targets in bits per character, with PyTorch.

    logits: (T, B, V) float64, the scores of the next character at each position;
    targets: (T, B) integer ids, the characters that came next.
    Returns a float: the mean over all T*B positions of -log2 softmax(logits)[target].
    """
    import math
    import torch

    V = logits.shape[-1]
    nats = torch.nn.functional.cross_entropy(torch.from_numpy(logits).reshape(-1, V),
                                             torch.from_numpy(targets).long().reshape(-1))
    return nats.item() / math.log(2)
