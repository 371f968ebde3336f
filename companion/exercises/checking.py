"""The checking engine: run a student's function on fixed cases, then judge what it returned.

The two steps are separate functions so that a grader can run student code in
a sandboxed subprocess and judge the returned arrays in its own process:

    outputs = run_case(fn, case, exercise)    # what fn returned, a Raised or a Modified
    problem = judge(exercise, case, outputs)  # None, or a message

``run_case`` calls the function on deep copies of the case's inputs, under
``np.errstate`` raising the exercise's floating-point errors (overflow and
invalid operations by default, so an overflow is reported where it happens
rather than hidden in a warning). It catches every exception but
KeyboardInterrupt (SystemExit included) and records the student's line and,
when it was raised in another of the student's functions (a helper, or an
earlier exercise still a stub), that function and its line. Afterwards it
compares every argument with the case's own copy: a change to one that the
exercise does not list in ``in_place`` becomes ``Modified`` and fails.

``judge`` reports the first problem it finds, in this order: not implemented
(naming the unfinished helper if it is not the function itself), an exception
(with the student's own line), an input changed in place, ``None`` returned,
wrong type (a masked array, an object array, a ragged list are each named),
dtype, wrong shape (with named dimensions; two outputs with each other's shape
are called swapped), NaN or inf, values that differ from the reference, and
for backward exercises values that differ from the finite-difference gradient
of the reference forward pass. When values differ, the message names the
first wrong output, says when two outputs are swapped or one equals another's
expected value, names the wrong gate blocks of outputs listed in ``blocks``,
and ends by marking every output of that case right or wrong.

Options of ``Exercise`` for authors of new chapters (all keyword, all optional):

    in_place=("h",)                  the function may change these arguments
    blocks=(("dW_ih", "ifgo", 0),)   name the wrong gate blocks of an output
    errstate=("over", "invalid", "divide")   also raise on division by zero (log 0)

Helpers for case builders: ``seeded_sizes(SIZES, seed)`` appends a case whose
sizes depend on the seed, and ``with_twin(builder)`` appends a twin of one
case with the same sizes and other values, so that an answer remembered per
input shape fails. ``unseen_names(fn, shared)`` lists the global names a
notebook function uses that the grader, which runs only the exercise cells
after ``import numpy as np``, will not define; ``check`` prints them as a
warning.

What a good set of cases has (tests/test_exercises_generic.py checks it for
every exercise): sizes that vary with the seed, two cases with the same shapes
and different values, B = 1 and T = 1 where they mean something, the edge
cases of the algorithm, hyperparameters that differ between cases at scales
where a misplaced term shows, and extreme inputs for the exercises about
numerical stability.

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

import ast
import builtins
import copy
import dis
import linecache
import os
import sysconfig
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
# The floating-point errors that NumPy raises, instead of warning about, while student code runs.
ERRSTATE = ("over", "invalid")
_LIBRARY_PREFIXES = tuple(
    {os.path.dirname(np.__file__)} | {path for key in ("stdlib", "platstdlib", "purelib", "platlib")
                                     if (path := sysconfig.get_paths().get(key))}
)


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
    in_place: names of the arguments the function may change (its contract
        says so); any other argument changed by the call fails the case.
    blocks: ``((output, "ifgo", axis), ...)``: outputs made of equal gate
        blocks along ``axis``, named by one letter each; a wrong output
        then says which blocks are wrong.
    errstate: the floating-point errors NumPy raises (instead of warning)
        while the function runs, e.g. ``("over", "invalid", "divide")``.
    preload: libraries beyond NumPy that the exercise is about (only
        ``"torch"``); the grader imports them before it confines the student's
        code, which may then ``import torch`` as usual.
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
    in_place: tuple[str, ...] = ()
    blocks: tuple[tuple[str, str, int], ...] = ()
    errstate: tuple[str, ...] = ERRSTATE
    preload: tuple[str, ...] = ()

    def kind(self, output: str) -> str:
        """``"float"`` or ``"int"``: how the output named ``output`` is checked."""
        return self.kinds[self.outputs.index(output)] if self.kinds else "float"


@dataclass(frozen=True)
class Raised:
    """What ``run_case`` captured when the student's function raised an exception.

    Plain strings only, so it can travel between processes. ``line`` is the
    student's own line, e.g. ``"line 7: h = x_t @ W_ih"``, or "" if none was
    found. ``origin`` names another function of the student's where the
    exception was raised, e.g. ``"lstm_step_forward, line 9: raise
    NotImplementedError"``; "" when it was raised in the function checked.
    """

    type_name: str
    message: str
    line: str
    not_implemented: bool
    origin: str = ""


@dataclass(frozen=True)
class Modified:
    """What ``run_case`` returns when the function changed arguments it must leave alone."""

    arguments: tuple[str, ...]
    outputs: Any


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


def run_case(fn: Callable[..., Any], case: Case, exercise: Exercise | None = None) -> Any:
    """Call ``fn(**case.kwargs)`` on copies of the inputs; return its result, a ``Raised`` or a ``Modified``.

    The call runs under ``np.errstate`` raising the exercise's floating-point
    errors (overflow and invalid operations by default). Every exception but
    KeyboardInterrupt is captured, SystemExit included. Afterwards each
    argument is compared with the case's own copy; a change to one that is not
    in ``exercise.in_place`` gives ``Modified``.
    """
    kwargs = {name: copy.deepcopy(value) for name, value in case.kwargs.items()}
    errors = exercise.errstate if exercise is not None else ERRSTATE
    try:
        with np.errstate(**{category: "raise" for category in errors}):
            outputs = fn(**kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (SystemExit too: a student's sys.exit must not end check)
        line, origin = _student_lines(fn, error)
        return Raised(type(error).__name__, _text(error), line, isinstance(error, NotImplementedError), origin)
    allowed = exercise.in_place if exercise is not None else ()
    changed = tuple(name for name in case.kwargs if name not in allowed and not _same(case.kwargs[name], kwargs[name]))
    return Modified(changed, outputs) if changed else outputs


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 (an exception whose __str__ fails)
        return f"<{type(error).__name__} with a message that cannot be shown>"


def _same(a: Any, b: Any) -> bool:
    """Whether ``b`` (after the call) still equals ``a`` (the case's copy): type, shape, dtype and values."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # noqa: BLE001
        return False


def _library_file(filename: str) -> bool:
    """Whether a traceback frame belongs to NumPy, the standard library or this engine, not to the student."""
    return filename.startswith(_LIBRARY_PREFIXES) or filename == __file__ or filename.startswith("<frozen")


def _student_lines(fn: Callable[..., Any], error: BaseException) -> tuple[str, str]:
    """``(line, origin)``: fn's own deepest line, and the other student function where ``error`` was raised."""
    code = getattr(fn, "__code__", None)
    frames = [(frame, lineno) for frame, lineno in traceback.walk_tb(error.__traceback__)]
    own = [(f, n) for f, n in frames if code is not None and f.f_code is code]
    if not own and code is not None:  # fn wraps another function: its file decides
        own = [(f, n) for f, n in frames if f.f_code.co_filename == code.co_filename]
    line = _format_line(*own[-1]) if own else ""
    users = [(f, n) for f, n in frames if not _library_file(f.f_code.co_filename)]
    if not users or (own and users[-1][0] is own[-1][0]) or code is None:
        return line, ""
    frame, lineno = users[-1]
    return line, f"{frame.f_code.co_name}, {_format_line(frame, lineno)}"


def _format_line(frame: Any, lineno: int) -> str:
    text = linecache.getline(frame.f_code.co_filename, lineno, frame.f_globals).strip()
    return f"line {lineno}: {text}"


def judge(exercise: Exercise, case: Case, outputs: Any) -> str | None:
    """The first problem with ``outputs`` (what ``run_case`` returned) on ``case``, or None."""
    where = f'in case "{case.name}"'
    if isinstance(outputs, Raised):
        return _raised_message(exercise, where, outputs)
    if isinstance(outputs, Modified):
        names = ", ".join(f"`{name}`" for name in outputs.arguments)
        plural = "s" if len(outputs.arguments) > 1 else ""
        return (
            f"{exercise.id} changed its argument{plural} {names} in place {where}. The caller still needs "
            f"{'them' if plural else 'it'}: compute new arrays (`m = beta * m + ...`, `x = x - ...`, "
            f"`a = a.copy()` first) instead of `m *= ...`, `m[...] = ...` or `np.exp(a, out=a)`."
        )
    if outputs is None:
        return f"{exercise.id} returned None {where}: did you forget the `return` statement?"

    arrays = _unpack(exercise, outputs)
    if isinstance(arrays, str):
        return f"{exercise.id} returned {_describe(outputs)} {where}; {arrays}."
    expected = _unpack(exercise, exercise.reference(**copy.deepcopy(dict(case.kwargs))))

    arrays = [_as_array(exercise, name, symbols, value) for name, symbols, value in zip(exercise.outputs, exercise.shapes, arrays)]
    expected = [np.asarray(value) for value in expected]
    for name, value in zip(exercise.outputs, arrays):
        if isinstance(value, _Odd):
            return f"{exercise.id}: {name} is {value.description} {where}; {value.advice}."
        if isinstance(value, np.ma.MaskedArray):
            return (f"{exercise.id}: {name} is a masked array (numpy.ma) {where}; expected a plain NumPy array: "
                    "a mask can hide NaN or wrong entries, so compute every entry and return np.ndarray.")
        if not isinstance(value, np.ndarray):
            return f"{exercise.id}: {name} is {_describe(value)} {where}; expected a NumPy array."
        if value.dtype == object:
            return (f"{exercise.id}: {name} has dtype object {where} (NumPy makes such an array from a ragged "
                    f"list or from mixed Python objects); expected {'integers' if exercise.kind(name) == 'int' else 'float64'}.")
        if exercise.kind(name) == "int":
            if value.dtype.kind not in "iu":
                return f"{exercise.id}: {name} has dtype {value.dtype} {where}; expected integers."
        elif value.dtype != np.float64:
            return f"{exercise.id}: {name} has dtype {value.dtype} {where}; expected float64, like the inputs."
    shapes = [tuple(case.dims[symbol] for symbol in symbols) for symbols in exercise.shapes]
    for i, (name, symbols, value) in enumerate(zip(exercise.outputs, exercise.shapes, arrays)):
        if value.shape != shapes[i]:
            message = (
                f"{exercise.id}: {name} has shape {value.shape} {where}; "
                f"expected {_symbolic(symbols)} = {shapes[i]}."
            )
            for j, other in enumerate(exercise.outputs):
                if j != i and value.shape == shapes[j] != shapes[i] and arrays[j].shape == shapes[i]:
                    message += f" It has the shape of {other}: are {name} and {other} swapped? Return ({', '.join(exercise.outputs)})."
                    break
            return message
    for name, value in zip(exercise.outputs, arrays):
        bad = ~np.isfinite(value)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            kind = "NaN" if np.isnan(value[index]) else "inf"
            return f"{exercise.id}: {name} contains {kind} {where}, first at index {index}."

    numerical = _numerical_gradients(exercise, case)
    wrong = [not _matches(exercise, name, value, reference) for name, value, reference in zip(exercise.outputs, arrays, expected)]
    if not any(wrong):
        return _finite_difference_problem(exercise, where, arrays, numerical)
    swapped = _swapped(exercise, arrays, expected, wrong)
    if swapped:
        a, b = swapped
        return (f"{exercise.id}: {a} and {b} are swapped {where}: your {a} is the expected {b} and your {b} "
                f"the expected {a}. Return them in the order ({', '.join(exercise.outputs)}).{_summary(exercise, wrong)}")
    first = wrong.index(True)
    name, value, reference = exercise.outputs[first], arrays[first], expected[first]
    if exercise.kind(name) == "int":
        index = tuple(int(i) for i in np.argwhere(value != reference)[0])
        if not index:
            message = f"{exercise.id}: {name} is wrong {where}: yours {value}, expected {reference}."
        else:
            message = (
                f"{exercise.id}: {name} is wrong {where}, first at index {index}: "
                f"yours {value[index]}, expected {reference[index]} (full: yours {value.tolist()}, "
                f"expected {reference.tolist()})."
            )
    else:
        error, index = _largest_relative_error(value, reference)
        message = (
            f"{exercise.id}: {name} is wrong {where}: largest relative error {error:.1e} "
            f"at index {index}: {_pair(value[index], reference[index], 'expected')} "
            f"(tolerance {exercise.tolerance:.0e})."
        )
        if name in numerical:
            message += f" Finite differences of the forward pass give {_number(numerical[name][index])} there."
    for j, other in enumerate(exercise.outputs):
        if j != first and arrays[first].shape == expected[j].shape and _matches(exercise, other, arrays[first], expected[j]):
            message += f" Your {name} equals the expected {other}."
    message += _blocks_note(exercise, arrays, expected, wrong)
    return message + _summary(exercise, wrong)


def _raised_message(exercise: Exercise, where: str, outputs: Raised) -> str:
    origin = getattr(outputs, "origin", "")
    helper = origin.split(",")[0] if origin else ""
    if outputs.not_implemented:
        if helper:
            return (
                f"{exercise.id}: your function calls {helper}, which is not implemented yet "
                f"({helper} {origin[len(helper) + 2:]}). Implement and check {helper} first."
            )
        return f"{exercise.id} is not implemented yet: replace `raise NotImplementedError` with your code."
    message = f"{exercise.id} raised {outputs.type_name} {where}: {outputs.message}"
    if outputs.type_name == "FloatingPointError":
        categories = ", ".join(f"{category}='raise'" for category in exercise.errstate)
        message += (f" (check runs your code under np.errstate({categories}), so this is an error, not a "
                    "warning: rewrite the computation so that it cannot happen, e.g. subtract the maximum "
                    "before np.exp, and compute a log-softmax directly rather than the log of a softmax)")
    if outputs.type_name == "SystemExit":
        message += " (your code called sys.exit or exit(); return the result instead)"
    if outputs.line:
        message += f"\n    at your {outputs.line}"
    if origin:
        message += f"\n    raised in {helper}, {origin[len(helper) + 2:]}"
    return message


def _matches(exercise: Exercise, name: str, value: np.ndarray, reference: np.ndarray) -> bool:
    if value.shape != reference.shape:
        return False
    if exercise.kind(name) == "int":
        return bool(np.array_equal(value, reference))
    return _largest_relative_error(value, reference)[0] <= exercise.tolerance


def _swapped(exercise: Exercise, arrays: list, expected: list, wrong: list[bool]) -> tuple[str, str] | None:
    """The names of two wrong outputs that each equal the other's expected value, or None."""
    names = exercise.outputs
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if (wrong[i] and wrong[j] and _matches(exercise, names[j], arrays[i], expected[j])
                    and _matches(exercise, names[i], arrays[j], expected[i])):
                return names[i], names[j]
    return None


def _summary(exercise: Exercise, wrong: list[bool]) -> str:
    if len(exercise.outputs) < 2:
        return ""
    marks = ", ".join(f"{name} {'wrong' if bad else 'right'}" for name, bad in zip(exercise.outputs, wrong))
    return f"\n    Outputs in this case: {marks}."


def _blocks_note(exercise: Exercise, arrays: list, expected: list, wrong: list[bool]) -> str:
    """' dgates: wrong in blocks f, o; right in i, g.' for each wrong output made of gate blocks."""
    notes = []
    for name, letters, axis in exercise.blocks:
        k = exercise.outputs.index(name)
        value, reference = arrays[k], expected[k]
        if not wrong[k] or value.shape != reference.shape or value.shape[axis] % len(letters):
            continue
        bad = [letter for letter, a, b in zip(letters, np.split(value, len(letters), axis=axis),
                                               np.split(reference, len(letters), axis=axis))
               if _largest_relative_error(a, b)[0] > exercise.tolerance]
        good = [letter for letter in letters if letter not in bad]
        note = f" {name} (gate blocks {', '.join(letters)} along axis {axis}): wrong in block{'s' if len(bad) > 1 else ''} {', '.join(bad)}"
        notes.append(note + (f"; right in {', '.join(good)}." if good else "."))
    return "".join(notes)


def _finite_difference_problem(exercise: Exercise, where: str, arrays: list, numerical: dict) -> str | None:
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
        problem = judge(exercise, case, run_case(fn, case, exercise))
        if problem is not None:
            return CheckResult(exercise.id, False, problem)
    return CheckResult(exercise.id, True, f"{exercise.id}: passed ({len(cases)} cases).")


# --- what the grader sees -------------------------------------------------------------------

GRADER_PREAMBLE_NAMES = frozenset({"np"})  # the grader runs `import numpy as np` before the cells


def unseen_names(fn: Callable[..., Any], shared: tuple[str, ...] = ()) -> list[str]:
    """Global names ``fn`` uses that the grader will not define, sorted.

    The grader runs only the exercise cells (the cell defining ``fn`` and the
    cells of the earlier exercises ``shared``, by their function names) after
    ``import numpy as np``. A name is seen when it is a builtin, ``np``, bound
    at the top level of ``fn``'s own cell, or of the cell of a function in
    ``shared``. Functions found this way are followed too. Empty when the
    source of ``fn``'s cell is unknown (nothing to say).
    """
    namespace = getattr(fn, "__globals__", None)
    code = getattr(fn, "__code__", None)
    if namespace is None or code is None:
        return []
    cells = {code.co_filename}
    for name in shared:
        other = getattr(namespace.get(name), "__code__", None)
        if other is not None:
            cells.add(other.co_filename)
    bound: set[str] = set(dir(builtins)) | GRADER_PREAMBLE_NAMES | set(shared)
    for filename in cells:
        names = _top_level_names(filename)
        if names is None:
            if filename == code.co_filename:
                return []
            continue
        bound |= names
    unseen, done, todo = set(), set(), [fn]
    while todo:
        function = todo.pop()
        function_code = getattr(function, "__code__", None)
        if function_code is None or function_code in done:
            continue
        done.add(function_code)
        for name in _global_loads(function_code):
            if name not in namespace:
                continue
            if name not in bound:
                unseen.add(name)
            elif callable(namespace[name]) and hasattr(namespace[name], "__code__"):
                todo.append(namespace[name])
    return sorted(unseen)


def _top_level_names(filename: str) -> set[str] | None:
    source = "".join(linecache.getlines(filename))
    if not source:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def _global_loads(code: Any) -> set[str]:
    names = {instruction.argval for instruction in dis.get_instructions(code)
             if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= _global_loads(const)
    return names


def unseen_warning(fn: Callable[..., Any], shared: tuple[str, ...] = ()) -> str:
    """A note for ``check``'s output about the names ``unseen_names`` finds; "" if none."""
    names = unseen_names(fn, shared)
    if not names:
        return ""
    listed = ", ".join(f"`{name}`" for name in names)
    return (
        f"\nWarning: the grader will not see {listed}: it runs only the exercise cells, in order, after "
        "`import numpy as np`, and this is defined in another cell. Move it into the cell of "
        f"{getattr(fn, '__name__', 'your function')} (or import it there), or your function fails when graded."
    )


class _Odd:
    """An output that cannot become an array (a ragged list), with what to say about it."""

    def __init__(self, description: str, advice: str):
        self.description, self.advice = description, advice


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
    """Numbers for scalar outputs and lists for integer outputs, as arrays; anything else unchanged.

    A list that NumPy cannot make into a regular array (rows of different
    lengths, or mixed items) comes back as an ``_Odd`` saying what it was.
    """
    if not symbols and isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value)
    if exercise.kind(name) == "int" and isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = None
        if array is None or array.dtype == object:
            lengths = [len(item) if isinstance(item, (list, tuple, np.ndarray)) else "-" for item in value[:8]]
            return _Odd(
                f"a ragged {type(value).__name__} (lengths of its items: {', '.join(map(str, lengths))})",
                f"expected integers of shape {_symbolic(symbols)}: one flat sequence of ids",
            )
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


# --- helpers for case builders ----------------------------------------------------------------

TWIN_OFFSET = 100_003  # the seed of a twin's values: far from any seed a grader draws next to this one


def seeded_sizes(sizes: list[Any], seed: int, index: int = 1) -> list[Any]:
    """``sizes`` plus one entry that depends on ``seed``: ``sizes[index]`` with every int grown by 1 + seed % 3
    (or more, so that it is not another entry).

    Entries are tuples of sizes (or single sizes); floats, strings and bools in
    them are kept. Growing every size by the same amount keeps sizes that
    differ different, so a case whose named sizes all differ stays so.
    """
    def shift(value: Any, grow: int) -> Any:
        return value + grow if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value

    base, grow = sizes[index], 1 + seed % 3
    while True:  # never the sizes of another case
        extra = tuple(shift(value, grow) for value in base) if isinstance(base, tuple) else shift(base, grow)
        if extra not in sizes:
            return [*sizes, extra]
        grow += 1


def with_twin(make_cases: Callable[[int], list[Case]], index: int = 1) -> Callable[[int], list[Case]]:
    """A case builder that adds, after the cases of ``make_cases(seed)``, a twin of case ``index``:
    the same sizes and other values (from seed ``seed + TWIN_OFFSET``), named "..., other values".

    A function that remembers its answer per input shape fails on the twin.
    The builder must draw the values of case ``index`` from the seed.
    """
    def cases(seed: int = 0) -> list[Case]:
        built = make_cases(seed)
        twin = make_cases(seed + TWIN_OFFSET)[index]
        return [*built, Case(f"{twin.name}, other values", twin.kwargs, twin.dims, twin.forward_kwargs)]

    cases.__name__ = getattr(make_cases, "__name__", "cases")
    cases.__doc__ = make_cases.__doc__
    cases.__wrapped__ = make_cases
    return cases
