"""Exercises of chapter 7, "A vanilla RNN, forward and backward".

Every case uses float64 inputs from a fixed-seed generator, with the sizes
D, H and B all different, so that a transposed weight or a sum over the wrong
axis shows up as a wrong shape rather than passing by coincidence. Both biases
and the initial state h0 are non-zero, so forgetting one of them changes the
values. ``seed`` (0 for ``check``) picks the values, and the sizes of one
added case (``seeded_sizes``); ``with_twin`` adds a case with the sizes of another and other values.
Cases go from the smallest (B=1, T=1) to the largest, so the first
failure reported is the simplest one to reproduce.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, FiniteDifference, seeded_sizes, with_twin
from companion.solutions import ch07 as solutions


def _rnn_inputs(x_name: str, x_shape: tuple[int, ...], state_name: str, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of an RNN step or sequence, scaled so that tanh is neither linear nor saturated."""
    rng = np.random.default_rng(seed)
    B, D = x_shape[-2:]
    return {
        x_name: rng.uniform(-1.0, 1.0, size=x_shape),
        state_name: rng.uniform(-0.8, 0.8, size=(B, H)),
        "W_ih": rng.uniform(-0.6, 0.6, size=(H, D)),
        "W_hh": rng.uniform(-0.6, 0.6, size=(H, H)),
        "b_ih": rng.uniform(-0.3, 0.3, size=H),
        "b_hh": rng.uniform(-0.3, 0.3, size=H),
    }


def _step_inputs(B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of rnn_step_forward: x_t (B, D), h_prev (B, H), weights and biases."""
    return _rnn_inputs("x_t", (B, D), "h_prev", H, seed)


def _sequence_inputs(T: int, B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """Inputs of rnn_forward: x (T, B, D), h0 (B, H), weights and biases."""
    return _rnn_inputs("x", (T, B, D), "h0", H, seed)


STEP_SIZES = [(1, 3, 4), (2, 5, 4), (3, 2, 5)]  # (B, D, H)
SEQUENCE_SIZES = [(1, 1, 3, 4), (3, 2, 5, 4), (4, 3, 2, 5)]  # (T, B, D, H)


def step_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_step_forward, one per entry of STEP_SIZES."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        inputs = _step_inputs(B, D, H, (seed, i))
        cases.append(Case(f"B={B}, D={D}, H={H}", inputs, {"B": B, "D": D, "H": H}))
    return cases


def step_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_step_backward: the step's inputs, its output h_t, and an upstream dh_t."""
    cases = []
    for i, (B, D, H) in enumerate(seeded_sizes(STEP_SIZES, seed)):
        forward = _step_inputs(B, D, H, (seed, i))
        dh_t = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(B, H))
        kwargs = {
            "dh_t": dh_t,
            "x_t": forward["x_t"],
            "h_prev": forward["h_prev"],
            "h_t": solutions.rnn_step_forward(**forward),
            "W_ih": forward["W_ih"],
            "W_hh": forward["W_hh"],
        }
        cases.append(Case(f"B={B}, D={D}, H={H}", kwargs, {"B": B, "D": D, "H": H}, forward))
    return cases


def forward_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_forward, one per entry of SEQUENCE_SIZES."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(SEQUENCE_SIZES, seed)):
        inputs = _sequence_inputs(T, B, D, H, (seed, i))
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", inputs, {"T": T, "B": B, "D": D, "H": H}))
    return cases


def backward_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_backward: the sequence, all hidden states h, and an upstream dh for each."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(SEQUENCE_SIZES, seed)):
        forward = _sequence_inputs(T, B, D, H, (seed, i))
        dh = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(T, B, H))
        kwargs = {
            "dh": dh,
            "x": forward["x"],
            "h0": forward["h0"],
            "h": solutions.rnn_forward(**forward),
            "W_ih": forward["W_ih"],
            "W_hh": forward["W_hh"],
        }
        dims = {"T": T, "B": B, "D": D, "H": H}
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", kwargs, dims, forward))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch07.rnn_step_forward": Exercise(
        id="ch07.rnn_step_forward",
        title="One RNN step, forward",
        reference=solutions.rnn_step_forward,
        make_cases=with_twin(step_forward_cases),
        outputs=("h_t",),
        shapes=(("B", "H"),),
    ),
    "ch07.rnn_step_backward": Exercise(
        id="ch07.rnn_step_backward",
        title="One RNN step, backward",
        reference=solutions.rnn_step_backward,
        make_cases=with_twin(step_backward_cases),
        outputs=("dx_t", "dh_prev", "dW_ih", "dW_hh", "db"),
        shapes=(("B", "D"), ("B", "H"), ("H", "D"), ("H", "H"), ("H",)),
        finite_difference=FiniteDifference(
            forward=solutions.rnn_step_forward,
            wrt={"dx_t": "x_t", "dh_prev": "h_prev", "dW_ih": "W_ih", "dW_hh": "W_hh", "db": "b_ih"},
            upstream="dh_t",
        ),
    ),
    "ch07.rnn_forward": Exercise(
        id="ch07.rnn_forward",
        title="A whole sequence, forward",
        reference=solutions.rnn_forward,
        make_cases=with_twin(forward_cases),
        outputs=("h",),
        shapes=(("T", "B", "H"),),
    ),
    "ch07.rnn_backward": Exercise(
        id="ch07.rnn_backward",
        title="Backpropagation through time",
        reference=solutions.rnn_backward,
        make_cases=with_twin(backward_cases),
        outputs=("dx", "dh0", "dW_ih", "dW_hh", "db"),
        shapes=(("T", "B", "D"), ("B", "H"), ("H", "D"), ("H", "H"), ("H",)),
        finite_difference=FiniteDifference(
            forward=solutions.rnn_forward,
            wrt={"dx": "x", "dh0": "h0", "dW_ih": "W_ih", "dW_hh": "W_hh", "db": "b_ih"},
            upstream="dh",
        ),
    ),
}
