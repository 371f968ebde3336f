"""companion.scratch.classifier: gradients by finite differences, pooling, training and its failure message."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.classifier import SequenceClassifier, forward, loss_and_grads, predict, train
from companion.scratch.deep_rnn import deep_forward
from companion.scratch.gradcheck import numerical_gradient


@pytest.mark.parametrize(
    "num_layers, bidirectional, pooling, cell",
    [(1, False, "last", "lstm"), (2, True, "last", "lstm"), (2, True, "mean", "lstm"), (1, True, "last", "gru")],
)
def test_loss_and_grads_match_numerical_gradient(num_layers, bidirectional, pooling, cell):
    model = SequenceClassifier(3, 4, 5, num_layers, bidirectional, pooling, cell)
    rng = np.random.default_rng(0)
    params = model.init_params(rng)
    x = rng.standard_normal((6, 2, 3))
    y = np.array([4, 1])
    loss, grads = loss_and_grads(model, params, x, y)
    assert np.isfinite(loss) and grads.keys() == params.keys()
    for name, value in params.items():
        numerical = numerical_gradient(
            lambda v, name=name: loss_and_grads(model, {**params, name: v}, x, y)[0], value, eps=1e-5
        )
        error = np.linalg.norm(grads[name] - numerical) / max(np.linalg.norm(numerical), 1e-12)
        assert error < 1e-7, (name, error)


def test_last_pooling_reads_the_backward_direction_at_t0():
    model = SequenceClassifier(2, 3, 4, num_layers=1, bidirectional=True)
    rng = np.random.default_rng(1)
    params = model.init_params(rng)
    x = rng.standard_normal((5, 2, 2))
    logits, cache = forward(model, params, x)
    outputs = deep_forward(x, {k: v for k, v in params.items() if "out" not in k}, "lstm", 1, True)[0]
    np.testing.assert_array_equal(cache.features[:, :3], outputs[-1, :, :3])  # forward: after x[T-1]
    np.testing.assert_array_equal(cache.features[:, 3:], outputs[0, :, 3:])  # backward: after x[0]
    np.testing.assert_allclose(logits, cache.features @ params["W_out"].T + params["b_out"])


def toy_data(rng, N):
    """Sequences whose class is the sign of the sum of their first feature over time: memory needed."""
    x = rng.standard_normal((6, N, 2))
    return x, (x[:, :, 0].sum(axis=0) > 0).astype(np.int64)


def test_training_learns_a_task_that_needs_the_whole_sequence():
    rng = np.random.default_rng(2)
    x, y = toy_data(rng, 256)
    x_val, y_val = toy_data(rng, 128)
    model = SequenceClassifier(2, 8, 2)
    params = model.init_params(rng)
    history = train(model, params, x, y, epochs=30, batch_size=32, lr=0.02, rng=rng, x_val=x_val, y_val=y_val)
    assert len(history.loss) == len(history.val_accuracy) == 30
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert predict(model, params, x_val, batch_size=50).shape == (128,)


def test_training_stops_with_a_clear_message_on_nan():
    rng = np.random.default_rng(3)
    x, y = toy_data(rng, 16)
    model = SequenceClassifier(2, 3, 2)
    params = model.init_params(rng)
    params["W_out"][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="the loss is nan at epoch 1, batch 1: lower the learning rate"):
        train(model, params, x, y, epochs=1, batch_size=8, lr=0.01, rng=rng)


def test_float32_training_keeps_float32():
    rng = np.random.default_rng(4)
    x, y = toy_data(rng, 16)
    model = SequenceClassifier(2, 3, 2, bidirectional=True)
    params = model.init_params(rng, np.float32)
    train(model, params, x.astype(np.float32), y, epochs=1, batch_size=8, lr=0.01, rng=rng)
    assert all(p.dtype == np.float32 for p in params.values())


def test_bad_input_is_rejected_with_the_expected_shape():
    model = SequenceClassifier(2, 3, 4)
    params = model.init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x must be \(T, B, D\) = \(\*, \*, 2\); got \(5, 3\)"):
        loss_and_grads(model, params, np.zeros((5, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"y must be \(B,\) = \(3,\); got \(4,\)"):
        loss_and_grads(model, params, np.zeros((5, 3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match='pooling must be "last" or "mean"'):
        SequenceClassifier(2, 3, 4, pooling="max")
