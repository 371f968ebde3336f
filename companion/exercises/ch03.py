"""Exercises of chapter 3, "Learning: losses and backpropagation through time".

Every case uses float64 inputs from ``np.random.default_rng((seed, i))``; the
named dimensions of a case all differ in size, so that a sum over the wrong
axis shows up as a wrong shape. Scalars (learning rates, ``eps``, the step
count ``t``) are float64 numbers. ``seed`` (0 for ``check``) picks the values,
never the sizes. Cases go from the smallest (B=1) to the largest, so the first
failure reported is the simplest one to reproduce.

The optimiser exercises update arrays of shape (B, P): the rules are
elementwise, so that is simply B parameter vectors of size P updated side by
side. Their first case is the first step (t = 1, zero state), where bias
correction matters most; the later ones start from a non-zero state.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise
from companion.solutions import ch03 as solutions

# --- scalar BPTT ------------------------------------------------------------------------

SCALAR_SIZES = [(1, 1), (3, 2), (6, 4)]  # (T, B)


def scalar_bptt_cases(seed: int = 0) -> list[Case]:
    """A batch of scalar sequences with non-zero h0, and weights where tanh is neither linear nor flat."""
    cases = []
    for i, (T, B) in enumerate(SCALAR_SIZES):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "x": rng.uniform(-1.0, 1.0, size=(T, B)),
            "y": rng.uniform(-0.8, 0.8, size=(T, B)),
            "h0": rng.uniform(-0.6, 0.6, size=B),
            "w": np.float64(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.2)),
            "u": np.float64(rng.uniform(-1.0, 1.0)),
            "b": np.float64(rng.uniform(-0.3, 0.3)),
        }
        cases.append(Case(f"T={T}, B={B}", kwargs, {"T": T, "B": B}))
    return cases


# --- masked cross-entropy ---------------------------------------------------------------

CE_SIZES = [(3, 1, 4, 1.0), (4, 3, 5, 1.0), (5, 2, 6, 2.0), (2, 3, 4, 500.0)]  # (T, B, V, logit scale)


def cross_entropy_cases(seed: int = 0) -> list[Case]:
    """Padded batches (only the first of several sequences fills all T steps); the last case has huge logits."""
    cases = []
    for i, (T, B, V, scale) in enumerate(CE_SIZES):
        rng = np.random.default_rng((seed, i))
        lengths = rng.integers(1, T, size=B)  # shorter than T: padded at the end
        if B > 1:
            lengths[0] = T  # the longest sequence sets T
        mask = (np.arange(T)[:, None] < lengths[None, :]).astype(np.float64)
        kwargs = {
            "logits": scale * rng.normal(size=(T, B, V)),
            "targets": np.eye(V)[rng.integers(0, V, size=(T, B))],
            "mask": mask,
        }
        name = f"T={T}, B={B}, V={V}" + (f", logits of size ~{scale:g}" if scale > 10 else "")
        cases.append(Case(name, kwargs, {"T": T, "B": B, "V": V}))
    return cases


# --- numerical gradient -----------------------------------------------------------------

NUMERICAL_SIZES = [(2, 1, 3), (3, 2, 4), (5, 4, 2)]  # (T, B, H)


def numerical_gradient_cases(seed: int = 0) -> list[Case]:
    """Small RNN losses; with eps = 1e-4 the centred difference is within 1e-7 of the true gradient."""
    cases = []
    for i, (T, B, H) in enumerate(NUMERICAL_SIZES):
        rng = np.random.default_rng((seed, i))
        kwargs = {
            "W_hh": rng.uniform(-0.8, 0.8, size=(H, H)),
            "x": rng.uniform(-1.0, 1.0, size=(T, B, H)),
            "y": rng.uniform(-0.8, 0.8, size=(B, H)),
            "eps": np.float64(1e-4),
        }
        cases.append(Case(f"T={T}, B={B}, H={H}", kwargs, {"T": T, "B": B, "H": H}))
    return cases


# --- optimisers -------------------------------------------------------------------------

OPTIM_SIZES = [(1, 3), (2, 5), (4, 3)]  # (B, P)


def _optim_arrays(rng: np.random.Generator, B: int, P: int, small: bool = False) -> dict[str, np.ndarray]:
    """A parameter array and its gradient; gradients of size ~1e-3 when ``small``."""
    scale = 1e-3 if small else 1.0
    return {"param": rng.normal(size=(B, P)), "grad": scale * rng.normal(size=(B, P))}


def sgd_momentum_cases(seed: int = 0) -> list[Case]:
    """The first step (zero velocity), then steps from a velocity built up earlier."""
    settings = [(0.1, 0.9), (0.05, 0.5), (0.3, 0.99)]  # (lr, momentum)
    cases = []
    for i, ((B, P), (lr, momentum)) in enumerate(zip(OPTIM_SIZES, settings)):
        rng = np.random.default_rng((seed, i))
        kwargs = _optim_arrays(rng, B, P)
        kwargs["velocity"] = np.zeros((B, P)) if i == 0 else rng.normal(size=(B, P))
        kwargs.update(lr=np.float64(lr), momentum=np.float64(momentum))
        name = f"B={B}, P={P}, " + ("first step" if i == 0 else f"lr={lr:g}, momentum={momentum:g}")
        cases.append(Case(name, kwargs, {"B": B, "P": P}))
    return cases


def rmsprop_cases(seed: int = 0) -> list[Case]:
    """The first step, a later one, and one with gradients of size ~1e-3, where eps matters."""
    settings = [(0.01, 0.99, 1e-8), (0.001, 0.9, 1e-8), (0.01, 0.99, 1e-8)]  # (lr, alpha, eps)
    cases = []
    for i, ((B, P), (lr, alpha, eps)) in enumerate(zip(OPTIM_SIZES, settings)):
        rng = np.random.default_rng((seed, i))
        small = i == 2
        kwargs = _optim_arrays(rng, B, P, small=small)
        square_avg = rng.uniform(0.2, 2.0, size=(B, P)) * (1e-6 if small else 1.0)
        kwargs["square_avg"] = np.zeros((B, P)) if i == 0 else square_avg
        kwargs.update(lr=np.float64(lr), alpha=np.float64(alpha), eps=np.float64(eps))
        detail = ["first step", f"alpha={alpha:g}", "gradients ~1e-3"][i]
        cases.append(Case(f"B={B}, P={P}, {detail}", kwargs, {"B": B, "P": P}))
    return cases


def adam_cases(seed: int = 0) -> list[Case]:
    """Steps t = 1 (zero moments), t = 3 and t = 20, with the default betas and eps."""
    steps = [1, 3, 20]
    cases = []
    for i, ((B, P), t) in enumerate(zip(OPTIM_SIZES, steps)):
        rng = np.random.default_rng((seed, i))
        kwargs = _optim_arrays(rng, B, P)
        kwargs["m"] = np.zeros((B, P)) if t == 1 else 0.3 * rng.normal(size=(B, P))
        kwargs["v"] = np.zeros((B, P)) if t == 1 else rng.uniform(0.01, 0.5, size=(B, P))
        kwargs.update(t=np.float64(t), lr=np.float64(1e-3), beta1=np.float64(0.9),
                      beta2=np.float64(0.999), eps=np.float64(1e-8))
        cases.append(Case(f"B={B}, P={P}, t={t}", kwargs, {"B": B, "P": P}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch03.scalar_bptt": Exercise(
        id="ch03.scalar_bptt",
        title="BPTT for a scalar RNN",
        reference=solutions.scalar_bptt,
        make_cases=scalar_bptt_cases,
        outputs=("dw", "du", "db", "dh0"),
        shapes=((), (), (), ("B",)),
    ),
    "ch03.sequence_cross_entropy": Exercise(
        id="ch03.sequence_cross_entropy",
        title="Cross-entropy over a padded batch",
        reference=solutions.sequence_cross_entropy,
        make_cases=cross_entropy_cases,
        outputs=("loss",),
        shapes=((),),
    ),
    "ch03.numerical_gradient_of_loss": Exercise(
        id="ch03.numerical_gradient_of_loss",
        title="A numerical gradient by centred differences",
        reference=solutions.numerical_gradient_of_loss,
        make_cases=numerical_gradient_cases,
        outputs=("dW",),
        shapes=(("H", "H"),),
    ),
    "ch03.sgd_momentum_step": Exercise(
        id="ch03.sgd_momentum_step",
        title="One step of SGD with momentum",
        reference=solutions.sgd_momentum_step,
        make_cases=sgd_momentum_cases,
        outputs=("new_param", "new_velocity"),
        shapes=(("B", "P"), ("B", "P")),
    ),
    "ch03.rmsprop_step": Exercise(
        id="ch03.rmsprop_step",
        title="One step of RMSProp",
        reference=solutions.rmsprop_step,
        make_cases=rmsprop_cases,
        outputs=("new_param", "new_square_avg"),
        shapes=(("B", "P"), ("B", "P")),
    ),
    "ch03.adam_step": Exercise(
        id="ch03.adam_step",
        title="One step of Adam, with bias correction",
        reference=solutions.adam_step,
        make_cases=adam_cases,
        outputs=("new_param", "new_m", "new_v"),
        shapes=(("B", "P"), ("B", "P"), ("B", "P")),
    ),
}
