"""The checking engine: run a student's function on fixed cases, then judge what it returned.

The two steps are separate functions so that a grader can run student code in
a sandboxed subprocess and judge the returned arrays in its own process:

    outputs = run_case(fn, case)              # what fn returned, or a Raised
    problem = judge(exercise, case, outputs)  # None, or a message

``judge`` reports the first problem it finds, in this order: not implemented,
an exception (with the student's own line), ``None`` returned, wrong type or
dtype, wrong shape (with named dimensions), NaN or inf, values that differ from
the reference, and for backward exercises values that differ from the
finite-difference gradient of the reference forward pass.

Relative error. For your value ``a`` and the expected value ``b``, elementwise

    rel = |a - b| / max(|a|, |b|, FLOOR),    FLOOR = 1e-6

so entries of ordinary size are compared relatively, and entries that are both
below FLOOR in size, where the sign of a rounding error decides nothing, are
compared absolutely (|a - b| / 1e-6). An output passes when its largest
``rel`` is at most the exercise's tolerance (1e-6 by default). The references
are computed in float64 from float64 inputs, where rounding leaves errors near
1e-15, so any real mistake stands out by many orders of magnitude.

The comparison with finite differences is looser (tolerance 1e-5, floor 1e-4),
because a centred difference is itself only accurate to about 1e-10.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from companion.scratch.gradcheck import numerical_gradient

FLOOR = 1e-6
# Finite differences: step 1e-5 balances truncation (~eps^2) against rounding
# (~1e-16 / eps), leaving absolute errors near 1e-10. Entries smaller than
# FD_FLOOR are therefore compared absolutely against FD_FLOOR, so that the
# noise on a near-zero gradient entry cannot fail a correct answer.
FD_EPS = 1e-5
FD_FLOOR = 1e-4


@dataclass(frozen=True)
class Case:
    """One set of inputs on which a student's function is run.

    name: shown in messages, e.g. ``"T=3, B=2, D=5, H=4"``.
    kwargs: the keyword arguments of the function under test: NumPy arrays
        (float64 for anything continuous) or plain Python ints, floats and strings.
    dims: sizes of the named dimensions, e.g. ``{"T": 3, "B": 2, "D": 5, "H": 4}``;
        an output whose length depends on the data (a decoded label sequence)
        gets its own symbol, sized by the case builder from the reference.
    forward_kwargs: for a backward exercise, the inputs of the forward pass whose
        gradients the outputs are (used only by the finite-difference check).
    """

    name: str
    kwargs: Mapping[str, np.ndarray]
    dims: Mapping[str, int]
    forward_kwargs: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class FiniteDifference:
    """How to check a backward exercise against centred finite differences.

    The scalar loss is ``sum(forward(**case.forward_kwargs) * case.kwargs[upstream])``,
    so its gradient is what the backward function computes from that upstream
    gradient. ``wrt`` maps each output name to the forward argument it is the
    gradient of, e.g. ``{"dW_hh": "W_hh", "db": "b_ih"}``.
    """

    forward: Callable[..., np.ndarray]
    wrt: Mapping[str, str]
    upstream: str
    tolerance: float = 1e-5


@dataclass(frozen=True)
class Exercise:
    """One exercise: a reference function, the cases it is checked on, and its outputs.

    outputs: names of the returned arrays, in order; one name means the function
        returns a bare array, several mean it returns a tuple.
    shapes: the symbolic shape of each output, e.g. ``(("B", "H"), ("H",))``;
        ``()`` is a scalar, for which a Python or NumPy number is accepted.
    make_cases: ``make_cases(seed)`` builds the cases from that seed; ``check``
        uses seed 0, so its messages are the same on every run, and a grader
        may draw a fresh seed so that answers cannot be memorised.
    kinds: per output, ``"float"`` (float64, compared within ``tolerance``) or
        ``"int"`` (any integer dtype, compared exactly; a list of ints is
        accepted too). Empty means every output is ``"float"``.
    points: what the exercise is worth when graded.
    """

    id: str
    title: str
    reference: Callable[..., Any]
    make_cases: Callable[[int], list[Case]]
    outputs: tuple[str, ...]
    shapes: tuple[tuple[str, ...], ...]
    tolerance: float = 1e-6
    finite_difference: FiniteDifference | None = None
    kinds: tuple[str, ...] = ()
    points: int = 1

    def kind(self, output: str) -> str:
        """``"float"`` or ``"int"``: how the output named ``output`` is checked."""
        return self.kinds[self.outputs.index(output)] if self.kinds else "float"


@dataclass(frozen=True)
class Raised:
    """What ``run_case`` captured when the student's function raised an exception.

    Plain strings only, so it can travel between processes. ``line`` is the
    student's own line, e.g. ``"line 7: h = x_t @ W_ih"``, or "" if none was found.
    """

    type_name: str
    message: str
    line: str
    not_implemented: bool


@dataclass(frozen=True)
class CheckResult:
    """The verdict of ``check``: whether every case passed, and the message shown."""

    id: str
    passed: bool
    message: str

    def __repr__(self) -> str:
        return f"CheckResult({self.id!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:
        # check() has printed the message already; as the last expression of a
        # notebook cell, the result would otherwise echo its repr below it.
        pass


def run_case(fn: Callable[..., Any], case: Case) -> Any:
    """Call ``fn(**case.kwargs)`` on copies of the inputs; return its result or a ``Raised``."""
    kwargs = {name: copy.deepcopy(value) for name, value in case.kwargs.items()}
    try:
        return fn(**kwargs)
    except NotImplementedError as error:
        return Raised(type(error).__name__, str(error), _student_line(fn, error), not_implemented=True)
    except Exception as error:
        return Raised(type(error).__name__, str(error), _student_line(fn, error), not_implemented=False)


def _student_line(fn: Callable[..., Any], error: BaseException) -> str:
    """The deepest traceback line inside the file (or notebook cell) where ``fn`` was defined."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == code.co_filename]
    if not frames:
        return ""
    return f"line {frames[-1].lineno}: {frames[-1].line}"


def judge(exercise: Exercise, case: Case, outputs: Any) -> str | None:
    """The first problem with ``outputs`` (what ``run_case`` returned) on ``case``, or None."""
    where = f'in case "{case.name}"'
    if isinstance(outputs, Raised):
        if outputs.not_implemented:
            return f"{exercise.id} is not implemented yet: replace `raise NotImplementedError` with your code."
        message = f"{exercise.id} raised {outputs.type_name} {where}: {outputs.message}"
        if outputs.line:
            message += f"\n    at your {outputs.line}"
        return message
    if outputs is None:
        return f"{exercise.id} returned None {where}: did you forget the `return` statement?"

    arrays = _unpack(exercise, outputs)
    if isinstance(arrays, str):
        return f"{exercise.id} returned {_describe(outputs)} {where}; {arrays}."
    expected = _unpack(exercise, exercise.reference(**case.kwargs))

    arrays = [_as_array(exercise, name, symbols, value) for name, symbols, value in zip(exercise.outputs, exercise.shapes, arrays)]
    expected = [np.asarray(value) for value in expected]
    for name, value in zip(exercise.outputs, arrays):
        if not isinstance(value, np.ndarray):
            return f"{exercise.id}: {name} is {_describe(value)} {where}; expected a NumPy array."
        if exercise.kind(name) == "int":
            if value.dtype.kind not in "iu":
                return f"{exercise.id}: {name} has dtype {value.dtype} {where}; expected integers."
        elif value.dtype != np.float64:
            return f"{exercise.id}: {name} has dtype {value.dtype} {where}; expected float64, like the inputs."
    for name, symbols, value in zip(exercise.outputs, exercise.shapes, arrays):
        shape = tuple(case.dims[symbol] for symbol in symbols)
        if value.shape != shape:
            return (
                f"{exercise.id}: {name} has shape {value.shape} {where}; "
                f"expected {_symbolic(symbols)} = {shape}."
            )
    for name, value in zip(exercise.outputs, arrays):
        bad = ~np.isfinite(value)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            kind = "NaN" if np.isnan(value[index]) else "inf"
            return f"{exercise.id}: {name} contains {kind} {where}, first at index {index}."

    for name, value, reference in zip(exercise.outputs, arrays, expected):
        if exercise.kind(name) == "int" and not np.array_equal(value, reference):
            index = tuple(int(i) for i in np.argwhere(value != reference)[0])
            if not index:
                return f"{exercise.id}: {name} is wrong {where}: yours {value}, expected {reference}."
            return (
                f"{exercise.id}: {name} is wrong {where}, first at index {index}: "
                f"yours {value[index]}, expected {reference[index]} (full: yours {value.tolist()}, "
                f"expected {reference.tolist()})."
            )
    numerical = _numerical_gradients(exercise, case)
    for name, value, reference in zip(exercise.outputs, arrays, expected):
        if exercise.kind(name) == "int":
            continue
        error, index = _largest_relative_error(value, reference)
        if error > exercise.tolerance:
            message = (
                f"{exercise.id}: {name} is wrong {where}: largest relative error {error:.1e} "
                f"at index {index}: {_pair(value[index], reference[index], 'expected')} "
                f"(tolerance {exercise.tolerance:.0e})."
            )
            if name in numerical:
                message += f" Finite differences of the forward pass give {_number(numerical[name][index])} there."
            return message
    for name, value in zip(exercise.outputs, arrays):
        if name not in numerical:
            continue
        error, index = _largest_relative_error(value, numerical[name], floor=FD_FLOOR)
        if error > exercise.finite_difference.tolerance:
            return (
                f"{exercise.id}: {name} differs from the finite-difference gradient {where}: "
                f"largest relative error {error:.1e} at index {index}: "
                f"{_pair(value[index], numerical[name][index], 'numerical')} "
                f"(tolerance {exercise.finite_difference.tolerance:.0e})."
            )
    return None


def check_exercise(exercise: Exercise, fn: Callable[..., Any], seed: int = 0) -> CheckResult:
    """Run and judge ``fn`` on every case of ``exercise`` built from ``seed``; stop at the first problem."""
    if not callable(fn):
        name = exercise.id.split(".")[1]
        raise TypeError(f"check needs your function itself, e.g. check({exercise.id!r}, {name}); got {_describe(fn)}")
    cases = exercise.make_cases(seed)
    for case in cases:
        problem = judge(exercise, case, run_case(fn, case))
        if problem is not None:
            return CheckResult(exercise.id, False, problem)
    return CheckResult(exercise.id, True, f"{exercise.id}: passed ({len(cases)} cases).")


def relative_errors(yours: np.ndarray, expected: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """Elementwise ``|a - b| / max(|a|, |b|, floor)``; same shape as the inputs."""
    scale = np.maximum(np.maximum(np.abs(yours), np.abs(expected)), floor)
    return np.abs(yours - expected) / scale


def _largest_relative_error(
    yours: np.ndarray, expected: np.ndarray, floor: float = FLOOR
) -> tuple[float, tuple[int, ...]]:
    errors = relative_errors(yours, expected, floor)
    if errors.size == 0:
        return 0.0, ()
    index = np.unravel_index(np.argmax(errors), errors.shape)
    return float(errors[index]), tuple(int(i) for i in index)


def _numerical_gradients(exercise: Exercise, case: Case) -> dict[str, np.ndarray]:
    """Finite-difference gradient for each output of a backward exercise; {} otherwise."""
    fd = exercise.finite_difference
    if fd is None:
        return {}
    upstream = case.kwargs[fd.upstream]
    gradients = {}
    for output, argument in fd.wrt.items():
        def loss(value: np.ndarray, argument: str = argument) -> float:
            return float(np.sum(fd.forward(**{**case.forward_kwargs, argument: value}) * upstream))

        gradients[output] = numerical_gradient(loss, case.forward_kwargs[argument], eps=FD_EPS)
    return gradients


def _unpack(exercise: Exercise, outputs: Any) -> list[Any] | str:
    """The outputs as a list, one per name, or what was expected instead of ``outputs``."""
    names = exercise.outputs
    if len(names) == 1:
        if isinstance(outputs, (tuple, list)) and exercise.kind(names[0]) != "int":
            return f"expected a single NumPy array {names[0]}"
        return [outputs]
    if not isinstance(outputs, (tuple, list)) or len(outputs) != len(names):
        return f"expected a tuple of {len(names)} arrays ({', '.join(names)})"
    return list(outputs)


def _as_array(exercise: Exercise, name: str, symbols: tuple[str, ...], value: Any) -> Any:
    """Numbers for scalar outputs and lists for integer outputs, as arrays; anything else unchanged."""
    if not symbols and isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value)
    if exercise.kind(name) == "int" and isinstance(value, (list, tuple)):
        array = np.asarray(value)
        return array if array.dtype.kind in "iu" or array.size else array.astype(np.int64)
    return value


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    if value is None:
        return "None"
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _symbolic(symbols: tuple[str, ...]) -> str:
    return f"({symbols[0]},)" if len(symbols) == 1 else f"({', '.join(symbols)})"


def _number(value: float, digits: int = 6) -> str:
    return f"{float(value):.{digits}g}"


def _pair(yours: float, other: float, label: str) -> str:
    """'yours 0.1234, expected 0.2468', with enough digits to tell the two apart."""
    digits = 6
    while _number(yours, digits) == _number(other, digits) and digits < 17:
        digits += 2
    return f"yours {_number(yours, digits)}, {label} {_number(other, digits)}"
