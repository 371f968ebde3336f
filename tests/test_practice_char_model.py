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
