"""The character LSTM: exact gradients, the same numbers as PyTorch, a carried state, and a loop that trains."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from companion.scratch.char_model import CharLSTM, History, embedding_backward, embedding_forward, evaluate, train
from companion.scratch.gradcheck import gradcheck
from companion.scratch.lstm import lstm_forward
from companion.scratch.optim import SGD, Adam
from companion.practice.torch_bridge import weights_to_torch

V, E, H, T, B = 7, 3, 5, 4, 2


def small_model(dtype=np.float64, seed=0) -> CharLSTM:
    return CharLSTM.create(V, E, H, np.random.default_rng(seed), dtype=dtype)


def small_batch(seed=1):
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, V, size=(T, B))
    targets = rng.integers(0, V, size=(T, B))
    state = (rng.uniform(-0.5, 0.5, size=(B, H)), rng.uniform(-0.5, 0.5, size=(B, H)))
    return inputs, targets, state


def test_embedding_is_a_one_hot_product_and_its_gradient_a_scatter_add():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(V, E))
    ids = np.array([[1, 1], [3, 1], [0, 6]])  # id 1 three times
    one_hot = np.eye(V)[ids]  # (T, B, V)
    np.testing.assert_allclose(embedding_forward(ids, W), one_hot @ W)
    d_x = rng.normal(size=(3, 2, E))
    expected = one_hot.reshape(-1, V).T @ d_x.reshape(-1, E)
    np.testing.assert_allclose(embedding_backward(ids, d_x, V), expected, atol=1e-14)


def test_every_gradient_matches_finite_differences():
    model = small_model()
    inputs, targets, state = small_batch()
    _, grads, _ = model.loss_and_grads(inputs, targets, state)

    def loss(**params):
        return CharLSTM(params).loss(inputs, targets, state)[0]

    # A larger step than usual: the mean loss has gradient entries near 1e-6, where the
    # rounding error of a 1e-6 step (about 1e-10) would dominate the elementwise comparison.
    errors = gradcheck(loss, model.params, grads, eps=1e-4)
    assert max(errors.values()) < 1e-6, errors


def test_loss_grads_and_state_match_torch():
    model = small_model()
    inputs, targets, (h0, c0) = small_batch()
    loss, grads, (h_T, c_T) = model.loss_and_grads(inputs, targets, (h0, c0))

    p = model.params
    embedding = torch.nn.Embedding(V, E, dtype=torch.float64)
    lstm = torch.nn.LSTM(E, H, dtype=torch.float64)  # time-major, like the NumPy model
    head = torch.nn.Linear(H, V, dtype=torch.float64)
    with torch.no_grad():
        embedding.weight.copy_(torch.tensor(p["W_emb"]))
        head.weight.copy_(torch.tensor(p["W_hy"]))
        head.bias.copy_(torch.tensor(p["b_y"]))
    weights_to_torch(lstm, {name: p[name] for name in ("W_ih", "W_hh", "b_ih", "b_hh")})
    out, (h_n, c_n) = lstm(embedding(torch.tensor(inputs)), (torch.tensor(h0[None]), torch.tensor(c0[None])))
    torch_loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), torch.tensor(targets).reshape(-1))
    torch_loss.backward()

    torch_grads = {"W_emb": embedding.weight.grad, "W_ih": lstm.weight_ih_l0.grad, "W_hh": lstm.weight_hh_l0.grad,
                   "b_ih": lstm.bias_ih_l0.grad, "b_hh": lstm.bias_hh_l0.grad, "W_hy": head.weight.grad,
                   "b_y": head.bias.grad}
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    for name, g in torch_grads.items():
        np.testing.assert_allclose(grads[name], g.numpy(), rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(h_T, h_n[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c_T, c_n[0].detach().numpy(), atol=1e-12)


def test_two_chunks_with_carried_state_equal_one_long_chunk():
    model = small_model()
    rng = np.random.default_rng(2)
    inputs, targets = rng.integers(0, V, size=(2 * T, B)), rng.integers(0, V, size=(2 * T, B))
    whole, (h_whole, c_whole) = model.loss(inputs, targets)
    first, state = model.loss(inputs[:T], targets[:T])
    second, (h, c) = model.loss(inputs[T:], targets[T:], state)
    assert (first + second) / 2 == pytest.approx(whole, rel=1e-12)
    np.testing.assert_allclose(h, h_whole, atol=1e-14)
    np.testing.assert_allclose(c, c_whole, atol=1e-14)


def test_resetting_the_state_changes_the_second_chunk():
    model = small_model()
    rng = np.random.default_rng(2)
    inputs, targets = rng.integers(0, V, size=(2 * T, B)), rng.integers(0, V, size=(2 * T, B))
    _, state = model.loss(inputs[:T], targets[:T])
    carried, _ = model.loss(inputs[T:], targets[T:], state)
    reset, _ = model.loss(inputs[T:], targets[T:], None)
    assert abs(carried - reset) > 1e-6


def test_the_returned_state_is_a_copy_with_no_link_to_the_chunk():
    model = small_model()
    inputs, targets, state = small_batch()
    _, grads, (h, c) = model.loss_and_grads(inputs, targets, state)
    assert h.flags.owndata and c.flags.owndata
    # The incoming state is a constant: changing it after the call changes no gradient.
    _, grads_again, _ = model.loss_and_grads(inputs, targets, state)
    for name in grads:
        np.testing.assert_array_equal(grads[name], grads_again[name])


def test_float32_model_gives_float32_gradients_and_state():
    model = small_model(dtype=np.float32)
    inputs, targets, _ = small_batch()
    loss, grads, (h, c) = model.loss_and_grads(inputs, targets)
    assert math.isfinite(loss)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert h.dtype == c.dtype == np.float32


def test_inputs_are_validated_with_clear_messages():
    model = small_model()
    inputs, targets, _ = small_batch()
    with pytest.raises(ValueError, match=r"inputs must be integer ids of shape \(T, B\); got float64 \(4, 2\)"):
        model.loss(inputs.astype(float), targets)
    with pytest.raises(ValueError, match=r"targets must be integer ids of shape \(T, B\) = \(4, 2\)"):
        model.loss(inputs, targets[:, :1])
    with pytest.raises(ValueError, match=r"inputs must lie in \[0, V\) = \[0, 7\)"):
        model.loss(inputs + V, targets)
    with pytest.raises(ValueError, match=r"state must be \(h, c\), each \(B, H\) = \(2, 5\)"):
        model.loss(inputs, targets, (np.zeros((B, H + 1)), np.zeros((B, H))))
    with pytest.raises(ValueError, match=r"params\['W_hy'\] must be \(7, 5\) for V=7, E=3, H=5; got \(7, 6\)"):
        CharLSTM({**model.params, "W_hy": np.zeros((V, H + 1))})


def test_sampling_is_reproducible_and_low_temperature_is_greedy():
    model = small_model()
    prefix = np.array([1, 2, 3])
    first = model.sample(prefix, 12, 1.0, np.random.default_rng(5))
    second = model.sample(prefix, 12, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(first, second)
    assert first.shape == (12,) and first.dtype == np.int64 and first.min() >= 0 and first.max() < V

    # Greedy decoding by hand: rerun the whole sequence, take the most likely next id, append it.
    p = model.params
    ids = list(prefix)
    for _ in range(6):
        x = p["W_emb"][np.array(ids)[:, None]]  # (len, 1, E)
        outputs, _, _ = lstm_forward(x, None, None, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        ids.append(int(np.argmax(outputs[-1, 0] @ p["W_hy"].T + p["b_y"])))
    greedy = model.sample(prefix, 6, 1e-4, np.random.default_rng(0))
    np.testing.assert_array_equal(greedy, ids[len(prefix):])


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_sampling_rejects_a_temperature_that_is_not_positive(temperature):
    with pytest.raises(ValueError, match="temperature must be positive"):
        small_model().sample(np.array([1]), 3, temperature, np.random.default_rng(0))


def repeating_streams(batch_size=4, length=400):
    """A stream that repeats 'abcdef': a model that uses its input learns it almost perfectly."""
    ids = np.tile(np.arange(6), length * batch_size // 6 + 1)
    return ids[: batch_size * length].reshape(batch_size, length).T.copy()


def test_training_learns_a_repeating_pattern_and_evaluates_on_schedule():
    streams = repeating_streams()
    model = CharLSTM.create(6, 4, 16, np.random.default_rng(0), dtype=np.float64)
    history = train(model, Adam(0.02), streams, seq_len=10, steps=60, max_norm=1.0,
                    valid_streams=streams, eval_every=25)
    assert isinstance(history, History)
    assert len(history.train_bpc) == len(history.grad_norms) == 60
    assert history.eval_steps == [0, 25, 50, 60]
    assert history.valid_bpc[0] > 2.0  # about log2(6) = 2.58 before training
    assert history.valid_bpc[-1] < 0.2
    assert evaluate(model, streams) == pytest.approx(history.valid_bpc[-1])


def test_training_is_reproducible():
    streams = repeating_streams()
    runs = []
    for _ in range(2):
        model = CharLSTM.create(6, 4, 8, np.random.default_rng(3), dtype=np.float64)
        runs.append(train(model, SGD(0.5), streams, seq_len=10, steps=15).train_bpc)
    assert runs[0] == runs[1]


def test_training_runs_over_several_epochs_and_resets_the_state_each_time():
    streams = repeating_streams(batch_size=2, length=31)  # 3 chunks of 10 per epoch
    model = CharLSTM.create(6, 4, 8, np.random.default_rng(3), dtype=np.float64)
    starts = []
    original = model.loss_and_grads

    def spy(inputs, targets, state):
        starts.append(bool(np.all(state[0] == 0)))
        return original(inputs, targets, state)

    model.loss_and_grads = spy
    train(model, SGD(0.1), streams, seq_len=10, steps=7)
    assert starts == [True, False, False, True, False, False, True]


def test_nan_loss_stops_training_with_a_clear_message():
    streams = repeating_streams()
    model = CharLSTM.create(6, 4, 8, np.random.default_rng(3), dtype=np.float64)
    model.params["W_hy"][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="the training loss is nan at update 1: lower the learning rate"):
        train(model, SGD(0.1), streams, seq_len=10, steps=5)


def test_clipping_bounds_the_update_and_reports_the_norm_before_clipping():
    streams = repeating_streams()
    model = CharLSTM.create(6, 4, 8, np.random.default_rng(3), dtype=np.float64)
    before = {name: p.copy() for name, p in model.params.items()}
    history = train(model, SGD(1.0), streams, seq_len=10, steps=1, max_norm=1e-3)
    step = math.sqrt(sum(float(np.sum((model.params[n] - before[n]) ** 2)) for n in before))
    assert history.grad_norms[0] > 1e-3
    assert step == pytest.approx(1e-3, rel=1e-3)


def two_layer_model(seed=0) -> CharLSTM:
    return CharLSTM.create(V, E, H, np.random.default_rng(seed), dtype=np.float64, num_layers=2)


def test_two_layer_model_has_pytorch_shaped_layers_and_a_stacked_state():
    model = two_layer_model()
    assert model.num_layers == 2
    assert tuple(model.params) == ("W_emb", "W_ih", "W_hh", "b_ih", "b_hh",
                                   "W_ih_l1", "W_hh_l1", "b_ih_l1", "b_hh_l1", "W_hy", "b_y")
    assert model.params["W_ih_l1"].shape == (4 * H, H)  # layer 1 reads layer 0's states
    h, c = model.initial_state(B)
    assert h.shape == c.shape == (2, B, H)
    torch_count = sum(p.numel() for p in torch.nn.LSTM(E, H, num_layers=2).parameters()) + V * E + V * H + V
    assert model.num_parameters() == torch_count


def test_two_layer_loss_grads_and_state_match_a_two_layer_torch_lstm():
    model = two_layer_model()
    inputs, targets, _ = small_batch()
    rng = np.random.default_rng(5)
    h0, c0 = rng.uniform(-0.5, 0.5, size=(2, 2, B, H))
    loss, grads, (h_T, c_T) = model.loss_and_grads(inputs, targets, (h0, c0))

    p = model.params
    embedding = torch.nn.Embedding(V, E, dtype=torch.float64)
    lstm = torch.nn.LSTM(E, H, num_layers=2, dtype=torch.float64)
    head = torch.nn.Linear(H, V, dtype=torch.float64)
    torch_names = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}
    with torch.no_grad():
        embedding.weight.copy_(torch.tensor(p["W_emb"]))
        head.weight.copy_(torch.tensor(p["W_hy"]))
        head.bias.copy_(torch.tensor(p["b_y"]))
        for layer, suffix in ((0, ""), (1, "_l1")):
            for kind, torch_kind in torch_names.items():
                getattr(lstm, f"{torch_kind}_l{layer}").copy_(torch.tensor(p[kind + suffix]))
    out, (h_n, c_n) = lstm(embedding(torch.tensor(inputs)), (torch.tensor(h0), torch.tensor(c0)))
    torch_loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), torch.tensor(targets).reshape(-1))
    torch_loss.backward()

    torch_grads = {"W_emb": embedding.weight.grad, "W_hy": head.weight.grad, "b_y": head.bias.grad}
    for layer, suffix in ((0, ""), (1, "_l1")):
        for kind, torch_kind in torch_names.items():
            torch_grads[kind + suffix] = getattr(lstm, f"{torch_kind}_l{layer}").grad
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    assert set(grads) == set(torch_grads)
    for name, g in torch_grads.items():
        np.testing.assert_allclose(grads[name], g.numpy(), rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(h_T, h_n.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c_T, c_n.detach().numpy(), atol=1e-12)


def test_two_layer_model_rejects_a_one_layer_state_and_samples_reproducibly():
    model = two_layer_model()
    inputs, targets, (h0, c0) = small_batch()  # (B, H) states: one layer's
    with pytest.raises(ValueError, match=r"\(L, B, H\) = \(2, 2, 5\)"):
        model.loss(inputs, targets, (h0, c0))
    first = model.sample(np.array([1, 2]), 6, 1.0, np.random.default_rng(3))
    again = model.sample(np.array([1, 2]), 6, 1.0, np.random.default_rng(3))
    np.testing.assert_array_equal(first, again)
    greedy = model.sample(np.array([1, 2]), 4, 1e-6, np.random.default_rng(0))
    # greedy by hand: the stack read step by step from zeros, argmax of the head each time
    state, current, expected = model.initial_state(1), 2, []
    _, state = model.loss(np.array([[1]]), np.array([[0]]), state)
    for _ in range(4):
        logits, _, _, state = model._forward(np.array([[current]]), state)
        current = int(np.argmax(logits[0]))
        expected.append(current)
    np.testing.assert_array_equal(greedy, expected)


def test_create_rejects_zero_layers():
    with pytest.raises(ValueError, match="num_layers must be at least 1"):
        CharLSTM.create(V, E, H, np.random.default_rng(0), num_layers=0)
