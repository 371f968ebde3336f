"""The training loop: exact resumption, NaN detection, safe checkpoints, early stopping."""

from __future__ import annotations

import math
import pickle
import random

import numpy as np
import pytest
import torch

from companion.practice.training import (
    EarlyStopping,
    fit,
    load_checkpoint,
    rng_states,
    seed_everything,
    set_rng_states,
)


class TinyRegressor(torch.nn.Module):
    """A GRU with dropout, so that the run draws from torch's generator every update."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = torch.nn.GRU(3, 8, batch_first=True)
        self.dropout = torch.nn.Dropout(0.2)
        self.head = torch.nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(self.dropout(out[:, -1])).squeeze(-1)


def mse(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def make_run(seed: int = 0):
    """A model, optimiser, schedule and shuffled loaders, all from ``seed``."""
    seed_everything(seed)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(64, 5, 3, generator=generator)
    y = x.sum(dim=(1, 2))
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:48], y[:48]), batch_size=8, shuffle=True)
    valid = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[48:], y[48:]), batch_size=8)
    model = TinyRegressor()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler, train, valid


def test_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one(tmp_path):
    model, optimizer, scheduler, train, valid = make_run()
    straight = fit(model, optimizer, mse, train, valid, epochs=6, scheduler=scheduler, max_norm=1.0,
                   checkpoint_path=tmp_path / "straight.pt", device=torch.device("cpu"))
    expected = {name: value.clone() for name, value in model.state_dict().items()}

    def interrupt(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt

    model, optimizer, scheduler, train, valid = make_run()
    path = tmp_path / "interrupted.pt"
    with pytest.raises(KeyboardInterrupt):
        fit(model, optimizer, mse, train, valid, epochs=6, scheduler=scheduler, max_norm=1.0,
            checkpoint_path=path, on_epoch_end=interrupt, device=torch.device("cpu"))
    # A fresh process would start from new objects and a different random state.
    model, optimizer, scheduler, train, valid = make_run(seed=123)
    torch.rand(7)
    resumed = fit(model, optimizer, mse, train, valid, epochs=6, scheduler=scheduler, max_norm=1.0,
                  checkpoint_path=path, resume=True, device=torch.device("cpu"))

    for name, value in model.state_dict().items():
        assert torch.equal(value, expected[name]), name
    assert resumed.train_loss == straight.train_loss
    assert resumed.grad_norm == straight.grad_norm
    assert resumed.lr == straight.lr == [1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3, 2.5e-3]


def test_a_run_from_another_seed_differs():
    # Guards the test above: resumption must not be trivially exact.
    model_a, optimizer, scheduler, train, valid = make_run(0)
    fit(model_a, optimizer, mse, train, valid, epochs=1, device=torch.device("cpu"))
    model_b, optimizer, scheduler, train, valid = make_run(1)
    fit(model_b, optimizer, mse, train, valid, epochs=1, device=torch.device("cpu"))
    assert not torch.equal(model_a.head.weight, model_b.head.weight)


def test_nan_loss_stops_training_naming_the_update():
    model, optimizer, _, train, _ = make_run()
    calls = []

    def poisoned(model, batch):
        calls.append(1)
        loss = mse(model, batch)
        return loss * math.nan if len(calls) == 9 else loss

    with pytest.raises(FloatingPointError, match=r"loss is nan at update 9 \(epoch 2, batch 3\)"):
        fit(model, optimizer, poisoned, train, epochs=3, device=torch.device("cpu"))


def test_infinite_loss_is_reported_too():
    model, optimizer, _, train, _ = make_run()
    with pytest.raises(FloatingPointError, match="loss is inf at update 1 "):
        fit(model, optimizer, lambda m, b: mse(m, b) + math.inf, train, device=torch.device("cpu"))


class Payload:
    """Any class: unpickling it could run code, which weights_only refuses."""


def test_weights_only_refuses_a_checkpoint_carrying_a_pickled_object(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": TinyRegressor().state_dict(), "extra": Payload()}, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load_checkpoint(path)


def test_checkpoint_holds_plain_state_that_loads_with_weights_only(tmp_path):
    model, optimizer, scheduler, train, valid = make_run()
    path = tmp_path / "run.pt"
    fit(model, optimizer, mse, train, valid, epochs=2, scheduler=scheduler, patience=3,
        checkpoint_path=path, device=torch.device("cpu"))
    checkpoint = load_checkpoint(path)
    assert set(checkpoint) == {"epoch", "model", "optimizer", "scheduler", "history", "early_stopping",
                               "best_model", "rng"}
    assert checkpoint["epoch"] == 1
    assert set(checkpoint["rng"]) >= {"python", "numpy", "torch"}
    assert checkpoint["scheduler"]["last_epoch"] == 2


def test_rng_states_round_trip_all_three_generators():
    seed_everything(5)
    states = rng_states()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_states(states)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_early_stopping_counts_epochs_without_improvement():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    decisions = [stopper.update(loss, epoch) for epoch, loss in enumerate([1.0, 0.8, 0.75, 0.72, 0.5])]
    # 0.75 and 0.72 are within min_delta of 0.8: the second of them stops training.
    assert decisions == [False, False, False, True, False]
    assert stopper.best_epoch == 4 and stopper.best == 0.5


def test_early_stopping_in_fit_restores_the_best_epoch():
    model, optimizer, _, train, _ = make_run()
    scores = iter([1.0, 0.5, 0.9, 0.8, 0.7, 0.6])
    snapshots = []

    def loss_fn(model, batch):
        if batch is None:  # the validation "batch": a scripted loss per epoch
            return torch.tensor(next(scores))
        return mse(model, batch)

    history = fit(model, optimizer, loss_fn, train, [None], epochs=6, patience=2,
                  on_epoch_end=lambda e, h: snapshots.append({k: v.clone() for k, v in model.state_dict().items()}),
                  device=torch.device("cpu"))
    assert history.stopped_early and history.epochs == 4 and history.best_epoch == 1
    for name, value in model.state_dict().items():
        assert torch.equal(value, snapshots[1][name])


def test_time_budget_stops_after_the_update_that_exceeds_it():
    model, optimizer, _, train, _ = make_run()
    history = fit(model, optimizer, mse, train, epochs=50, max_seconds=0.0, device=torch.device("cpu"))
    assert history.out_of_time and len(history.train_loss) == 1


def test_clipping_logs_the_norm_before_clipping():
    model, optimizer, _, train, _ = make_run()
    history = fit(model, optimizer, mse, train, epochs=1, max_norm=1e-3, device=torch.device("cpu"))
    assert min(history.grad_norm) > 1e-3  # the logged norms are the unclipped ones


def test_patience_without_validation_data_is_refused():
    model, optimizer, _, train, _ = make_run()
    with pytest.raises(ValueError, match="needs valid_data"):
        fit(model, optimizer, mse, train, patience=2)


def test_progress_bar_can_be_switched_on(capsys):
    model, optimizer, _, train, _ = make_run()
    history = fit(model, optimizer, mse, train, epochs=1, progress=True, device=torch.device("cpu"))
    assert len(history.train_loss) == 6
