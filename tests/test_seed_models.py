"""companion.practice.seed_models: the seeds' SimpleRNN runs as they show, and the careful model fixes its traps."""

from __future__ import annotations

import pytest
import torch

from companion.practice.padding import pad_batch
from companion.practice.seed_models import SeedSimpleRNN, SeedStackedRNN, SequenceClassifier, careful_init_


def test_seed_models_map_a_5_7_10_batch_to_5_2():
    torch.manual_seed(0)
    x = torch.randn(5, 7, 10)
    assert SeedSimpleRNN(10, 20, 2)(x).shape == (5, 2)
    assert SeedStackedRNN(10, 50, 2)(x).shape == (5, 2)
    assert SeedStackedRNN(10, 50, 2, num_layers=3)(x).shape == (5, 2)


def test_seed_model_reads_the_top_layers_last_state():
    torch.manual_seed(0)
    model = SeedStackedRNN(4, 6, 3, num_layers=2)
    x = torch.randn(2, 5, 4)
    _, h_n = model.rnn(x)
    torch.testing.assert_close(model(x), model.fc(h_n[-1]))


def test_seed_model_answer_depends_on_padding_and_the_careful_one_does_not():
    torch.manual_seed(0)
    xs = [torch.randn(n, 4) for n in (3, 8)]
    padded, lengths = pad_batch(xs)
    seed = SeedSimpleRNN(4, 6, 2)
    with torch.no_grad():
        assert not torch.allclose(seed(padded)[0], seed(xs[0][None])[0], atol=1e-3)
    for cell in ("rnn", "lstm", "gru"):
        for bidirectional in (False, True):
            model = SequenceClassifier(4, 6, 2, cell=cell, num_layers=2, bidirectional=bidirectional)
            with torch.no_grad():
                batch = model(padded, lengths)
                alone = torch.cat([model(x[None]) for x in xs])
            torch.testing.assert_close(batch, alone, rtol=0, atol=1e-6)


def test_careful_model_uses_both_directions_final_states():
    torch.manual_seed(0)
    model = SequenceClassifier(3, 4, 2, cell="gru", bidirectional=True)
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        out, _ = model.rnn(x)
        expected = model.fc(torch.cat([out[:, -1, :4], out[:, 0, 4:]], dim=1))
        torch.testing.assert_close(model(x), expected)


def test_careful_model_takes_initial_states_and_checks_shapes():
    torch.manual_seed(0)
    model = SequenceClassifier(3, 4, 2, cell="lstm", num_layers=2)
    x = torch.randn(2, 5, 3)
    h0 = torch.randn(2, 2, 4)
    with torch.no_grad():
        assert not torch.allclose(model(x, h0=h0), model(x))
    with pytest.raises(ValueError, match=r"h0 must be \(L\*dirs, B, H\) = \(2, 2, 4\); got \(1, 2, 4\)"):
        model(x, h0=torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"x must be \(B, T, D\) = \(\*, \*, 3\); got \(2, 5\)"):
        model(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="lengths must be"):
        model(x, lengths=torch.tensor([6, 1]))
    with pytest.raises(ValueError, match="c0 is for the LSTM only"):
        SequenceClassifier(3, 4, 2, cell="gru")(x, c0=torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="cell must be"):
        SequenceClassifier(3, 4, 2, cell="transformer")


def test_careful_init_gives_orthogonal_blocks_and_forget_bias_one():
    lstm = torch.nn.LSTM(3, 5)
    careful_init_(lstm)
    for block in lstm.weight_hh_l0.detach().chunk(4):
        torch.testing.assert_close(block @ block.T, torch.eye(5), rtol=0, atol=1e-5)
    assert lstm.bias_ih_l0.detach().chunk(4)[1].eq(1).all() and lstm.bias_hh_l0.detach().eq(0).all()
