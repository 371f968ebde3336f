"""A small LSTM or GRU that reads a window of a series and predicts the next value, trained with the course loop.

    from companion.practice.forecasting import RNNForecaster, train_forecaster, as_predictor

The model is ``nn.LSTM`` or ``nn.GRU`` (batch first) followed by a linear layer
on the last hidden state. Windows are (B, L) of already scaled values; the
model adds the feature axis itself.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from companion.practice.training import History, fit, seed_everything


class RNNForecaster(nn.Module):
    """One recurrent layer (``cell`` "lstm" or "gru") with ``hidden`` units and a linear head: (B, L) -> (B,)."""

    def __init__(self, cell: str = "lstm", hidden: int = 32):
        super().__init__()
        layers = {"lstm": nn.LSTM, "gru": nn.GRU}
        if cell not in layers:
            raise ValueError(f"cell must be 'lstm' or 'gru'; got {cell!r}")
        self.rnn = layers[cell](1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2:
            raise ValueError(f"x must be (B, L) windows; got {tuple(x.shape)}")
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out[:, -1]).squeeze(-1)


def _batches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None) -> list:
    order = rng.permutation(len(y)) if rng is not None else np.arange(len(y))
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    return [(Xt[order[i:i + batch_size]], yt[order[i:i + batch_size]]) for i in range(0, len(y), batch_size)]


class _Shuffled:
    """Re-iterable training batches, reshuffled every epoch by a seeded generator."""

    def __init__(self, X: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
        self.X, self.y, self.batch_size, self.rng = X, y, batch_size, np.random.default_rng(seed)

    def __iter__(self):
        return iter(_batches(self.X, self.y, self.batch_size, self.rng))


def _mse(model: nn.Module, batch) -> torch.Tensor:
    x, y = batch
    return torch.mean((model(x) - y) ** 2)


def train_forecaster(cell: str, X_train: np.ndarray, y_train: np.ndarray, X_valid: np.ndarray,
                     y_valid: np.ndarray, hidden: int = 32, epochs: int = 30, batch_size: int = 64,
                     lr: float = 3e-3, patience: int = 4, seed: int = 0) -> tuple[RNNForecaster, History]:
    """Fit an RNNForecaster on scaled windows with Adam, clipping at norm 1 and early stopping on validation.

    X_*: (M, L) windows, y_*: (M,) next values. Returns the model with the weights
    of its best validation epoch, and the training history.
    """
    for name, X, y in (("train", X_train, y_train), ("valid", X_valid, y_valid)):
        if np.ndim(X) != 2 or np.shape(y) != (len(X),):
            raise ValueError(f"X_{name} must be (M, L) and y_{name} (M,); got {np.shape(X)} and {np.shape(y)}")
    seed_everything(seed)
    model = RNNForecaster(cell, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, optimizer, _mse, _Shuffled(X_train, y_train, batch_size, seed),
                  _batches(X_valid, y_valid, 256, None), epochs=epochs, max_norm=1.0, patience=patience)
    return model, history


def as_predictor(model: nn.Module):
    """A NumPy function (B, L) -> (B,) that runs ``model`` without gradients, for recursive forecasting."""

    def predict(window: np.ndarray) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return model(torch.as_tensor(window, dtype=torch.float32)).double().numpy()

    return predict
