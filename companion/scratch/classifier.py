"""A many-to-one sequence classifier: a recurrent stack reads the sequence, a linear layer reads its summary.

    x (T, B, D) --deep_forward--> outputs (T, B, F), h_n --pool--> features (B, F)
        --linear--> logits (B, C) --softmax cross-entropy--> loss

with ``F = dirs * H``. Two summaries ("pooling") are offered:

- ``"last"``: the top layer's final states, ``[h_T forward, h_1 backward]``.
  The backward direction finishes at t = 0, so its final state is
  ``outputs[0, :, H:]``, not ``outputs[-1, :, H:]`` (which has read one step);
- ``"mean"``: the average of ``outputs`` over time.

Parameters are one flat dict: the recurrent weights under PyTorch's names
(see ``companion.scratch.deep_rnn``) plus ``W_out: (C, F)`` and ``b_out: (C,)``.
``train`` fits them with ``companion.scratch.optim.Adam`` and gradient clipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from companion.scratch.deep_rnn import DeepCache, deep_backward, deep_forward, init_deep_weights
from companion.scratch.losses import softmax_cross_entropy
from companion.scratch.optim import Adam, clip_grad_norm

Params = dict[str, np.ndarray]


@dataclass(frozen=True)
class SequenceClassifier:
    """The architecture (sizes and choices); the weights live in a separate ``params`` dict."""

    input_size: int
    hidden_size: int
    num_classes: int
    num_layers: int = 1
    bidirectional: bool = False
    pooling: str = "last"
    cell: str = "lstm"

    def __post_init__(self) -> None:
        if self.pooling not in ("last", "mean"):
            raise ValueError(f'pooling must be "last" or "mean"; got {self.pooling!r}')
        if min(self.input_size, self.hidden_size, self.num_classes, self.num_layers) < 1:
            raise ValueError("input_size, hidden_size, num_classes and num_layers must be positive")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def features(self) -> int:
        """F, the size of the summary the linear layer reads."""
        return self.directions * self.hidden_size

    def init_params(self, rng: np.random.Generator, dtype=np.float64) -> Params:
        """PyTorch's initialisation for every weight, ``nn.Linear``'s for the output layer."""
        params = init_deep_weights(
            self.cell, self.input_size, self.hidden_size, self.num_layers, self.bidirectional, rng, dtype
        )
        k = 1 / np.sqrt(self.features)
        params["W_out"] = rng.uniform(-k, k, size=(self.num_classes, self.features)).astype(dtype)
        params["b_out"] = rng.uniform(-k, k, size=self.num_classes).astype(dtype)
        return params


class ClassifierCache(NamedTuple):
    rnn: DeepCache
    features: np.ndarray  # (B, F)
    T: int


def _recurrent(params: Params) -> Params:
    return {name: value for name, value in params.items() if name not in ("W_out", "b_out")}


def pool(model: SequenceClassifier, outputs: np.ndarray, h_n: np.ndarray) -> np.ndarray:
    """The summary ``(B, F)`` of a batch: the top layer's final states, or the mean of ``outputs`` over time."""
    if model.pooling == "mean":
        return outputs.mean(axis=0)
    top = h_n[-model.directions :]  # the top layer's rows of h_n: forward, then backward
    return np.concatenate(list(top), axis=1)


def pool_backward(model: SequenceClassifier, d_features: np.ndarray, T: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Route ``d_features: (B, F)`` back: ``(d_outputs, d_hn)``, one of them ``None``."""
    if model.pooling == "mean":
        return np.broadcast_to(d_features / T, (T, *d_features.shape)).copy(), None
    B, H, dirs = d_features.shape[0], model.hidden_size, model.directions
    d_hn = np.zeros((model.num_layers * dirs, B, H), dtype=d_features.dtype)
    for direction in range(dirs):
        d_hn[(model.num_layers - 1) * dirs + direction] = d_features[:, direction * H : (direction + 1) * H]
    return None, d_hn


def forward(model: SequenceClassifier, params: Params, x: np.ndarray) -> tuple[np.ndarray, ClassifierCache]:
    """Logits ``(B, C)`` for ``x: (T, B, D)``, and the cache for :func:`backward`."""
    outputs, (h_n, _), cache = deep_forward(
        x, _recurrent(params), model.cell, model.num_layers, model.bidirectional
    )
    features = pool(model, outputs, h_n)
    logits = features @ params["W_out"].T + params["b_out"]
    return logits, ClassifierCache(cache, features, x.shape[0])


def backward(model: SequenceClassifier, params: Params, d_logits: np.ndarray, cache: ClassifierCache) -> Params:
    """Gradients of every parameter, given ``d_logits: (B, C)``; keyed like ``params``."""
    d_features = d_logits @ params["W_out"]
    d_outputs, d_hn = pool_backward(model, d_features, cache.T)
    if d_outputs is None:
        T, B = cache.T, d_logits.shape[0]
        d_outputs = np.zeros((T, B, model.features), dtype=d_logits.dtype)
    grads = deep_backward(d_outputs, cache.rnn, d_hn)
    grads = {name: grads[name] for name in params if name in grads}
    grads["W_out"] = d_logits.T @ cache.features
    grads["b_out"] = d_logits.sum(axis=0)
    return grads


def loss_and_grads(model: SequenceClassifier, params: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """Mean cross-entropy of the labels ``y: (B,)`` given ``x: (T, B, D)``, and its gradient for every parameter."""
    if x.ndim != 3 or x.shape[2] != model.input_size:
        raise ValueError(f"x must be (T, B, D) = (*, *, {model.input_size}); got {x.shape}")
    if y.shape != (x.shape[1],):
        raise ValueError(f"y must be (B,) = ({x.shape[1]},); got {y.shape}")
    logits, cache = forward(model, params, x)
    loss, d_logits = softmax_cross_entropy(logits, y)
    return loss, backward(model, params, d_logits, cache)


def predict(model: SequenceClassifier, params: Params, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The most probable class of each sequence of ``x: (T, N, D)``: ``(N,)`` integers."""
    labels = [forward(model, params, x[:, i : i + batch_size])[0].argmax(axis=1) for i in range(0, x.shape[1], batch_size)]
    return np.concatenate(labels)


@dataclass
class History:
    """What :func:`train` records once per epoch."""

    loss: list[float] = field(default_factory=list)  # mean training loss over the epoch's batches
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)  # empty without validation data


def train(
    model: SequenceClassifier,
    params: Params,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    max_norm: float = 5.0,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
) -> History:
    """Fit ``params`` in place by Adam on shuffled minibatches, clipping the gradient norm to ``max_norm``.

    ``x: (T, N, D)``, ``y: (N,)`` integers. Stops with a ``FloatingPointError``
    that says where if the loss or a gradient stops being finite.
    """
    if x.shape[1] != y.shape[0]:
        raise ValueError(f"x holds {x.shape[1]} sequences but y has {y.shape[0]} labels")
    optimizer = Adam(lr=lr)
    history = History()
    N = x.shape[1]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(N)
        losses = []
        for start in range(0, N, batch_size):
            batch = order[start : start + batch_size]
            loss, grads = loss_and_grads(model, params, x[:, batch], y[batch])
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"the loss is {loss} at epoch {epoch}, batch {start // batch_size + 1}: "
                    "lower the learning rate or the clipping norm"
                )
            clip_grad_norm(grads, max_norm)
            optimizer.step(params, grads)
            losses.append(loss)
        history.loss.append(float(np.mean(losses)))
        history.train_accuracy.append(float(np.mean(predict(model, params, x) == y)))
        if x_val is not None:
            history.val_accuracy.append(float(np.mean(predict(model, params, x_val) == y_val)))
    return history
