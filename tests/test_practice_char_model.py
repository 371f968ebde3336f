"""The PyTorch character model computes what chapter 9's NumPy CharLSTM computes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from companion.practice.char_model import TorchCharLSTM, TruncatedBPTT, bits_per_character
from companion.scratch.char_model import CharLSTM, evaluate

V, E, H = 11, 4, 6


@pytest.fixture
def models():
    numpy_model = CharLSTM.create(V, E, H, np.random.default_rng(0))
    return numpy_model, TorchCharLSTM.from_numpy(numpy_model.params)


def test_same_weights_give_the_same_loss_and_state(models):
    numpy_model, torch_model = models
    ids = np.random.default_rng(1).integers(0, V, size=(6, 3))
    targets = np.random.default_rng(2).integers(0, V, size=(6, 3))
    numpy_loss, (h, c) = numpy_model.loss(ids, targets)
    logits, (h_t, c_t) = torch_model(torch.from_numpy(ids).long())
    torch_loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(targets).reshape(-1))
    assert torch_loss.item() == pytest.approx(numpy_loss, rel=1e-5)
    np.testing.assert_allclose(h_t[0].detach().numpy(), h, atol=1e-6)
    np.testing.assert_allclose(c_t[0].detach().numpy(), c, atol=1e-6)


def test_bits_per_character_matches_the_numpy_evaluation(models):
    numpy_model, torch_model = models
    streams = np.random.default_rng(3).integers(0, V, size=(40, 4))
    assert bits_per_character(torch_model, streams, seq_len=7) == pytest.approx(
        evaluate(numpy_model, streams, seq_len=7), rel=1e-5)


def test_truncated_bptt_carries_the_state_and_resets_it_each_epoch(models):
    _, torch_model = models
    streams = np.random.default_rng(4).integers(0, V, size=(13, 2))
    data = TruncatedBPTT(streams, seq_len=4)
    assert len(data) == 3 == len(list(data))
    chunks = iter(data)
    data.loss(torch_model, next(chunks))
    carried = data.state
    assert carried is not None and not carried[0].requires_grad
    second = next(chunks)
    with_state = data.loss(torch_model, second).item()
    data.state = None
    assert data.loss(torch_model, second).item() != pytest.approx(with_state)
    iter(data).__next__()  # a new epoch
    assert data.state is None


def test_inputs_must_be_int64_ids(models):
    with pytest.raises(ValueError, match=r"inputs must be int64 ids of shape \(T, B\)"):
        models[1](torch.zeros(3, dtype=torch.long))
    assert math.isfinite(models[1](torch.zeros(2, 1, dtype=torch.long))[0].sum().item())


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_char_rnn_trains_by_truncated_bptt_with_any_layer(cell):
    from companion.practice.char_model import CharRNN

    torch.manual_seed(0)
    model = CharRNN(V, E, H, cell)
    streams = np.tile(np.arange(V), 8).reshape(-1, 2) % V  # a periodic text: easy to learn
    data = TruncatedBPTT(streams, seq_len=5)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    before = bits_per_character(model, streams)
    for _ in range(15):
        for batch in data:
            loss = data.loss(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert bits_per_character(model, streams) < before - 1.0
    state = data.state
    assert all(not part.requires_grad for part in (state if isinstance(state, tuple) else (state,)))


def test_matching_hidden_size_brings_the_counts_together():
    from companion.practice.char_model import CharRNN, matching_hidden_size, num_parameters

    target = num_parameters(CharRNN(50, 16, 64, "lstm"))
    for cell in ("rnn", "gru"):
        hidden = matching_hidden_size(cell, target, 50, 16)
        assert abs(num_parameters(CharRNN(50, 16, hidden, cell)) - target) < 0.02 * target
    assert matching_hidden_size("lstm", target, 50, 16) == 64
    with pytest.raises(ValueError, match="cell must be one of rnn, gru, lstm"):
        CharRNN(5, 2, 3, "transformer")


def test_sampling_is_repeatable_and_checks_its_arguments():
    from companion.practice.char_model import CharRNN, sample

    torch.manual_seed(0)
    model = CharRNN(V, E, H, "gru")
    prefix = np.zeros((3, 4), dtype=np.int64)
    first = sample(model, prefix, 20, 1.0, torch.Generator().manual_seed(1))
    again = sample(model, prefix, 20, 1.0, torch.Generator().manual_seed(1))
    assert first.shape == (20, 4) and first.dtype == np.int64 and (first == again).all()
    assert ((first >= 0) & (first < V)).all()
    with pytest.raises(ValueError, match="temperature must be positive"):
        sample(model, prefix, 5, 0.0, torch.Generator())
    with pytest.raises(ValueError, match=r"prefix must be integer ids of shape \(P, B\)"):
        sample(model, np.zeros(3, dtype=np.int64), 5, 1.0, torch.Generator())
