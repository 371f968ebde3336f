"""Four recurrent models on the adding problem and the copy task, trained on fresh batches.

    from companion.practice.long_range import SequenceModel, train_adding, train_copy
    result = train_adding("lstm", T=100, steps=1200, seed=0)
    result.test_mse, result.curve

The kinds: ``"tanh"`` (an Elman RNN), ``"irnn"`` (a ReLU RNN with W_hh = I and
zero biases, after Le et al., 2015), ``"lstm"`` (forget-gate bias 1) and
``"gru"``. The generators are infinite, so each update sees a fresh batch and
the training loss estimates the test loss; the result is still measured once on
a fixed held-out batch drawn from its own seed. This is a step-based loop of
its own rather than ``companion.practice.training.fit``, which is built around
epochs over a fixed data set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from companion.data.long_range import COPY_ALPHABET, adding_batch, copy_batch

KINDS = ("tanh", "irnn", "lstm", "gru")


def identity_init_(rnn: nn.RNN) -> None:
    """Le et al.'s (2015) initialisation of a one-layer ReLU ``nn.RNN``: W_hh = I, biases 0.

    W_ih keeps PyTorch's default; the recurrence then starts as an exact
    copy of the previous state plus the input.
    """
    if not isinstance(rnn, nn.RNN) or rnn.nonlinearity != "relu":
        raise TypeError("identity_init_ expects an nn.RNN with nonlinearity='relu'")
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.eye(rnn.hidden_size))
        rnn.bias_hh_l0.zero_()
        rnn.bias_ih_l0.zero_()


class SequenceModel(nn.Module):
    """A one-layer recurrent model with a linear read-out.

    x: (T, B, input_size) float; ``per_step=False`` returns (B, output_size)
    from the last state, ``per_step=True`` returns (T, B, output_size).
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
        self.kind = kind
        if kind == "lstm":
            self.rnn = nn.LSTM(input_size, hidden_size)
            with torch.no_grad():  # forget-gate bias 1 (gate order i, f, g, o)
                self.rnn.bias_hh_l0[hidden_size : 2 * hidden_size].fill_(1.0)
        elif kind == "gru":
            self.rnn = nn.GRU(input_size, hidden_size)
        elif kind == "tanh":
            self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="tanh")
        else:
            self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="relu")
            identity_init_(self.rnn)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor, per_step: bool = False) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.rnn.input_size:
            raise ValueError(f"x must be (T, B, D) = (*, *, {self.rnn.input_size}); got {tuple(x.shape)}")
        out, _ = self.rnn(x)
        return self.readout(out if per_step else out[-1])


@dataclass
class RunResult:
    """One training run: the held-out loss at the end and the curve of held-out losses."""

    kind: str
    T: int
    seed: int
    test_loss: float
    curve: list[tuple[int, float]] = field(default_factory=list)


def _train(model, generator, T, batch_size, loss_fn, steps, lr, max_norm, seed, eval_every):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    held_out = generator(np.random.default_rng(10_000 + seed), T, 512)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    curve = []
    for step in range(1, steps + 1):
        loss = loss_fn(model, generator(rng, T, batch_size))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{model.kind}: the loss is {loss.item()} at step {step}; lower lr or max_norm")
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            with torch.no_grad():
                curve.append((step, float(loss_fn(model, held_out))))
    return curve


def _adding_loss(model: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    x, y = (torch.from_numpy(a) for a in batch)
    return ((model(x)[:, 0] - y) ** 2).mean()


def _copy_loss(model: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    x, y = (torch.from_numpy(a) for a in batch)
    logits = model(nn.functional.one_hot(x, COPY_ALPHABET).float(), per_step=True)
    return nn.functional.cross_entropy(logits.reshape(-1, COPY_ALPHABET), y.reshape(-1))


def train_adding(kind: str, T: int, steps: int, seed: int = 0, hidden_size: int = 64, batch_size: int = 64,
                 lr: float = 1e-2, max_norm: float = 1.0, eval_every: int = 50) -> RunResult:
    """Train one model on the adding problem; the held-out MSE is measured on 512 unseen sequences.

    The IRNN trains at a tenth of ``lr``: an identity recurrence with ReLU
    has no squashing, so a large step can make its state grow without limit.
    """
    torch.manual_seed(seed)
    model = SequenceModel(kind, 2, hidden_size, 1)
    lr = lr / 10 if kind == "irnn" else lr
    curve = _train(model, adding_batch, T, batch_size, _adding_loss, steps, lr, max_norm, seed, eval_every)
    return RunResult(kind, T, seed, curve[-1][1], curve)


def train_copy(kind: str, T: int, steps: int, seed: int = 0, hidden_size: int = 64, batch_size: int = 64,
               lr: float = 1e-2, max_norm: float = 1.0, eval_every: int = 50) -> RunResult:
    """Train one model on the copy task; the held-out loss is the mean cross-entropy per step (nats)."""
    torch.manual_seed(seed)
    model = SequenceModel(kind, COPY_ALPHABET, hidden_size, COPY_ALPHABET)
    lr = lr / 10 if kind == "irnn" else lr
    curve = _train(model, copy_batch, T, batch_size, _copy_loss, steps, lr, max_norm, seed, eval_every)
    return RunResult(kind, T, seed, curve[-1][1], curve)
