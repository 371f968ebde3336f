"""Exercises of chapter 5, "Gated cells: LSTM and GRU".

Every case uses float64 inputs from a fixed-seed generator ``(seed, i)``, with
the sizes B, D and H all different, so that a transposed weight shows up as a
wrong shape. The weights are large enough that every gate sits well inside
(0, 1) and varies across units, so swapping two gates, using the wrong
nonlinearity or moving the GRU's reset gate changes the values far beyond the
tolerance. Both biases and the previous states are non-zero. ``seed`` (0 for
``check``) picks the values, and the sizes of one
added case (``seeded_sizes``); ``with_twin`` adds a case with the sizes of another and other values.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch05 as solutions

STEP_SIZES = [(1, 3, 4), (2, 5, 4), (3, 2, 5)]  # (B, D, H)
SIGMOID_SIZES = [(1, 4), (2, 5), (3, 6)]  # (B, H)
PATH_SIZES = [(1, 1, 4), (4, 2, 3), (6, 3, 5)]  # (T, B, H)


def _gated_inputs(B: int, D: int, H: int, gates: int, seed: tuple[int, int], with_cell: bool) -> dict[str, np.ndarray]:
    """x_t (B, D), h_prev (B, H), [c_prev (B, H)] and fused weights (gates*H, D), (gates*H, H), (gates*H,)."""
    rng = np.random.default_rng(seed)
    inputs = {"x_t": rng.uniform(-1.0, 1.0, size=(B, D)), "h_prev": rng.uniform(-0.9, 0.9, size=(B, H))}
    if with_cell:
        inputs["c_prev"] = rng.uniform(-2.0, 2.0, size=(B, H))
    inputs.update(
        W_ih=rng.uniform(-1.0, 1.0, size=(gates * H, D)),
        W_hh=rng.uniform(-1.0, 1.0, size=(gates * H, H)),
        b_ih=rng.uniform(-0.5, 0.5, size=gates * H),
        b_hh=rng.uniform(-0.5, 0.5, size=gates * H),
    )
    return inputs


def sigmoid_cases(seed: int = 0) -> list[Case]:
    """Cases of sigmoid: ordinary inputs, then inputs with entries of +-800 and +-40, then a wide sweep."""
    cases = []
    for i, (B, H) in enumerate(seeded_sizes(SIGMOID_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        x = rng.uniform(-4.0, 4.0, size=(B, H))
        if i == 1:
            x.flat[[0, 1, 2, 3]] = [800.0, -800.0, 40.0, -40.0]
            name = f"B={B}, H={H}, with entries +-800 and +-40"
        elif i == 2:
            x = np.linspace(-1000.0, 1000.0, B * H).reshape(B, H) + rng.uniform(-1.0, 1.0, size=(B, H))
            name = f"B={B}, H={H}, from -1000 to 1000"
        else:
            name = f"B={B}, H={H}, between -4 and 4"
        cases.append(Case(name, {"x": x}, {"B": B, "H": H}))
    return cases


def _step_cases(gates: int, with_cell: bool, seed: int) -> list[Case]:
    """Cases of a gated step with ``gates`` blocks of H rows, one per entry of STEP_SIZES."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        inputs = _gated_inputs(B, D, H, gates, (seed, i), with_cell=with_cell)
        cases.append(Case(f"B={B}, D={D}, H={H}", inputs, {"B": B, "D": D, "H": H}))
    return cases


def lstm_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_step: four gates and a cell state."""
    return _step_cases(4, with_cell=True, seed=seed)


def gru_cases(seed: int = 0) -> list[Case]:
    """Cases of gru_step and gru_step_cho: three gates, no cell state."""
    return _step_cases(3, with_cell=False, seed=seed)


def path_cases(seed: int = 0) -> list[Case]:
    """Cases of cell_gradient_path: forget gates in (0.05, 0.999), one case per entry of PATH_SIZES."""
    cases = []
    for i, (T, B, H) in enumerate(seeded_sizes(PATH_SIZES, seed)):
        f = np.random.default_rng((seed, i)).uniform(0.05, 0.999, size=(T, B, H))
        cases.append(Case(f"T={T}, B={B}, H={H}", {"f": f}, {"T+1": T + 1, "B": B, "H": H}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch05.sigmoid": Exercise(
        id="ch05.sigmoid",
        title="A sigmoid that never overflows",
        reference=solutions.sigmoid,
        make_cases=with_twin(sigmoid_cases),
        outputs=("s",),
        shapes=(("B", "H"),),
    ),
    "ch05.lstm_step": Exercise(
        id="ch05.lstm_step",
        title="One LSTM step (PyTorch layout, gates i, f, g, o)",
        reference=solutions.lstm_step,
        make_cases=with_twin(lstm_cases),
        outputs=("h_t", "c_t"),
        shapes=(("B", "H"), ("B", "H")),
    ),
    "ch05.gru_step": Exercise(
        id="ch05.gru_step",
        title="One GRU step (PyTorch's reset placement)",
        reference=solutions.gru_step,
        make_cases=with_twin(gru_cases),
        outputs=("h_t",),
        shapes=(("B", "H"),),
    ),
    "ch05.gru_step_cho": Exercise(
        id="ch05.gru_step_cho",
        title="One GRU step (Cho et al.'s reset placement)",
        reference=solutions.gru_step_cho,
        make_cases=with_twin(gru_cases),
        outputs=("h_t",),
        shapes=(("B", "H"),),
    ),
    "ch05.cell_gradient_path": Exercise(
        id="ch05.cell_gradient_path",
        title="The cell path: products of forget gates",
        reference=solutions.cell_gradient_path,
        make_cases=with_twin(path_cases),
        outputs=("g",),
        shapes=(("T+1", "B", "H"),),
    ),
}
