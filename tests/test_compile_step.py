"""The chapter 22 loop over nn.LSTMCell equals nn.LSTM."""

from __future__ import annotations

import torch
from torch import nn

from companion.practice.compile_step import step_loop


def test_step_loop_over_a_cell_equals_the_fused_layer_with_the_same_weights():
    torch.manual_seed(0)
    layer, cell = nn.LSTM(3, 5), nn.LSTMCell(3, 5)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(layer, name + "_l0"))
        x = torch.randn(6, 2, 3)
        assert torch.allclose(step_loop(cell, x, 5), layer(x)[0], atol=1e-6)
