"""Four recurrent models on the adding problem and the copy task, trained on fresh batches.

    from companion.practice.long_range import SequenceModel, train_adding, train_copy
    result = train_adding("lstm", T=100, max_steps=2000, seed=0, target=0.005)
    result.test_loss, result.steps, result.curve

The kinds: ``"tanh"`` (an Elman RNN), ``"irnn"`` (a ReLU RNN with W_hh = I and
zero biases, after Le et al., 2015), ``"lstm"`` (forget-gate bias 1) and
``"gru"``. The generators are infinite, so each update sees a fresh batch and
the training loss estimates the test loss. Early stopping reads a fixed
validation batch; the result is measured once, at the end, on a test batch
drawn from a seed of its own. This is a step-based loop of
its own rather than ``companion.practice.training.fit``, which is built around
epochs over a fixed data set.
"""

from __future__ import annotations

import copy
import time
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
    """One training run.

    ``test_loss`` is measured once, at the end, with the weights that had the
    lowest validation loss, on a test batch no other step sees; ``curve`` holds (update, validation loss) pairs, the numbers early
    stopping read; ``reached`` says whether the validation loss went below the
    target before ``max_steps``.
    """

    kind: str
    T: int
    seed: int
    steps: int
    reached: bool
    test_loss: float
    seconds: float
    curve: list[tuple[int, float]] = field(default_factory=list)


def _train(model, generator, loss_fn, T, max_steps, seed, batch_size, lr, max_norm, eval_every, target):
    """Adam on fresh batches; stop once the validation loss is below ``target``.

    The weights with the lowest validation loss seen are restored and tested
    once: a model that wanders above its best (the tanh RNN does at a large
    rate) is judged by its best, chosen on validation data only.
    """
    if int(max_steps) != max_steps or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer; got {max_steps!r}")
    if int(eval_every) != eval_every or eval_every < 1:
        raise ValueError(f"eval_every must be a positive integer; got {eval_every!r}")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    valid = generator(np.random.default_rng(10_000 + seed), T, 512)
    test = generator(np.random.default_rng(20_000 + seed), T, 512)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    curve, reached, step = [], False, 0
    best_loss, best_state = float("inf"), copy.deepcopy(model.state_dict())
    while step < max_steps and not reached:
        step += 1
        loss = loss_fn(model, generator(rng, T, batch_size))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{model.kind}: the loss is {loss.item()} at step {step}; lower lr or max_norm")
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        if step % eval_every == 0 or step == max_steps:
            with torch.no_grad():
                curve.append((step, float(loss_fn(model, valid))))
            if curve[-1][1] < best_loss:
                best_loss, best_state = curve[-1][1], copy.deepcopy(model.state_dict())
            reached = target is not None and curve[-1][1] < target
    model.load_state_dict(best_state)  # the weights with the lowest validation loss
    with torch.no_grad():
        test_loss = float(loss_fn(model, test))
    return step, reached, test_loss, time.perf_counter() - started, curve


def _adding_loss(model: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    x, y = (torch.from_numpy(a) for a in batch)
    return ((model(x)[:, 0] - y) ** 2).mean()


def _copy_loss(model: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    x, y = (torch.from_numpy(a) for a in batch)
    logits = model(nn.functional.one_hot(x, COPY_ALPHABET).float(), per_step=True)
    return nn.functional.cross_entropy(logits.reshape(-1, COPY_ALPHABET), y.reshape(-1))


def _run(task: str, kind: str, T: int, max_steps: int, seed: int, hidden_size: int, batch_size: int,
         lr: float, irnn_lr: float, max_norm: float, eval_every: int, target: float | None) -> RunResult:
    torch.manual_seed(seed)
    if task == "adding":
        model, generator, loss_fn = SequenceModel(kind, 2, hidden_size, 1), adding_batch, _adding_loss
    else:
        model = SequenceModel(kind, COPY_ALPHABET, hidden_size, COPY_ALPHABET)
        generator, loss_fn = copy_batch, _copy_loss
    rate = irnn_lr if kind == "irnn" else lr
    outcome = _train(model, generator, loss_fn, T, max_steps, seed, batch_size, rate, max_norm, eval_every, target)
    steps, reached, test_loss, seconds, curve = outcome
    return RunResult(kind, T, seed, steps, reached, test_loss, seconds, curve)


def train_adding(kind: str, T: int, max_steps: int, seed: int = 0, hidden_size: int = 64, batch_size: int = 64,
                 lr: float = 1e-2, irnn_lr: float = 1e-3, max_norm: float = 1.0, eval_every: int = 100,
                 target: float | None = None) -> RunResult:
    """Train one model on the adding problem; MSE on 512 validation and 512 test sequences.

    Training stops after ``max_steps`` updates, or earlier once the
    validation MSE is below ``target``. The IRNN trains at ``irnn_lr``: a
    ReLU recurrence started at the identity has no squashing, so a large step
    can make its state grow without limit.
    """
    return _run("adding", kind, T, max_steps, seed, hidden_size, batch_size, lr, irnn_lr, max_norm, eval_every,
                target)


def train_copy(kind: str, T: int, max_steps: int, seed: int = 0, hidden_size: int = 64, batch_size: int = 64,
               lr: float = 1e-2, irnn_lr: float = 1e-3, max_norm: float = 1.0, eval_every: int = 100,
               target: float | None = None) -> RunResult:
    """Train one model on the copy task; the loss is the mean cross-entropy per step (nats).

    Stops after ``max_steps`` updates or once the validation loss is below ``target``.
    """
    return _run("copy", kind, T, max_steps, seed, hidden_size, batch_size, lr, irnn_lr, max_norm, eval_every, target)
