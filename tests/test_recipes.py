"""companion.practice.recipes: initialisation, forget bias, the layer-normalised LSTM, the schedule, summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from companion.practice.recipes import (
    LayerNormLSTM,
    gradient_norms,
    init_recurrent_,
    mean_sd,
    set_forget_bias_,
    warmup_cosine,
)


@pytest.mark.parametrize("layer, gates", [(nn.RNN, 1), (nn.GRU, 3), (nn.LSTM, 4)])
def test_orthogonal_init_makes_every_gate_block_orthogonal(layer, gates):
    rnn = layer(3, 5, num_layers=2)
    init_recurrent_(rnn, "orthogonal", gain=1.0, generator=torch.Generator().manual_seed(0))
    for name in ("weight_hh_l0", "weight_hh_l1"):
        weight = getattr(rnn, name).detach().double()
        for g in range(gates):
            block = weight[g * 5:(g + 1) * 5]
            torch.testing.assert_close(block @ block.T, torch.eye(5, dtype=torch.float64), atol=1e-6, rtol=0)


def test_orthogonal_init_keeps_input_weights_and_scales_with_gain():
    rnn = nn.LSTM(3, 4)
    before = rnn.weight_ih_l0.detach().clone()
    init_recurrent_(rnn, "orthogonal", gain=0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(rnn.weight_ih_l0, before)
    singular = torch.linalg.svdvals(rnn.weight_hh_l0.detach()[:4].double())
    torch.testing.assert_close(singular, torch.full((4,), 0.5, dtype=torch.float64), atol=1e-6, rtol=0)


def test_gaussian_init_has_variance_one_over_H():
    rnn = nn.RNN(2, 200)
    init_recurrent_(rnn, "gaussian", generator=torch.Generator().manual_seed(0))
    assert abs(rnn.weight_hh_l0.detach().var().item() * 200 - 1.0) < 0.02


def test_init_is_reproducible_with_a_generator_and_rejects_bad_input():
    a, b = nn.GRU(2, 3), nn.GRU(2, 3)
    init_recurrent_(a, "orthogonal", generator=torch.Generator().manual_seed(5))
    init_recurrent_(b, "orthogonal", generator=torch.Generator().manual_seed(5))
    assert torch.equal(a.weight_hh_l0, b.weight_hh_l0)
    with pytest.raises(ValueError, match="scheme must be"):
        init_recurrent_(a, "identity")
    with pytest.raises(TypeError, match="nn.RNN, nn.GRU or nn.LSTM"):
        init_recurrent_(nn.Linear(2, 3), "orthogonal")


def test_forget_bias_sets_the_sum_of_both_biases_in_every_layer_and_direction():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    set_forget_bias_(lstm, 1.0)
    for layer in ("l0", "l0_reverse", "l1", "l1_reverse"):
        total = getattr(lstm, f"bias_ih_{layer}") + getattr(lstm, f"bias_hh_{layer}")
        torch.testing.assert_close(total[4:8], torch.ones(4))
    with pytest.raises(TypeError, match="needs an nn.LSTM"):
        set_forget_bias_(nn.GRU(2, 3), 1.0)
    with pytest.raises(ValueError, match="bias=False"):
        set_forget_bias_(nn.LSTM(2, 3, bias=False), 1.0)


def test_forget_bias_one_passes_more_gradient_to_the_first_step():
    torch.manual_seed(0)
    x = torch.randn(8, 40, 3)
    reach = {}
    for value in (0.0, 1.0):
        torch.manual_seed(1)
        lstm = set_forget_bias_(nn.LSTM(3, 16, batch_first=True), value)
        x_in = x.clone().requires_grad_()
        lstm(x_in)[0][:, -1].sum().backward()
        reach[value] = (x_in.grad[:, 0].norm() / x_in.grad[:, -1].norm()).item()
    assert reach[1.0] > 100 * reach[0.0]


def test_layer_norm_lstm_shapes_and_input_scale_invariance():
    torch.manual_seed(0)
    cell = LayerNormLSTM(3, 5)
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    cell = cell.double()
    outputs, (h, c) = cell(x)
    assert outputs.shape == (2, 7, 5) and h.shape == (2, 5) and c.shape == (2, 5)
    torch.testing.assert_close(outputs[:, -1], h)
    ten, _ = cell(10.0 * x)
    thousand, _ = cell(1000.0 * x)          # large scales, so that eps is negligible
    torch.testing.assert_close(thousand, ten, atol=1e-4, rtol=0)   # LN(W (s x)) = LN(W x), up to eps
    with pytest.raises(ValueError, match=r"x must be \(B, T, D\) = \(\*, \*, 3\)"):
        cell(torch.randn(7, 3, dtype=torch.float64))


def test_layer_norm_lstm_trains_end_to_end():
    torch.manual_seed(0)
    cell = LayerNormLSTM(2, 4)
    cell(torch.randn(3, 5, 2))[0].sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in cell.parameters())


def test_warmup_cosine_follows_its_formula_and_ends_at_the_floor():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = warmup_cosine(optimizer, warmup=2, total=6, floor=0.1)
    rates = []
    for _ in range(8):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    expected = [0.5, 1.0] + [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * k / 4)) for k in range(5)] + [0.1]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="warmup < total"):
        warmup_cosine(optimizer, warmup=6, total=6)
    with pytest.raises(ValueError, match="floor must be"):
        warmup_cosine(optimizer, warmup=1, total=6, floor=2.0)


def test_mean_sd_and_gradient_norms():
    assert mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert mean_sd([4.0]) == (4.0, 0.0)
    with pytest.raises(ValueError, match="at least one"):
        mean_sd([])
    model = nn.Linear(3, 2)
    assert gradient_norms(model) == {}
    model(torch.ones(1, 3)).sum().backward()
    norms = gradient_norms(model)
    assert set(norms) == {"weight", "bias"}
    assert norms["bias"] == pytest.approx(math.sqrt(2))
