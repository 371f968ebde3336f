"""Exercises of chapter 14, "Keras 3 on the PyTorch backend".

Weights are float64 NumPy arrays in PyTorch's layout, with biases drawn
well away from zero so a dropped bias shows; sizes are drawn from
``np.random.default_rng((seed, i))`` (``check`` uses seed 0) with H != D, so
a kernel left untransposed has the wrong shape rather than passing by
coincidence. Each exercise has a smallest case, two cases of the same shapes
with different values, and the edge cases of its rule.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch14 as solutions


def _sizes(seed: int) -> list[tuple[int, int]]:
    """(D, H) pairs: the smallest, two equal pairs, a larger one; H != D throughout."""
    rng = np.random.default_rng((seed, 0))
    D = int(rng.integers(2, 6))
    H = D + int(rng.integers(1, 4))
    big_D = int(rng.integers(4, 9))
    return [(1, 2), (D, H), (D, H), (big_D, big_D + int(rng.integers(1, 3)))]


def _torch_cell_cases(seed: int, gates: int) -> list[Case]:
    cases = []
    for i, (D, H) in enumerate(_sizes(seed)):
        rng = np.random.default_rng((seed, 1 + i))
        kwargs = {
            "weight_ih": rng.uniform(-1, 1, size=(gates * H, D)),
            "weight_hh": rng.uniform(-1, 1, size=(gates * H, H)),
            "bias_ih": rng.uniform(0.5, 1.5, size=gates * H) * rng.choice([-1, 1], size=gates * H),
            "bias_hh": rng.uniform(0.5, 1.5, size=gates * H) * rng.choice([-1, 1], size=gates * H),
        }
        dims = {"D": D, "H": H, f"{gates}H": gates * H, "2": 2}
        again = ", other values" if (D, H) in _sizes(seed)[:i] else ""
        cases.append(Case(f"D={D}, H={H}{again}", kwargs, dims))
    return cases


def lstm_cases(seed: int = 0) -> list[Case]:
    """A torch.nn.LSTM layer's four arrays."""
    return _torch_cell_cases(seed, 4)


def gru_cases(seed: int = 0) -> list[Case]:
    """A torch.nn.GRU layer's four arrays."""
    return _torch_cell_cases(seed, 3)


def count_cases(seed: int = 0) -> list[Case]:
    """Every kind, with and without Bidirectional, one to three layers; D != H and D != 2H."""
    rng = np.random.default_rng((seed, 0))
    cases = []
    for i, (kind, bidirectional, layers) in enumerate([
        ("rnn", False, 1), ("lstm", False, 1), ("gru", False, 1), ("lstm", True, 1),
        ("gru", True, 2), ("rnn", True, 2), ("lstm", False, 3), ("gru", False, 2),
    ]):
        D = int(rng.integers(1, 20))
        H = int(rng.integers(1, 40))
        while H in (D, D / 2):
            H += 1
        name = f"{kind}, D={D}, H={H}, bidirectional={bidirectional}, num_layers={layers}"
        cases.append(Case(name, {"kind": kind, "D": D, "H": H, "bidirectional": bidirectional, "num_layers": layers}, {}))
    return cases


def masked_cases(seed: int = 0) -> list[Case]:
    """Padded batches: padding at the end, at the start, in the middle, and a real step that shares
    some (not all) features with the mask value. The mask value changes between cases."""
    rng = np.random.default_rng((seed, 0))
    D = int(rng.integers(2, 5))
    H = D + int(rng.integers(1, 3))
    T = int(rng.integers(4, 7))
    B = int(rng.integers(3, 5))
    cases = []
    for i, (B_i, T_i, D_i, mask_value) in enumerate([(1, 1, D, 0.0), (B, T, D, 0.0), (B, T, D, -1.0),
                                                     (B + 1, T + 2, D + 1, 0.0)]):
        rng = np.random.default_rng((seed, 1 + i))
        H_i = H if D_i == D else D_i + 2
        x = rng.uniform(-1, 1, size=(B_i, T_i, D_i))
        if T_i > 1:
            lengths = rng.integers(1, T_i, size=B_i)
            lengths[0] = T_i  # one full sequence
            for b in range(1, B_i):
                x[b, lengths[b]:] = mask_value  # padding at the end
            x[-1, :, :] = x[-1, ::-1, :] if B_i > 2 else x[-1]  # the last one padded at the start instead
            x[0, T_i // 2, 0] = mask_value  # a real step with one feature equal to mask_value
            if B_i > 2:
                x[1, 1, :] = mask_value  # a masked step in the middle (Keras skips it too)
        kwargs = {
            "x": x,
            "kernel": rng.uniform(-0.8, 0.8, size=(D_i, H_i)),
            "recurrent_kernel": rng.uniform(-0.8, 0.8, size=(H_i, H_i)),
            "bias": rng.uniform(-0.5, 0.5, size=H_i),
            "mask_value": mask_value,
        }
        cases.append(Case(f"B={B_i}, T={T_i}, D={D_i}, H={H_i}, mask_value={mask_value:g}", kwargs,
                          {"B": B_i, "T": T_i, "D": D_i, "H": H_i}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch14.lstm_torch_to_keras": Exercise(
        id="ch14.lstm_torch_to_keras",
        title="An LSTM's weights from PyTorch to Keras",
        reference=solutions.lstm_torch_to_keras,
        make_cases=lstm_cases,
        outputs=("kernel", "recurrent_kernel", "bias"),
        shapes=(("D", "4H"), ("H", "4H"), ("4H",)),
    ),
    "ch14.gru_torch_to_keras": Exercise(
        id="ch14.gru_torch_to_keras",
        title="A GRU's weights from PyTorch to Keras",
        reference=solutions.gru_torch_to_keras,
        make_cases=gru_cases,
        outputs=("kernel", "recurrent_kernel", "bias"),
        shapes=(("D", "3H"), ("H", "3H"), ("2", "3H")),
    ),
    "ch14.keras_parameter_count": Exercise(
        id="ch14.keras_parameter_count",
        title="Counting a Keras model's weights",
        reference=solutions.keras_parameter_count,
        make_cases=count_cases,
        outputs=("count",),
        shapes=((),),
        kinds=("int",),
    ),
    "ch14.masked_rnn_last_state": Exercise(
        id="ch14.masked_rnn_last_state",
        title="What a masked SimpleRNN returns",
        reference=solutions.masked_rnn_last_state,
        make_cases=masked_cases,
        outputs=("h",),
        shapes=(("B", "H"),),
    ),
}
