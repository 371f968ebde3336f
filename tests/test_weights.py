"""companion.scratch.weights: PyTorch's shapes, range and dtype."""

from __future__ import annotations

import numpy as np
import pytest

from companion.scratch.weights import init_weights


def test_init_weights_has_torch_shapes_range_and_dtype():
    rng = np.random.default_rng(0)
    for cell, G in [("rnn", 1), ("lstm", 4), ("gru", 3)]:
        w = init_weights(cell, 3, 16, rng, dtype=np.float32)
        assert {k: v.shape for k, v in w.items()} == {
            "W_ih": (G * 16, 3), "W_hh": (G * 16, 16), "b_ih": (G * 16,), "b_hh": (G * 16,)}
        assert all(v.dtype == np.float32 and np.abs(v).max() <= 0.25 for v in w.values())
    with pytest.raises(ValueError, match='cell must be "rnn", "lstm" or "gru"'):
        init_weights("transformer", 3, 4, rng)
    with pytest.raises(ValueError, match="dtype must be float32 or float64; got int64"):
        init_weights("rnn", 3, 4, rng, dtype=np.int64)
