"""One reusable PyTorch training loop: clipping, a schedule, early stopping, checkpoints.

    from companion.practice.training import fit, seed_everything, default_device

    seed_everything(0)
    history = fit(model, optimizer, loss_fn, train_data, valid_data, epochs=20,
                  scheduler=scheduler, max_norm=1.0, patience=3, checkpoint_path="run.pt")

``loss_fn(model, batch)`` returns the mean loss of one batch as a scalar tensor;
``train_data`` and ``valid_data`` are iterated once per epoch (a DataLoader, a
list of batches, or any re-iterable object). Everything the loop needs to
continue exactly where it stopped (weights, optimiser, schedule, early-stopping
counters, history and the three random-number generators) goes into one
checkpoint of plain tensors and numbers, loaded with ``weights_only=True``.
"""

from __future__ import annotations

import copy
import math
import os
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

LossFn = Callable[[torch.nn.Module, Any], torch.Tensor]


# ------------------------------------------------------- seeds and devices


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every GPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds the CUDA generators


def make_deterministic() -> None:
    """Ask torch for deterministic kernels; an operation without one then raises instead of varying.

    On a GPU, cuBLAS needs a fixed workspace for this and cuDNN must not pick
    its algorithm by timing (``benchmark``). On a CPU these settings cost little.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False


def default_device() -> torch.device:
    """``cuda`` when a GPU is present, else ``cpu``: nothing in the course requires a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch: Any, device: torch.device) -> Any:
    """The batch with every tensor in it (also inside tuples, lists and dicts) moved to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    return batch


def rng_states() -> dict[str, Any]:
    """The states of the three global generators, as tensors and plain numbers only."""
    np_state = np.random.get_state(legacy=False)
    states = {
        "python": random.getstate(),
        "numpy": {"key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)), "pos": np_state["state"]["pos"],
                  "has_gauss": np_state["has_gauss"], "gauss": np_state["gauss"]},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    """Restore what ``rng_states`` saved."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = states["numpy"]
    np.random.set_state({"bit_generator": "MT19937",
                         "state": {"key": np_state["key"].numpy().astype(np.uint32), "pos": np_state["pos"]},
                         "has_gauss": np_state["has_gauss"], "gauss": np_state["gauss"]})
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


# ------------------------------------------------------------ early stopping


@dataclass
class EarlyStopping:
    """Stop when the validation loss has not improved by more than ``min_delta`` for ``patience`` epochs.

    An epoch improves when its loss is below ``best - min_delta``; ``best_epoch``
    is the last epoch that improved (epochs count from 0).
    """

    patience: int
    min_delta: float = 0.0
    best: float = math.inf
    best_epoch: int = -1
    wait: int = 0

    def update(self, loss: float, epoch: int) -> bool:
        """Record the loss of ``epoch``; True when training should stop now."""
        if loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = loss, epoch, 0
            return False
        self.wait += 1
        return self.wait >= self.patience


# ------------------------------------------------------------------- history


@dataclass
class History:
    """What ``fit`` measured: per update, and per epoch."""

    train_loss: list[float] = field(default_factory=list)  # one per update
    grad_norm: list[float] = field(default_factory=list)  # global norm before clipping, one per update
    epoch_train_loss: list[float] = field(default_factory=list)  # mean over the epoch's updates
    valid_loss: list[float] = field(default_factory=list)  # one per epoch, if there is validation data
    lr: list[float] = field(default_factory=list)  # the learning rate each epoch trained with
    best_epoch: int = -1
    stopped_early: bool = False
    out_of_time: bool = False
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.epoch_train_loss)


# --------------------------------------------------------------- checkpoints


def save_checkpoint(path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, epoch: int, history: History, stopper: EarlyStopping | None,
                    best_model: dict[str, torch.Tensor] | None) -> None:
    """Everything needed to continue after ``epoch``, as state_dicts of tensors and plain numbers.

    Written to a temporary file first and then renamed, so that an interruption
    while saving leaves the previous checkpoint intact.
    """
    checkpoint = {
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "history": asdict(history),
        "early_stopping": asdict(stopper) if stopper is not None else None,
        "best_model": best_model,
        "rng": rng_states(),
    }
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(checkpoint, temporary)
    os.replace(temporary, path)


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """The checkpoint at ``path``, loaded safely: ``weights_only=True`` refuses pickled code and objects."""
    return torch.load(path, map_location=device, weights_only=True)


# ---------------------------------------------------------------------- loop


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train_data: Iterable,
    valid_data: Iterable | None = None,
    epochs: int = 1,
    scheduler: Any = None,
    max_norm: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    checkpoint_path: str | Path | None = None,
    resume: bool = False,
    max_seconds: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    device: torch.device | None = None,
    progress: bool | None = None,
    on_epoch_end: Callable[[int, History], None] | None = None,
) -> History:
    """Train ``model`` for up to ``epochs`` epochs; return the History.

    Each update: ``loss_fn(model, batch)``, backward, clip the gradients to
    global norm ``max_norm`` (the norm before clipping is logged either way),
    step. After each epoch: the validation loss (mean over batches, no
    gradients), one ``scheduler.step()`` (``step(valid_loss)`` for
    ReduceLROnPlateau), early stopping with ``patience``, a checkpoint, and
    ``on_epoch_end(epoch, history)``. With early stopping the weights of the
    best epoch are restored at the end.

    ``resume=True`` continues from ``checkpoint_path`` if it exists, and ends
    with the same weights as a run that was never interrupted. ``max_seconds``
    stops after the update that exceeds the budget (the epoch it ends is then
    validated and checkpointed as if complete), in seconds of ``clock``:
    wall-clock time by default, or ``time.process_time`` to count only this
    process's CPU time on a shared machine. ``progress`` shows a bar;
    by default only in an interactive terminal, so logs and built pages stay
    clean (pass True in JupyterLab). Raises FloatingPointError naming the
    update when the loss is NaN or infinite.
    """
    if patience is not None and valid_data is None:
        raise ValueError("early stopping (patience) needs valid_data")
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be positive or None; got {max_norm}")
    device = device if device is not None else default_device()
    model.to(device)
    history = History()
    stopper = EarlyStopping(patience, min_delta) if patience is not None else None
    best_model = None
    first_epoch = 0
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        checkpoint = load_checkpoint(checkpoint_path, device)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(checkpoint["scheduler"])
        history = History(**checkpoint["history"])
        if stopper is not None:
            stopper = EarlyStopping(**checkpoint["early_stopping"])
        best_model = checkpoint["best_model"]
        set_rng_states(checkpoint["rng"])
        first_epoch = checkpoint["epoch"] + 1
    show = sys.stderr.isatty() if progress is None else progress
    start = clock() - history.seconds

    for epoch in range(first_epoch, epochs):
        history.lr.append(optimizer.param_groups[0]["lr"])
        model.train()
        losses = []
        for batch in _progress(train_data, show, f"epoch {epoch + 1}/{epochs}"):
            loss = loss_fn(model, to_device(batch, device))
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the training loss is {loss.item()} at update {len(history.train_loss) + 1} "
                    f"(epoch {epoch + 1}, batch {len(losses) + 1}): look for NaN or inf in that batch, "
                    "or lower the learning rate or clip the gradients"
                )
            optimizer.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm if max_norm is not None else math.inf)
            optimizer.step()
            losses.append(loss.item())
            history.train_loss.append(loss.item())
            history.grad_norm.append(norm.item())
            if max_seconds is not None and clock() - start > max_seconds:
                history.out_of_time = True
                break
        history.epoch_train_loss.append(sum(losses) / len(losses))

        if valid_data is not None:
            history.valid_loss.append(evaluate(model, loss_fn, valid_data, device))
        if scheduler is not None:
            plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
            scheduler.step(history.valid_loss[-1]) if plateau else scheduler.step()
        stop = False
        if stopper is not None:
            stop = stopper.update(history.valid_loss[-1], epoch)
            history.best_epoch = stopper.best_epoch
            if stopper.best_epoch == epoch:
                best_model = copy.deepcopy(model.state_dict())
            history.stopped_early = stop
        history.seconds = clock() - start
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, model, optimizer, scheduler, epoch, history, stopper, best_model)
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
        if stop or history.out_of_time:
            break

    if best_model is not None:
        model.load_state_dict(best_model)
    history.seconds = clock() - start
    return history


def _progress(iterable: Iterable, show: bool, description: str) -> Iterable:
    """``iterable`` with a tqdm.auto progress bar (a widget in JupyterLab, text in a terminal), or as it is."""
    if not show:
        return iterable
    with warnings.catch_warnings():
        # Without ipywidgets, tqdm.auto warns once and falls back to the text bar, which is fine.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    return tqdm(iterable, desc=description, leave=False)


@torch.no_grad()
def evaluate(model: torch.nn.Module, loss_fn: LossFn, data: Iterable, device: torch.device | None = None) -> float:
    """The mean of ``loss_fn`` over the batches of ``data``, in eval mode and without gradients."""
    device = device if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    losses = [loss_fn(model, to_device(batch, device)).item() for batch in data]
    model.train(was_training)
    if not losses:
        raise ValueError("evaluate needs at least one batch")
    return sum(losses) / len(losses)
