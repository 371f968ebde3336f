"""Exercises of chapter 10, "Deep, bidirectional and many-to-one".

Every case uses float64 inputs from ``np.random.default_rng((seed, i))``,
with the named sizes (T, B, D, H, H1, H2, C) all different, so that a
transposed weight or a layer fed the wrong input shows up as a wrong shape
rather than passing by coincidence. Every sequence has T >= 2, so that
running a direction the wrong way round changes the values, and initial
states are non-zero where the function takes one. ``seed`` (0 for ``check``)
picks the values, and the sizes of one
added case (``seeded_sizes``); ``with_twin`` adds a case with the sizes of another and other values. Cases go from the smallest (B=1) to the
largest, so the first failure reported is the simplest one to reproduce.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, FiniteDifference, seeded_sizes, with_twin
from companion.solutions import ch10 as solutions


def _cell(rng: np.random.Generator, D: int, H: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W_ih (H, D), W_hh (H, H) and a bias (H,), scaled so that tanh is neither linear nor saturated."""
    return rng.uniform(-0.6, 0.6, size=(H, D)), rng.uniform(-0.6, 0.6, size=(H, H)), rng.uniform(-0.3, 0.3, size=H)


REVERSE_SIZES = [(2, 1, 3, 4), (3, 2, 5, 4), (4, 3, 2, 5)]  # (T, B, D, H)


def _reverse_inputs(T: int, B: int, D: int, H: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(T, B, D))
    h0 = rng.uniform(-0.8, 0.8, size=(B, H))
    W_ih, W_hh, b_ih = _cell(rng, D, H)
    return {"x": x, "h0": h0, "W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": rng.uniform(-0.3, 0.3, size=H)}


def reverse_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of reverse_rnn_forward, one per entry of REVERSE_SIZES."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(REVERSE_SIZES, seed)):
        inputs = _reverse_inputs(T, B, D, H, (seed, i))
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", inputs, {"T": T, "B": B, "D": D, "H": H}))
    return cases


def reverse_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of reverse_rnn_backward: the sequence, the states h, and an upstream gradient for each."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(REVERSE_SIZES, seed)):
        forward = _reverse_inputs(T, B, D, H, (seed, i))
        dh = np.random.default_rng((seed, 100 + i)).uniform(-1.0, 1.0, size=(T, B, H))
        kwargs = {
            "dh": dh,
            "x": forward["x"],
            "h0": forward["h0"],
            "h": solutions.reverse_rnn_forward(**forward),
            "W_ih": forward["W_ih"],
            "W_hh": forward["W_hh"],
        }
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", kwargs, {"T": T, "B": B, "D": D, "H": H}, forward))
    return cases


def bidirectional_cases(seed: int = 0) -> list[Case]:
    """Cases of bidirectional_forward: a sequence and the weights of both directions."""
    cases = []
    for i, (T, B, D, H) in enumerate(seeded_sizes(REVERSE_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        x = rng.uniform(-1.0, 1.0, size=(T, B, D))
        W_ih_f, W_hh_f, b_f = _cell(rng, D, H)
        W_ih_b, W_hh_b, b_b = _cell(rng, D, H)
        kwargs = {"x": x, "W_ih_f": W_ih_f, "W_hh_f": W_hh_f, "b_f": b_f, "W_ih_b": W_ih_b, "W_hh_b": W_hh_b, "b_b": b_b}
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}", kwargs, {"T": T, "B": B, "D": D, "H": H, "2H": 2 * H}))
    return cases


STACKED_SIZES = [(2, 1, 3, 4, 5), (3, 2, 5, 4, 6), (4, 3, 2, 6, 5)]  # (T, B, D, H1, H2)


def stacked_cases(seed: int = 0) -> list[Case]:
    """Cases of stacked_forward: a sequence and the weights of two layers of different sizes."""
    cases = []
    for i, (T, B, D, H1, H2) in enumerate(seeded_sizes(STACKED_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        x = rng.uniform(-1.0, 1.0, size=(T, B, D))
        W_ih_1, W_hh_1, b_1 = _cell(rng, D, H1)
        W_ih_2, W_hh_2, b_2 = _cell(rng, H1, H2)
        kwargs = {"x": x, "W_ih_1": W_ih_1, "W_hh_1": W_hh_1, "b_1": b_1, "W_ih_2": W_ih_2, "W_hh_2": W_hh_2, "b_2": b_2}
        dims = {"T": T, "B": B, "D": D, "H1": H1, "H2": H2}
        cases.append(Case(f"T={T}, B={B}, D={D}, H1={H1}, H2={H2}", kwargs, dims))
    return cases


LOGITS_SIZES = [(2, 1, 3, 4), (3, 2, 4, 5), (5, 3, 2, 6)]  # (T, B, H, C)


def logits_cases(seed: int = 0) -> list[Case]:
    """Cases of many_to_one_logits: bidirectional outputs (T, B, 2H) and a linear layer."""
    cases = []
    for i, (T, B, H, C) in enumerate(seeded_sizes(LOGITS_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "outputs": rng.uniform(-1.0, 1.0, size=(T, B, 2 * H)),
            "W_out": rng.uniform(-0.6, 0.6, size=(C, 2 * H)),
            "b_out": rng.uniform(-0.3, 0.3, size=C),
        }
        cases.append(Case(f"T={T}, B={B}, H={H}, C={C}", kwargs, {"T": T, "B": B, "H": H, "C": C}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch10.reverse_rnn_forward": Exercise(
        id="ch10.reverse_rnn_forward",
        title="The backward direction, forward pass",
        reference=solutions.reverse_rnn_forward,
        make_cases=with_twin(reverse_forward_cases),
        outputs=("h",),
        shapes=(("T", "B", "H"),),
    ),
    "ch10.reverse_rnn_backward": Exercise(
        id="ch10.reverse_rnn_backward",
        title="The backward direction, backpropagation through time",
        reference=solutions.reverse_rnn_backward,
        make_cases=with_twin(reverse_backward_cases),
        outputs=("dx", "dh0", "dW_ih", "dW_hh", "db"),
        shapes=(("T", "B", "D"), ("B", "H"), ("H", "D"), ("H", "H"), ("H",)),
        finite_difference=FiniteDifference(
            forward=solutions.reverse_rnn_forward,
            wrt={"dx": "x", "dh0": "h0", "dW_ih": "W_ih", "dW_hh": "W_hh", "db": "b_ih"},
            upstream="dh",
        ),
    ),
    "ch10.bidirectional_forward": Exercise(
        id="ch10.bidirectional_forward",
        title="A bidirectional layer",
        reference=solutions.bidirectional_forward,
        make_cases=with_twin(bidirectional_cases),
        outputs=("outputs",),
        shapes=(("T", "B", "2H"),),
    ),
    "ch10.stacked_forward": Exercise(
        id="ch10.stacked_forward",
        title="Two stacked layers",
        reference=solutions.stacked_forward,
        make_cases=with_twin(stacked_cases),
        outputs=("h2",),
        shapes=(("T", "B", "H2"),),
    ),
    "ch10.many_to_one_logits": Exercise(
        id="ch10.many_to_one_logits",
        title="Class scores from both directions' final states",
        reference=solutions.many_to_one_logits,
        make_cases=with_twin(logits_cases),
        outputs=("logits",),
        shapes=(("B", "C"),),
    ),
}
