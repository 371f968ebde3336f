"""Exercises of chapter 11, "PyTorch recurrent layers".

The exercises are NumPy functions of PyTorch's layouts (the chapter loads
their results into ``torch.nn`` modules). Continuous inputs are float64 from
``np.random.default_rng((seed, i))``. The first case of each exercise is the
smallest (B = 1, one layer) and has the same sizes for every seed; the sizes
of the later cases are drawn from the seed, so that answers cannot be
remembered per shape, and two of them always share their shapes with
different values. The named sizes of a case all differ, so that a transposed
or misplaced block fails on its shape.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch11 as solutions


def _distinct(rng: np.random.Generator, low: int, high: int, k: int) -> list[int]:
    """``k`` different integers in [low, high), in random order."""
    return [int(v) for v in rng.choice(np.arange(low, high), size=k, replace=False)]


# --- the parameter count of nn.LSTM ---------------------------------------------------


def parameter_count_cases(seed: int = 0) -> list[Case]:
    """Configurations covering one and several layers, both directions, with and without a projection."""
    rng = np.random.default_rng((seed, 11))
    configs = [(3, 5, 1, False, 0)]
    for layers, bidirectional, proj in [(2, False, 0), (1, True, 0), (1, False, 1), (3, True, 0), (2, True, 1), (3, False, 1)]:
        D, H = _distinct(rng, 2, 40, 2)
        P = int(rng.integers(1, H)) if proj and H > 1 else 0
        configs.append((D, H, layers, bidirectional, P))
    cases = []
    for D, H, layers, bidirectional, P in configs:
        kwargs = {"input_size": D, "hidden_size": H, "num_layers": layers, "bidirectional": bidirectional, "proj_size": P}
        name = f"input_size={D}, hidden_size={H}, num_layers={layers}, bidirectional={bidirectional}, proj_size={P}"
        cases.append(Case(name, kwargs, {}))
    return cases


# --- a fused layout to PyTorch's --------------------------------------------------------


def fused_cases(seed: int = 0) -> list[Case]:
    """A fused W (D + H, 4H) and b (4H,); the last two cases share their sizes."""
    rng = np.random.default_rng((seed, 12))
    D, H = _distinct(rng, 2, 7, 2)
    sizes = [(2, 1), (D, H), (D, H)]
    cases = []
    for i, (D, H) in enumerate(sizes):
        values = np.random.default_rng((seed, i))
        kwargs = {"W": values.uniform(-1.0, 1.0, size=(D + H, 4 * H)), "b": values.uniform(-1.0, 1.0, size=4 * H)}
        name = f"D={D}, H={H}" + (", other values" if i == 2 else "")
        cases.append(Case(name, kwargs, {"D": D, "H": H, "4H": 4 * H}))
    return cases


# --- the summary of a bidirectional stack ---------------------------------------------


def summary_cases(seed: int = 0) -> list[Case]:
    """h_n of bidirectional stacks: one layer and B = 1 first, then deeper stacks and bigger batches."""
    rng = np.random.default_rng((seed, 13))
    B1, B2 = _distinct(rng, 2, 6, 2)
    H = int(rng.integers(6, 9))
    sizes = [(1, 1, 3), (2, B1, H), (3, B2, H + 1), (3, B2, H + 1)]  # (num_layers, B, H)
    cases = []
    for i, (L, B, H) in enumerate(sizes):
        h_n = np.random.default_rng((seed, i)).uniform(-1.0, 1.0, size=(2 * L, B, H))
        name = f"num_layers={L}, B={B}, H={H}" + (", other values" if i == 3 else "")
        cases.append(Case(name, {"h_n": h_n, "num_layers": L}, {"B": B, "H": H, "2H": 2 * H}))
    return cases


# --- one LSTM step with a projection --------------------------------------------------


def proj_step_cases(seed: int = 0) -> list[Case]:
    """One step of an LSTM with proj_size P < H; all of B, D, P, H differ."""
    rng = np.random.default_rng((seed, 14))
    B, D, P = _distinct(rng, 2, 6, 3)
    sizes = [(1, 2, 3, 4), (B, D, P, 6), (B, D, P, 6)]  # (B, D, P, H)
    cases = []
    for i, (B, D, P, H) in enumerate(sizes):
        values = np.random.default_rng((seed, i))
        scale = 1.0 / np.sqrt(H)
        kwargs = {
            "x": values.uniform(-1.0, 1.0, size=(B, D)),
            "h": values.uniform(-0.8, 0.8, size=(B, P)),
            "c": values.uniform(-1.5, 1.5, size=(B, H)),
            "W_ih": values.uniform(-2 * scale, 2 * scale, size=(4 * H, D)),
            "W_hh": values.uniform(-2 * scale, 2 * scale, size=(4 * H, P)),
            "b_ih": values.uniform(-0.5, 0.5, size=4 * H),
            "b_hh": values.uniform(-0.5, 0.5, size=4 * H),
            "W_hr": values.uniform(-1.0, 1.0, size=(P, H)),
        }
        name = f"B={B}, D={D}, P={P}, H={H}" + (", other values" if i == 2 else "")
        cases.append(Case(name, kwargs, {"B": B, "D": D, "P": P, "H": H}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch11.lstm_parameter_count": Exercise(
        id="ch11.lstm_parameter_count",
        title="The parameter count of any nn.LSTM",
        reference=solutions.lstm_parameter_count,
        make_cases=parameter_count_cases,
        outputs=("count",),
        shapes=((),),
        kinds=("int",),
    ),
    "ch11.fused_to_torch_lstm": Exercise(
        id="ch11.fused_to_torch_lstm",
        title="A fused LSTM layout to PyTorch's",
        reference=solutions.fused_to_torch_lstm,
        make_cases=fused_cases,
        outputs=("W_ih", "W_hh", "bias"),
        shapes=(("4H", "D"), ("4H", "H"), ("4H",)),
    ),
    "ch11.bidirectional_summary": Exercise(
        id="ch11.bidirectional_summary",
        title="The top layer's final states of a bidirectional stack",
        reference=solutions.bidirectional_summary,
        make_cases=summary_cases,
        outputs=("summary",),
        shapes=(("B", "2H"),),
    ),
    "ch11.lstm_proj_step": Exercise(
        id="ch11.lstm_proj_step",
        title="One LSTM step with proj_size",
        reference=solutions.lstm_proj_step,
        make_cases=proj_step_cases,
        outputs=("h_next", "c_next"),
        shapes=(("B", "P"), ("B", "H")),
    ),
}
