"""Exercises of chapter 3, "Learning: losses and backpropagation through time".

Every case uses float64 inputs from ``np.random.default_rng((seed, i))``; the
named dimensions of a case all differ in size, so that a sum over the wrong
axis shows up as a wrong shape. Scalars (learning rates, ``eps``, the step
count ``t``) are float64 numbers. ``seed`` (0 for ``check``) picks the
values, and the sizes of one added case (``seeded_sizes``); ``with_twin``
adds a case with the sizes of another and other values. Cases go from the
smallest (B=1) to the largest, so the first failure reported is the simplest
one to reproduce. Hyperparameters (lr, betas, eps, the finite-difference
step) and the size of the gradients differ from case to case.

The optimiser exercises update arrays of shape (B, P): the rules are
elementwise, so that is simply B parameter vectors of size P updated side by
side. Their first case is the first step (t = 1, zero state), where bias
correction matters most; the later ones start from a non-zero state.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.solutions import ch03 as solutions

# --- scalar BPTT ------------------------------------------------------------------------

SCALAR_SIZES = [(1, 1), (3, 2), (6, 4)]  # (T, B)


def scalar_bptt_cases(seed: int = 0) -> list[Case]:
    """A batch of scalar sequences with non-zero h0, and weights where tanh is neither linear nor flat."""
    cases = []
    for i, (T, B) in enumerate(seeded_sizes(SCALAR_SIZES, seed)):
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
    for i, (T, B, V, scale) in enumerate(seeded_sizes(CE_SIZES, seed)):
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

NUMERICAL_SIZES = [(2, 1, 3), (3, 2, 4), (5, 4, 2), (1, 3, 2)]  # (T, B, H); with T = 1, W_hh does not act (h_0 = 0)
NUMERICAL_EPS = [1e-4, 1e-2, 3e-3, 1e-4, 3e-2]  # one per case; with 1e-2 and up the exact gradient is not the answer


def numerical_gradient_cases(seed: int = 0) -> list[Case]:
    """Small RNN losses with steps eps from 1e-4 to 3e-2: at the larger steps the centred
    difference differs from the true gradient by far more than the tolerance, so only the
    centred difference with the given eps passes."""
    cases = []
    for i, (T, B, H) in enumerate(seeded_sizes(NUMERICAL_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        eps = NUMERICAL_EPS[i]
        kwargs = {
            "W_hh": rng.uniform(-0.8, 0.8, size=(H, H)),
            "x": rng.uniform(-1.0, 1.0, size=(T, B, H)),
            "y": rng.uniform(-0.8, 0.8, size=(B, H)),
            "eps": np.float64(eps),
        }
        cases.append(Case(f"T={T}, B={B}, H={H}, eps={eps:g}", kwargs, {"T": T, "B": B, "H": H}))
    return cases


# --- optimisers -------------------------------------------------------------------------

# (B, P); the last entry of seeded_sizes depends on the seed. Hyperparameters differ from
# case to case, and so does the size of the gradients (1e-6 to 10), so that a hard-coded
# learning rate, beta or eps, or eps in the wrong place, changes the answer.
OPTIM_SIZES = [(1, 3), (2, 5), (4, 3), (3, 2)]


def _optim_arrays(rng: np.random.Generator, B: int, P: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """A parameter array and its gradient, of size ~``scale``."""
    return {"param": rng.normal(size=(B, P)), "grad": scale * rng.normal(size=(B, P))}


def _drawn(rng: np.random.Generator, low: float, high: float) -> float:
    """A number between 10**low and 10**high, log-uniform, rounded to 3 digits for the case name."""
    return float(f"{10 ** rng.uniform(low, high):.3g}")


def sgd_momentum_cases(seed: int = 0) -> list[Case]:
    """The first step (zero velocity), then steps from a velocity built up earlier, at several lr, momentum
    and gradient sizes; the last case draws them from the seed."""
    settings = [(0.1, 0.9, 1.0), (0.05, 0.5, 1.0), (0.3, 0.99, 1e-3), (2.0, 0.0, 10.0)]  # (lr, momentum, gradient size)
    cases = []
    for i, (B, P) in enumerate(seeded_sizes(OPTIM_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        lr, momentum, scale = settings[i] if i < len(settings) else (
            _drawn(rng, -3, 0), round(float(rng.uniform(0.1, 0.95)), 3), _drawn(rng, -3, 1))
        kwargs = _optim_arrays(rng, B, P, scale)
        kwargs["velocity"] = np.zeros((B, P)) if i == 0 else scale * rng.normal(size=(B, P))
        kwargs.update(lr=np.float64(lr), momentum=np.float64(momentum))
        name = f"B={B}, P={P}, " + ("first step" if i == 0 else f"lr={lr:g}, momentum={momentum:g}, gradients ~{scale:g}")
        cases.append(Case(name, kwargs, {"B": B, "P": P}))
    return cases


def rmsprop_cases(seed: int = 0) -> list[Case]:
    """The first step, later ones, gradients of size ~1e-6 (where eps matters, and where it sits
    matters: sqrt(s) + eps is not sqrt(s + eps)), a large eps, and drawn settings."""
    settings = [(0.01, 0.99, 1e-8, 1.0), (0.001, 0.9, 1e-8, 1.0), (0.01, 0.99, 1e-8, 1e-6), (0.5, 0.5, 0.1, 10.0)]
    cases = []
    for i, (B, P) in enumerate(seeded_sizes(OPTIM_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        lr, alpha, eps, scale = settings[i] if i < len(settings) else (
            _drawn(rng, -4, -1), round(float(rng.uniform(0.5, 0.999)), 3), _drawn(rng, -8, -2), _drawn(rng, -4, 1))
        kwargs = _optim_arrays(rng, B, P, scale)
        kwargs["square_avg"] = np.zeros((B, P)) if i == 0 else scale**2 * rng.uniform(0.2, 2.0, size=(B, P))
        kwargs.update(lr=np.float64(lr), alpha=np.float64(alpha), eps=np.float64(eps))
        detail = "first step" if i == 0 else f"lr={lr:g}, alpha={alpha:g}, eps={eps:g}, gradients ~{scale:g}"
        cases.append(Case(f"B={B}, P={P}, {detail}", kwargs, {"B": B, "P": P}))
    return cases


def adam_cases(seed: int = 0) -> list[Case]:
    """Steps t = 1 (zero moments), 3, 20 and 2 with different lr, betas, eps and gradient sizes
    (1e-6 to 10), then one drawn from the seed."""
    settings = [  # (t, lr, beta1, beta2, eps, gradient size)
        (1, 1e-3, 0.9, 0.999, 1e-8, 1.0),
        (3, 0.01, 0.8, 0.99, 1e-8, 1e-3),
        (20, 0.1, 0.5, 0.9, 0.1, 10.0),
        (2, 1e-3, 0.9, 0.999, 1e-8, 1e-6),
    ]
    cases = []
    for i, (B, P) in enumerate(seeded_sizes(OPTIM_SIZES, seed)):
        rng = np.random.default_rng((seed, i))
        t, lr, beta1, beta2, eps, scale = settings[i] if i < len(settings) else (
            int(rng.integers(1, 50)), _drawn(rng, -4, -1), round(float(rng.uniform(0.5, 0.95)), 3),
            round(float(rng.uniform(0.9, 0.9999)), 4), _drawn(rng, -8, -2), _drawn(rng, -4, 1))
        kwargs = _optim_arrays(rng, B, P, scale)
        kwargs["m"] = np.zeros((B, P)) if t == 1 else 0.3 * scale * rng.normal(size=(B, P))
        kwargs["v"] = np.zeros((B, P)) if t == 1 else scale**2 * rng.uniform(0.01, 0.5, size=(B, P))
        kwargs.update(t=np.float64(t), lr=np.float64(lr), beta1=np.float64(beta1),
                      beta2=np.float64(beta2), eps=np.float64(eps))
        name = f"B={B}, P={P}, t={t}" + (f", lr={lr:g}, betas=({beta1:g}, {beta2:g}), eps={eps:g}, gradients ~{scale:g}"
                                         if i > 0 else "")
        cases.append(Case(name, kwargs, {"B": B, "P": P}))
    return cases


EXERCISES: dict[str, Exercise] = {
    "ch03.scalar_bptt": Exercise(
        id="ch03.scalar_bptt",
        title="BPTT for a scalar RNN",
        reference=solutions.scalar_bptt,
        make_cases=with_twin(scalar_bptt_cases),
        outputs=("dw", "du", "db", "dh0"),
        shapes=((), (), (), ("B",)),
    ),
    "ch03.sequence_cross_entropy": Exercise(
        id="ch03.sequence_cross_entropy",
        title="Cross-entropy over a padded batch",
        reference=solutions.sequence_cross_entropy,
        make_cases=with_twin(cross_entropy_cases),
        outputs=("loss",),
        shapes=((),),
        errstate=("over", "invalid", "divide"),
    ),
    "ch03.numerical_gradient_of_loss": Exercise(
        id="ch03.numerical_gradient_of_loss",
        title="A numerical gradient by centred differences",
        reference=solutions.numerical_gradient_of_loss,
        make_cases=with_twin(numerical_gradient_cases),
        outputs=("dW",),
        shapes=(("H", "H"),),
    ),
    "ch03.sgd_momentum_step": Exercise(
        id="ch03.sgd_momentum_step",
        title="One step of SGD with momentum",
        reference=solutions.sgd_momentum_step,
        make_cases=with_twin(sgd_momentum_cases),
        outputs=("new_param", "new_velocity"),
        shapes=(("B", "P"), ("B", "P")),
    ),
    "ch03.rmsprop_step": Exercise(
        id="ch03.rmsprop_step",
        title="One step of RMSProp",
        reference=solutions.rmsprop_step,
        make_cases=with_twin(rmsprop_cases),
        outputs=("new_param", "new_square_avg"),
        shapes=(("B", "P"), ("B", "P")),
    ),
    "ch03.adam_step": Exercise(
        id="ch03.adam_step",
        title="One step of Adam, with bias correction",
        reference=solutions.adam_step,
        make_cases=with_twin(adam_cases),
        outputs=("new_param", "new_m", "new_v"),
        shapes=(("B", "P"), ("B", "P"), ("B", "P")),
    ),
}
