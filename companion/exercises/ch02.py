"""Exercises of chapter 2, "The recurrent cell".

Every case uses float64 inputs from a generator seeded with ``(seed, i)``, with
the named sizes (T, B, D, H, K) all different, so that a transposed weight or a
sum over the wrong axis shows up as a wrong shape. The StatLand cases draw
prices from {0, 0.5, 1} and non-zero weights and biases, so that a forgotten
term changes the values; scalar parameters are 0-d float64 values. Cases go
from the smallest (B=1) to the largest.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch02 as solutions

UNROLL_SIZES = [(1, 1, 3, 4, 2), (3, 2, 4, 5, 6), (5, 3, 2, 4, 6)]  # (T, B, D, H, K)
STATLAND_SIZES = [(2, 1), (2, 3), (5, 4), (1, 3)]  # (T, B)
RESIDUAL_SIZES = [1, 3, 6]  # B
JACOBIAN_SIZES = [(1, 2), (3, 4), (5, 3)]  # (B, H)
STATLAND_WEIGHTS = ("w_x", "w_h", "b_h", "w_y", "b_y")


def unroll_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_unroll: x (T, B, D), a non-zero h0 and all weights."""
    cases = []
    for i, (T, B, D, H, K) in enumerate(seeded_sizes(UNROLL_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "x": rng.uniform(-1.0, 1.0, size=(T, B, D)),
            "h0": rng.uniform(-0.8, 0.8, size=(B, H)),
            "W_ih": rng.uniform(-0.6, 0.6, size=(H, D)),
            "W_hh": rng.uniform(-0.6, 0.6, size=(H, H)),
            "b_ih": rng.uniform(-0.3, 0.3, size=H),
            "b_hh": rng.uniform(-0.3, 0.3, size=H),
            "W_hy": rng.uniform(-0.6, 0.6, size=(K, H)),
            "b_y": rng.uniform(-0.3, 0.3, size=K),
        }
        dims = {"T": T, "B": B, "D": D, "H": H, "K": K}
        cases.append(Case(f"T={T}, B={B}, D={D}, H={H}, K={K}", kwargs, dims))
    return cases


def _statland_inputs(T: int, B: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Prices x (T, B) from {0, 0.5, 1} and five scalar weights, none of them near zero."""
    x = rng.choice([0.0, 0.5, 1.0], size=(T, B))
    signs = rng.choice([-1.0, 1.0], size=len(STATLAND_WEIGHTS))
    sizes = rng.uniform(0.3, 1.2, size=len(STATLAND_WEIGHTS))
    return {"x": x, **{name: np.float64(s * m) for name, s, m in zip(STATLAND_WEIGHTS, signs, sizes)}}


def statland_forward_cases(seed: int = 0) -> list[Case]:
    """Cases of statland_forward: T days of B price histories and the five weights."""
    cases = []
    for i, (T, B) in enumerate(seeded_sizes(STATLAND_SIZES, seed)):
        inputs = _statland_inputs(T, B, np.random.default_rng((seed, i)))
        cases.append(Case(f"T={T}, B={B}", inputs, {"T": T, "B": B}))
    return cases


def statland_backward_cases(seed: int = 0) -> list[Case]:
    """Cases of statland_backward: an upstream gradient dy_hat (B,) and the forward's inputs."""
    cases = []
    for i, (T, B) in enumerate(seeded_sizes(STATLAND_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        inputs = _statland_inputs(T, B, rng)
        kwargs = {"dy_hat": rng.uniform(-1.0, 1.0, size=B), **inputs}
        cases.append(Case(f"T={T}, B={B}", kwargs, {"T": T, "B": B}))
    return cases


def residual_cases(seed: int = 0) -> list[Case]:
    """Cases of sum_squared_residuals: predictions and targets (B,)."""
    cases = []
    for i, B in enumerate(seeded_sizes(RESIDUAL_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {"y_hat": rng.uniform(-1.0, 2.0, size=B), "y": rng.choice([0.0, 0.5, 1.0], size=B)}
        cases.append(Case(f"B={B}", kwargs, {"B": B}))
    return cases


def jacobian_cases(seed: int = 0) -> list[Case]:
    """Cases of fixed_point_jacobian: points h (B, H), a non-symmetric W (H, H) and b (H,)."""
    cases = []
    for i, (B, H) in enumerate(seeded_sizes(JACOBIAN_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "h": rng.uniform(-1.0, 1.0, size=(B, H)),
            "W": rng.uniform(-1.5, 1.5, size=(H, H)),
            "b": rng.uniform(-0.5, 0.5, size=H),
        }
        cases.append(Case(f"B={B}, H={H}", kwargs, {"B": B, "H": H}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch02.rnn_unroll": Exercise(
        id="ch02.rnn_unroll",
        title="Unrolling an RNN with a readout",
        reference=solutions.rnn_unroll,
        make_cases=with_twin(unroll_cases),
        outputs=("h", "y"),
        shapes=(("T", "B", "H"), ("T", "B", "K")),
    ),
    "ch02.statland_forward": Exercise(
        id="ch02.statland_forward",
        title="StatLand, forward",
        reference=solutions.statland_forward,
        make_cases=with_twin(statland_forward_cases),
        outputs=("y_hat",),
        shapes=(("B",),),
    ),
    "ch02.sum_squared_residuals": Exercise(
        id="ch02.sum_squared_residuals",
        title="The sum of squared residuals and its gradient",
        reference=solutions.sum_squared_residuals,
        make_cases=with_twin(residual_cases),
        outputs=("ssr", "dy_hat"),
        shapes=((), ("B",)),
    ),
    "ch02.statland_backward": Exercise(
        id="ch02.statland_backward",
        title="StatLand, backward",
        reference=solutions.statland_backward,
        make_cases=with_twin(statland_backward_cases),
        outputs=("dw_x", "dw_h", "db_h", "dw_y", "db_y"),
        shapes=((), (), (), (), ()),
    ),
    "ch02.fixed_point_jacobian": Exercise(
        id="ch02.fixed_point_jacobian",
        title="The Jacobian of a recurrent map",
        reference=solutions.fixed_point_jacobian,
        make_cases=with_twin(jacobian_cases),
        outputs=("J",),
        shapes=(("B", "H", "H"),),
    ),
}
