"""Exercises of chapter 4, "Vanishing and exploding gradients".

Every case uses float64 inputs from a fixed-seed generator ``(seed, i)``, with
the sizes T, B, D and H all different, so that a transposed matrix or a sum
over the wrong axis shows up as a wrong shape or a wrong value. The states in
the cases come from real tanh RNN runs, with recurrent weights both below and
above one in size, so that the products neither vanish to nothing nor
overflow. The gradients to clip come from a real BPTT pass on a batch of B
sequences, scaled up in the later cases to play the part of an explosion.
``seed`` (0 for ``check``) picks the values, and the sizes of one
added case (``seeded_sizes``); ``with_twin`` adds a case with the sizes of another and other values.
"""

from __future__ import annotations

import numpy as np

from companion.exercises.checking import Case, Exercise, seeded_sizes, with_twin
from companion.scratch.rnn import rnn_backward, rnn_forward
from companion.solutions import ch04 as solutions


def _scalar_states(T: int, B: int, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """B one-unit tanh RNNs with recurrent weights in +-[0.5, 2.5], run for T steps: w (B,), h (T + 1, B)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.5, size=B) * rng.choice([-1.0, 1.0], size=B)
    u, b = rng.uniform(-1.0, 1.0, size=B), rng.uniform(-0.3, 0.3, size=B)
    h = np.empty((T + 1, B))
    h[0] = rng.uniform(-0.8, 0.8, size=B)
    for t in range(T):
        h[t + 1] = np.tanh(w * h[t] + u * rng.uniform(-1.0, 1.0, size=B) + b)
    return {"w": w, "h": h}


def _rnn_states(T: int, B: int, H: int, seed: tuple[int, int], scale: float) -> dict[str, np.ndarray]:
    """The states h_1..h_T (T, B, H) of a tanh RNN with W_hh = scale * (random orthogonal), and that W_hh."""
    rng = np.random.default_rng(seed)
    D = 3
    Q, _ = np.linalg.qr(rng.normal(size=(H, H)))
    W_hh = scale * Q
    W_ih = rng.uniform(-0.8, 0.8, size=(H, D))
    b = rng.uniform(-0.3, 0.3, size=H)
    x = rng.uniform(-1.0, 1.0, size=(T, B, D))
    h0 = rng.uniform(-0.5, 0.5, size=(B, H))
    outputs, _, _ = rnn_forward(x, h0, W_ih, W_hh, b, np.zeros(H))
    return {"h": outputs.copy(), "W_hh": W_hh}


SCALAR_SIZES = [(1, 1), (4, 3), (6, 5)]  # (T, B)
JACOBIAN_SIZES = [(1, 4, 0.9), (2, 5, 1.3), (3, 6, 0.7)]  # (B, H, scale of W_hh)
PRODUCT_SIZES = [(1, 1, 4, 0.9), (3, 2, 5, 1.4), (5, 3, 6, 1.1)]  # (T, B, H, scale of W_hh)
CLIP_SIZES = [(1, 3, 4, 1.0), (2, 5, 4, 30.0), (3, 2, 5, 1e5)]  # (B, D, H, factor applied to the gradients)


def scalar_cases(seed: int = 0) -> list[Case]:
    """Cases of scalar_gradient_through_time, one per entry of SCALAR_SIZES."""
    cases = []
    for i, (T, B) in enumerate(seeded_sizes(SCALAR_SIZES, seed)):
        cases.append(Case(f"T={T}, B={B}", _scalar_states(T, B, (seed, i)), {"T+1": T + 1, "B": B}))
    return cases


def jacobian_cases(seed: int = 0) -> list[Case]:
    """Cases of rnn_jacobian: the last state of a short run as h_t, and its W_hh."""
    cases = []
    for i, (B, H, scale) in enumerate(seeded_sizes(JACOBIAN_SIZES, seed, index=2)):
        states = _rnn_states(2, B, H, (seed, i), scale)
        kwargs = {"h_t": states["h"][-1], "W_hh": states["W_hh"]}
        cases.append(Case(f"B={B}, H={H}", kwargs, {"B": B, "H": H}))
    return cases


def product_cases(seed: int = 0) -> list[Case]:
    """Cases of jacobian_product, one per entry of PRODUCT_SIZES."""
    cases = []
    for i, (T, B, H, scale) in enumerate(seeded_sizes(PRODUCT_SIZES, seed)):
        states = _rnn_states(T, B, H, (seed, i), scale)
        cases.append(Case(f"T={T}, B={B}, H={H}", states, {"T": T, "B": B, "H": H}))
    return cases


def _clip_inputs(B: int, D: int, H: int, factor: float, seed: tuple[int, int]) -> dict[str, np.ndarray]:
    """dW_ih, dW_hh, db from BPTT on a batch of B sequences (T = 4), times ``factor``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(4, B, D))
    W_ih, W_hh = rng.uniform(-0.6, 0.6, size=(H, D)), rng.uniform(-0.6, 0.6, size=(H, H))
    b_ih, b_hh = rng.uniform(-0.3, 0.3, size=H), rng.uniform(-0.3, 0.3, size=H)
    outputs, _, cache = rnn_forward(x, None, W_ih, W_hh, b_ih, b_hh)
    grads = rnn_backward(rng.normal(size=outputs.shape), cache)
    return {"dW_ih": factor * grads["W_ih"], "dW_hh": factor * grads["W_hh"], "db": factor * grads["b_ih"]}


def _global_norm(inputs: dict[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(np.sum(inputs[name] ** 2) for name in ("dW_ih", "dW_hh", "db"))))


def clip_norm_cases(seed: int = 0) -> list[Case]:
    """Cases of clip_by_global_norm: a norm below max_norm, then two above it (one by far)."""
    cases = []
    for i, (B, D, H, factor) in enumerate(seeded_sizes(CLIP_SIZES, seed)):
        inputs = _clip_inputs(B, D, H, factor, (seed, i))
        norm = _global_norm(inputs)
        max_norm = 1.25 * norm if i == 0 else norm / (4.0 + i)  # first case: nothing to clip
        inputs["max_norm"] = np.float64(round(max_norm, 3))
        relation = "below" if i == 0 else "above"
        name = f"B={B}, D={D}, H={H}, global norm {norm:.3g} {relation} max_norm {inputs['max_norm']:.3g}"
        cases.append(Case(name, inputs, {"B": B, "D": D, "H": H}))
    return cases


def clip_value_cases(seed: int = 0) -> list[Case]:
    """Cases of clip_by_value: a clip value that some entries of each sign exceed."""
    cases = []
    for i, (B, D, H, factor) in enumerate(seeded_sizes(CLIP_SIZES, seed)):
        inputs = _clip_inputs(B, D, H, factor, (seed, i))
        largest = max(float(np.abs(inputs[name]).max()) for name in ("dW_ih", "dW_hh", "db"))
        inputs["clip_value"] = np.float64(float(f"{0.3 * largest:.3g}"))
        name = f"B={B}, D={D}, H={H}, clip_value {inputs['clip_value']:.3g}"
        cases.append(Case(name, inputs, {"B": B, "D": D, "H": H}))
    return cases


GRADIENT_SHAPES = (("H", "D"), ("H", "H"), ("H",))

EXERCISES: dict[str, Exercise] = {
    "ch04.scalar_gradient_through_time": Exercise(
        id="ch04.scalar_gradient_through_time",
        title="The scalar case: dh_T/dh_t for one-unit RNNs",
        reference=solutions.scalar_gradient_through_time,
        make_cases=with_twin(scalar_cases),
        outputs=("g",),
        shapes=(("T+1", "B"),),
    ),
    "ch04.rnn_jacobian": Exercise(
        id="ch04.rnn_jacobian",
        title="One step's Jacobian dh_t/dh_{t-1}",
        reference=solutions.rnn_jacobian,
        make_cases=with_twin(jacobian_cases),
        outputs=("J",),
        shapes=(("B", "H", "H"),),
    ),
    "ch04.jacobian_product": Exercise(
        id="ch04.jacobian_product",
        title="A product of Jacobians and its spectral norm",
        reference=solutions.jacobian_product,
        make_cases=with_twin(product_cases),
        outputs=("P", "norms"),
        shapes=(("B", "H", "H"), ("B",)),
    ),
    "ch04.clip_by_global_norm": Exercise(
        id="ch04.clip_by_global_norm",
        title="Gradient clipping by the global norm",
        reference=solutions.clip_by_global_norm,
        make_cases=with_twin(clip_norm_cases),
        outputs=("dW_ih", "dW_hh", "db"),
        shapes=GRADIENT_SHAPES,
    ),
    "ch04.clip_by_value": Exercise(
        id="ch04.clip_by_value",
        title="Gradient clipping by value",
        reference=solutions.clip_by_value,
        make_cases=with_twin(clip_value_cases),
        outputs=("dW_ih", "dW_hh", "db"),
        shapes=GRADIENT_SHAPES,
    ),
}
