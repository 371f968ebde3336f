"""Exercises of chapter 8, "LSTM and GRU from scratch".

Every case uses float64 inputs from a fixed-seed generator, with the sizes
T, B, D and H all different (and so 3H and 4H different from D), so that a
transposed weight or a sum over the wrong axis shows up as a wrong shape
rather than passing by coincidence. Both biases, the initial states and the
incoming cell gradient are non-zero, so forgetting one of them changes the
values. ``seed`` (0 for ``check``) picks the values, and the sizes of one
added case (``seeded_sizes``); ``with_twin`` adds a case with the sizes of another and other values.
Cases go from the smallest (B=1, T=1) to the largest, so the first failure
reported is the simplest one to reproduce.

No exercise here carries a ``FiniteDifference`` check. ``lstm_step_backward``
has two upstream gradients (``dh_t`` and ``dc_t``) and ``gru_step_backward``
two bias gradients that differ, which that check cannot express; and for the
LSTM's longer products, centred differences with the engine's step of 1e-6 are
noisier (about 1e-10 absolute) than the tolerance of the generic tests. Every
backward reference is checked against finite differences with a step of 1e-5
in tests/test_exercises_ch08.py instead, and a student's answer is compared
with the reference to 1e-6.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch08 as solutions

STEP_SIZES = [(1, 3, 4), (2, 5, 4), (3, 2, 5)]  # (B, D, H)
SEQUENCE_SIZES = [(1, 1, 3, 4), (3, 2, 5, 4), (4, 3, 2, 5)]  # (T, B, D, H)


def _weights(rng: np.random.Generator, G: int, D: int, H: int) -> dict[str, np.ndarray]:
    """Fused weights of a cell with G gates, scaled so that no gate saturates."""
    return {
        "W_ih": rng.uniform(-0.6, 0.6, size=(G * H, D)),
        "W_hh": rng.uniform(-0.6, 0.6, size=(G * H, H)),
        "b_ih": rng.uniform(-0.3, 0.3, size=G * H),
        "b_hh": rng.uniform(-0.3, 0.3, size=G * H),
    }


def _lstm_step_inputs(B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of lstm_step_forward: x_t (B, D), h_prev and c_prev (B, H), weights and biases."""
    rng = np.random.default_rng(seed)
    return {
        "x_t": rng.uniform(-1.0, 1.0, size=(B, D)),
        "h_prev": rng.uniform(-0.8, 0.8, size=(B, H)),
        "c_prev": rng.uniform(-1.5, 1.5, size=(B, H)),
        **_weights(rng, 4, D, H),
    }


def _lstm_sequence_inputs(T: int, B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of lstm_forward: x (T, B, D), h0 and c0 (B, H), weights and biases."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.uniform(-1.0, 1.0, size=(T, B, D)),
        "h0": rng.uniform(-0.8, 0.8, size=(B, H)),
        "c0": rng.uniform(-1.5, 1.5, size=(B, H)),
        **_weights(rng, 4, D, H),
    }


def _gru_step_inputs(B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of gru_step_forward: x_t (B, D), h_prev (B, H), weights and biases."""
    rng = np.random.default_rng(seed)
    return {
        "x_t": rng.uniform(-1.0, 1.0, size=(B, D)),
        "h_prev": rng.uniform(-0.8, 0.8, size=(B, H)),
        **_weights(rng, 3, D, H),
    }


def _step_dims(B: int, D: int, H: int) -> dict[str, int]:
    return {"B": B, "D": D, "H": H, "3H": 3 * H, "4H": 4 * H}


def lstm_step_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_step_forward, one per entry of STEP_SIZES."""
    return [
        Case(f"B={B}, D={D}, H={H}", _lstm_step_inputs(B, D, H, (seed, i)), _step_dims(B, D, H))
        for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed))
    ]


def lstm_step_stacked_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_step_stacked: the step's inputs and one stacked matrix (1 + D + H, 4H)."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "x_t": rng.uniform(-1.0, 1.0, size=(B, D)),
            "h_prev": rng.uniform(-0.8, 0.8, size=(B, H)),
            "c_prev": rng.uniform(-1.5, 1.5, size=(B, H)),
            "W": rng.uniform(-0.6, 0.6, size=(1 + D + H, 4 * H)),
        }
        cases.append(Case(f"B={B}, D={D}, H={H}", kwargs, _step_dims(B, D, H)))
    return cases


def lstm_step_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_step_backward: the step's inputs and the upstream dh_t and dc_t."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        forward = _lstm_step_inputs(B, D, H, (seed, i))
        rng = np.random.default_rng((seed, 100 + i))
        kwargs = {
            "dh_t": rng.uniform(-1.0, 1.0, size=(B, H)),
            "dc_t": rng.uniform(-1.0, 1.0, size=(B, H)),
            **forward,
        }
        cases.append(Case(f"B={B}, D={D}, H={H}", kwargs, _step_dims(B, D, H), forward))
    return cases


def lstm_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_forward, one per entry of SEQUENCE_SIZES."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(SEQUENCE_SIZES, seed)):
        inputs = _lstm_sequence_inputs(T, B, D, H, (seed, i))
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", inputs, {"T": T, **_step_dims(B, D, H)}))
    return cases


def lstm_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of lstm_backward: the sequence's inputs and an upstream dh for every hidden state."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(SEQUENCE_SIZES, seed)):
        forward = _lstm_sequence_inputs(T, B, D, H, (seed, i))
        dh = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(T, B, H))
        dims = {"T": T, **_step_dims(B, D, H)}
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", {"dh": dh, **forward}, dims, forward))
    return cases


def gru_step_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of gru_step_forward, one per entry of STEP_SIZES."""
    return [
        Case(f"B={B}, D={D}, H={H}", _gru_step_inputs(B, D, H, (seed, i)), _step_dims(B, D, H))
        for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed))
    ]


def gru_step_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of gru_step_backward: the step's inputs and an upstream dh_t."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        forward = _gru_step_inputs(B, D, H, (seed, i))
        dh_t = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(B, H))
        cases.append(Case(f"B={B}, D={D}, H={H}", {"dh_t": dh_t, **forward}, _step_dims(B, D, H), forward))
    return cases


def gru_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of gru_backward: the sequence's inputs and an upstream dh for every hidden state."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(SEQUENCE_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        forward = {"x": rng.uniform(-1.0, 1.0, size=(T, B, D)), "h0": rng.uniform(-0.8, 0.8, size=(B, H)),
                   **_weights(rng, 3, D, H)}
        dh = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(T, B, H))
        dims = {"T": T, **_step_dims(B, D, H)}
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", {"dh": dh, **forward}, dims, forward))
    return cases


LSTM_BLOCKS = (("dW_ih", "ifgo", 0), ("dW_hh", "ifgo", 0), ("db", "ifgo", 0))
GRU_BLOCKS = (("dW_ih", "rzn", 0), ("dW_hh", "rzn", 0), ("db_ih", "rzn", 0), ("db_hh", "rzn", 0))

EXERCISES: dict[str, Exercise] = {
    "ch08.lstm_step_forward": Exercise(
        id="ch08.lstm_step_forward",
        title="One LSTM step, forward, with fused gates",
        reference=solutions.lstm_step_forward,
        make_cases=with_twin(lstm_step_forward_cases),
        outputs=("h_t", "c_t"),
        shapes=(("B", "H"), ("B", "H")),
    ),
    "ch08.lstm_step_stacked": Exercise(
        id="ch08.lstm_step_stacked",
        title="One LSTM step from a stacked (1 + D + H, 4H) matrix, gates i, f, o, g",
        reference=solutions.lstm_step_stacked,
        make_cases=with_twin(lstm_step_stacked_cases),
        outputs=("h_t", "c_t"),
        shapes=(("B", "H"), ("B", "H")),
    ),
    "ch08.lstm_step_backward": Exercise(
        id="ch08.lstm_step_backward",
        title="One LSTM step, backward",
        reference=solutions.lstm_step_backward,
        make_cases=with_twin(lstm_step_backward_cases),
        outputs=("dx_t", "dh_prev", "dc_prev", "dW_ih", "dW_hh", "db"),
        shapes=(("B", "D"), ("B", "H"), ("B", "H"), ("4H", "D"), ("4H", "H"), ("4H",)),
        blocks=LSTM_BLOCKS,
    ),
    "ch08.lstm_forward": Exercise(
        id="ch08.lstm_forward",
        title="An LSTM over a whole sequence, forward",
        reference=solutions.lstm_forward,
        make_cases=with_twin(lstm_forward_cases),
        outputs=("h", "c_T"),
        shapes=(("T", "B", "H"), ("B", "H")),
    ),
    "ch08.lstm_backward": Exercise(
        id="ch08.lstm_backward",
        title="Backpropagation through time for the LSTM",
        reference=solutions.lstm_backward,
        make_cases=with_twin(lstm_backward_cases),
        outputs=("dx", "dh0", "dc0", "dW_ih", "dW_hh", "db"),
        shapes=(("T", "B", "D"), ("B", "H"), ("B", "H"), ("4H", "D"), ("4H", "H"), ("4H",)),
        blocks=LSTM_BLOCKS,
    ),
    "ch08.gru_step_forward": Exercise(
        id="ch08.gru_step_forward",
        title="One GRU step, forward, with PyTorch's reset placement",
        reference=solutions.gru_step_forward,
        make_cases=with_twin(gru_step_forward_cases),
        outputs=("h_t",),
        shapes=(("B", "H"),),
    ),
    "ch08.gru_step_backward": Exercise(
        id="ch08.gru_step_backward",
        title="One GRU step, backward",
        reference=solutions.gru_step_backward,
        make_cases=with_twin(gru_step_backward_cases),
        outputs=("dx_t", "dh_prev", "dW_ih", "dW_hh", "db_ih", "db_hh"),
        shapes=(("B", "D"), ("B", "H"), ("3H", "D"), ("3H", "H"), ("3H",), ("3H",)),
        blocks=GRU_BLOCKS,
    ),
    "ch08.gru_backward": Exercise(
        id="ch08.gru_backward",
        title="Backpropagation through time for the GRU",
        reference=solutions.gru_backward,
        make_cases=with_twin(gru_backward_cases),
        outputs=("dx", "dh0", "dW_ih", "dW_hh", "db_ih", "db_hh"),
        shapes=(("T", "B", "D"), ("B", "H"), ("3H", "D"), ("3H", "H"), ("3H",), ("3H",)),
        blocks=GRU_BLOCKS,
    ),
}
