"""Grade a folder of submitted exercise notebooks: ``python -m companion grade SUBMISSIONS --chapters 7``.

A submission is a notebook, or a folder of notebooks, per student
(``grading_submissions``). For each student and each exercise of the chosen
chapters the grader

1. finds the exercise's cell by its tag (``ch07.rnn_forward``), or else by the
   cell id it had in the released notebook;
2. runs that cell, after the student's earlier exercise cells (an exercise may
   call an earlier one), in a separate process, ``grading_worker.py``, started
   and watched by ``grading_sandbox``: a wall-clock timeout, memory, file-size
   and total-output limits, an empty environment, an unprivileged user, new
   namespaces, and a Landlock and seccomp sandbox. The worker calls the
   function on cases built from a seed the grader draws
   (``Exercise.make_cases(seed)``) and writes back only what the function
   returned: arrays as ``.npy`` and plain numbers;
3. reads those outputs as hostile data (``grading_results``) and judges them
   here, in the grader's process, with the same ``judge`` as ``check``.

Nothing the student's process says about itself is believed: no status, no
points, no "passed". A student who patches ``check``, edits the check cells or
forges the result files still has to return the right arrays for inputs they
have never seen.

The grader fails closed: where Landlock or seccomp is missing, or a root
grader cannot run workers as another user, it refuses to grade unless given
``--unsafe-no-sandbox``; the CSV and each feedback file say which sandbox
held. It never loses a result: whatever goes wrong with one student's files
or outputs becomes that student's ``error``, and the CSV (one row per student:
each exercise's points, total, maximum, status, counts of each outcome, seed,
version and sandbox) and the feedback files are rewritten atomically after
each student, so an interrupted run leaves a valid CSV that ``--resume``
completes.

Statuses: ``ok`` (every exercise ran; right or wrong), ``untouched`` (no
exercise was attempted: each one is still ``raise NotImplementedError`` or
absent), ``missing`` (an exercise cell or the whole submission is absent),
``error`` (an exception, a crash, or results that could not be read),
``timeout`` and ``invalid-notebook`` (a file that is not a notebook, or was
refused); a student gets the worst one, in the order invalid-notebook,
timeout, error, missing, ok.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import secrets
import shutil
import signal
import sys
import textwrap
import time
import tracemalloc
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from companion import __version__
from companion.course.course_map import CHAPTERS, chapter
from companion.course.grading_results import (
    Malformed,
    clean,
    csv_cell,
    csv_text,
    feedback_name,
    read_csv,
    read_manifest,
    write_atomically,
)
from companion.course.grading_sandbox import EXIT_NO_SANDBOX, EXIT_SETUP, Exit, Limits, Sandbox, describe, probe, problems
from companion.course.grading_submissions import (
    compile_pattern,
    find_submissions,
    locate_exercises,
    read_cells,
    released_cell_ids,
    student_id,
)
from companion.exercises import EXERCISES
from companion.exercises.checking import Case, Exercise, Raised, check_exercise, judge

__all__ = ["Limits", "find_submissions", "student_id", "grade_folder", "main", "sandbox_report"]

STATUSES = ("ok", "untouched", "missing", "error", "timeout", "invalid-notebook")  # from best to worst
OUTCOMES = ("passed", "wrong", "not_implemented", "error", "timeout", "missing")
EXERCISES_DIR = Path(__file__).resolve().parents[2] / "exercises"


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: stop grading, keep what is written."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class ExerciseGrade:
    """The verdict on one exercise of one student; ``outcome`` is one of ``OUTCOMES``."""

    exercise_id: str
    points: float
    max_points: float
    status: str
    message: str
    outcome: str = "error"


@dataclass
class StudentGrade:
    """Everything about one student: their notebooks, per-exercise verdicts and overall status."""

    student: str
    notebooks: list[str]
    exercises: list[ExerciseGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invalid: bool = False
    feedback_file: str = ""
    sandbox: str = ""

    @property
    def total(self) -> float:
        return sum(grade.points for grade in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(grade.max_points for grade in self.exercises)

    def count(self, outcome: str) -> int:
        return sum(grade.outcome == outcome for grade in self.exercises)

    @property
    def status(self) -> str:
        if self.invalid:
            return "invalid-notebook"
        worst = max((grade.status for grade in self.exercises), key=STATUSES.index, default="missing")
        outcomes = {grade.outcome for grade in self.exercises}
        if worst in ("ok", "missing") and "not_implemented" in outcomes and outcomes <= {"not_implemented", "missing"}:
            return "untouched"
        return worst


# --- the chapters, their exercises and points ---------------------------------------------------


def parse_chapters(text: str) -> list[int]:
    """``"7,8"`` -> ``[7, 8]``; a ValueError naming the problem otherwise."""
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--chapters takes chapter numbers separated by commas, e.g. 7,8; got {text!r}") from None
    known = {ch.number for ch in CHAPTERS}
    unknown = [n for n in numbers if n not in known]
    if not numbers or unknown:
        raise ValueError(f"unknown chapter(s) {unknown or text!r}: chapters are numbered {min(known)} to {max(known)}")
    return sorted(set(numbers))


def chapter_exercises(chapters: list[int]) -> list[Exercise]:
    """The exercises of ``chapters``, in the registry's order; ValueError for a chapter with none."""
    found = []
    for number in chapters:
        mine = [exercise for exercise_id, exercise in EXERCISES.items() if exercise_id.startswith(f"ch{number:02d}.")]
        if not mine:
            raise ValueError(f"chapter {number} ({chapter(number).slug}) has no exercises yet")
        found += mine
    return found


def load_points(path: str | Path, exercise_ids: list[str]) -> dict[str, float]:
    """``--points FILE``: ``{exercise id: points}`` from JSON, a two-column CSV, or a released notebook's metadata.

    A released notebook (``python -m companion release``) carries its exercises'
    points under ``metadata.companion.exercises``. Exercises not listed keep the
    points of the release; an id that is not being graded is an error (a typo).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            rows = [row for row in csv.reader(text.splitlines()) if row and not row[0].startswith("#")]
            table = {row[0].strip(): row[1].strip() for row in rows if len(row) >= 2 and row[0].strip() != "exercise"}
        else:
            data = json.loads(text)
            if path.suffix == ".ipynb":
                data = data.get("metadata", {}).get("companion", {}).get("exercises", {})
            table = dict(data) if isinstance(data, dict) else None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, AttributeError) as error:
        raise ValueError(f"--points {path}: cannot read it ({error})") from None
    if table is None:
        raise ValueError(f"--points {path}: expected a JSON object {{exercise id: points}}")
    points = {}
    for exercise_id, value in table.items():
        if exercise_id not in exercise_ids:
            raise ValueError(f"--points {path}: {exercise_id!r} is not an exercise of these chapters")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"--points {path}: the points of {exercise_id} must be a number >= 0; got {value!r}")
        points[exercise_id] = number
    return points


def seed_problem(exercises: list[Exercise], seed: int) -> str | None:
    """Why ``seed`` is unfit for grading: a reference solution that fails its own check on its cases; or None.

    Finite differences are not exact, so on rare inputs a correct gradient can
    differ from them by more than the tolerance. A grader never uses such inputs.
    """
    for exercise in exercises:
        result = check_exercise(exercise, exercise.reference, seed)
        if not result.passed:
            return f"on seed {seed} the reference solution of {exercise.id} fails its own check: {result.message}"
    return None


def draw_seed(exercises: list[Exercise], tries: int = 100) -> int:
    """A fresh random seed on whose cases every reference solution passes."""
    for _ in range(tries):
        seed = secrets.randbelow(2**31)
        if seed_problem(exercises, seed) is None:
            return seed
    raise RuntimeError(f"no seed in {tries} tries lets every reference solution pass its own check")


def reference_bytes(exercise: Exercise, cases: list[Case]) -> int:
    """The most memory the reference solution allocates on any of ``cases`` (traced by tracemalloc)."""
    tracemalloc.start()
    try:
        peak = 0
        for case in cases:
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            exercise.reference(**case.kwargs)
            peak = max(peak, tracemalloc.get_traced_memory()[1] - start)
        return peak
    finally:
        tracemalloc.stop()


def memory_problem(exercises: list[Exercise], cases: dict[str, list[Case]], limits: Limits, worker_bytes: int) -> str | None:
    """Why ``--memory-mb`` is too small for a reference solution to run in the worker; or None.

    worker_bytes: the worker's address space with Python and NumPy loaded (its VmPeak, from the probe).
    The reference's own allocations count double, for the copies a student's code may reasonably make.
    """
    for exercise in exercises:
        inputs = sum(value.nbytes for case in cases[exercise.id] for value in case.kwargs.values()
                     if isinstance(value, np.ndarray))
        need = worker_bytes + inputs + 2 * reference_bytes(exercise, cases[exercise.id]) + 32 * 2**20
        if need > limits.memory_mb * 2**20:
            return (f"--memory-mb {limits.memory_mb} is too small: the reference solution of {exercise.id} would not "
                    f"fit (Python and NumPy take {worker_bytes / 2**20:.0f} MiB of address space in the worker, the "
                    f"inputs and the reference's arrays about {(need - worker_bytes) / 2**20:.0f} MiB more). "
                    f"Give at least --memory-mb {math.ceil(need / 2**20 / 64) * 64}; every student would otherwise "
                    "be marked down for the grader's limit.")
    return None


# --- one exercise, in its own process ----------------------------------------------------------


def _write_inputs(cases: list[Case], job: Path) -> list[dict]:
    (job / "in").mkdir()
    described = []
    for i, case in enumerate(cases):
        arrays, values = {}, {}
        for name, value in case.kwargs.items():
            if isinstance(value, np.ndarray):
                path = f"in/c{i}_{name}.npy"
                np.save(job / path, value, allow_pickle=False)
                arrays[name] = path
            elif isinstance(value, (bool, int, float, str, np.generic)):
                values[name] = value.item() if isinstance(value, np.generic) else value
            else:
                raise TypeError(f"case input {name} is {type(value).__name__}; cases hold arrays, numbers or strings")
        described.append({"arrays": arrays, "values": values})
    return described


def _describe_exit(exercise_id: str, code: int, limits: Limits) -> str:
    if code < 0:
        reasons = {
            signal.SIGXCPU: f"used more than its CPU time ({limits.timeout:g} s)",
            signal.SIGXFSZ: f"wrote a file larger than {limits.output_mb} MiB",
            signal.SIGSEGV: "crashed (segmentation fault)",
            signal.SIGKILL: f"was killed (out of memory, past --memory-mb {limits.memory_mb}, or out of CPU time?)",
            signal.SIGSYS: "made a system call the sandbox forbids",
        }
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"{exercise_id}: the process running your code {reasons.get(-code, f'died of signal {name}')}."
    if code == EXIT_SETUP:
        return (f"{exercise_id}: the grader's own limits (--memory-mb {limits.memory_mb}) left no room to start "
                "Python and NumPy, so your code was not run; this is not your code's fault. Ask for a regrade.")
    if code == EXIT_NO_SANDBOX:
        return f"{exercise_id}: the sandbox could not be set up, so your code was not run. Ask for a regrade."
    return (f"{exercise_id}: the process running your code ended (exit status {code}) before returning its "
            "results: does your code call sys.exit, os._exit or quit?")


def grade_student(exercises: list[Exercise], plans: dict[str, list[dict]], cases: dict[str, list[Case]],
                  limits: Limits, sandbox: Sandbox, worth: dict[str, float]) -> dict[str, ExerciseGrade]:
    """Run each planned exercise in its own sandboxed process (one worker per student) and judge the results here."""
    planned = [exercise for exercise in exercises if exercise.id in plans]
    job = sandbox.new_job()
    try:
        tasks = []
        for exercise in planned:
            task = sandbox.add_task(job)
            spec = {"function": exercise.id.split(".", 1)[1], "cells": plans[exercise.id],
                    "cases": _write_inputs(cases[exercise.id], task),
                    # the same contract as check(): these floating-point errors raise, and
                    # arguments outside in_place must come back unchanged
                    "errstate": list(exercise.errstate), "in_place": list(exercise.in_place)}
            (task / "job.json").write_text(json.dumps(spec), encoding="utf-8")
            tasks.append(task)
        exits = sandbox.run(job, limits, preload=sorted({name for e in planned for name in e.preload}))
        if any(ended.stopped_for == "interrupt" for ended in exits):
            raise Interrupted(signal.SIGINT)
        grades = {}
        for exercise, task, ended in zip(planned, tasks, exits):
            try:
                grades[exercise.id] = judge_task(exercise, task, ended, cases[exercise.id], limits, worth[exercise.id])
            except Exception as error:
                grades[exercise.id] = _grader_error(exercise, worth[exercise.id], error)
        return grades
    finally:
        shutil.rmtree(job, ignore_errors=True)


def judge_task(exercise: Exercise, task: Path, ended: Exit, cases: list[Case], limits: Limits,
               points: float) -> ExerciseGrade:
    """The verdict on one exercise from how its process ended and what it left in ``task/out``."""
    def verdict(outcome: str, message: str) -> ExerciseGrade:
        status = {"passed": "ok", "wrong": "ok", "not_implemented": "ok"}.get(outcome, outcome)
        return ExerciseGrade(exercise.id, points if outcome == "passed" else 0, points, status, message, outcome)

    if ended.stopped_for == "timeout":
        return verdict("timeout", f"{exercise.id}: did not finish within {limits.timeout:g} s (an infinite "
                                  "loop, or far too slow); the grader stopped it.")
    if ended.stopped_for == "quota":
        return verdict("error", f"{exercise.id}: your code wrote more than {limits.total_output_mb} MiB of files "
                                "in all; the grader stopped it.")
    if ended.code != 0 or not os.path.lexists(task / "out" / "manifest.json"):
        return verdict("error", _describe_exit(exercise.id, ended.code, limits))
    try:
        results = read_manifest(task / "out", len(cases), limits.output_mb * 2**20)
    except Malformed as error:
        return verdict("error", f"{exercise.id}: the results of your code could not be read ({error}).")

    if results["cell_error"] is not None:
        raised = results["cell_error"]
        message = f"{exercise.id}: your cell raised {raised.type_name} when it was run: {raised.message}"
        if raised.line:
            message += f"\n    at your {raised.line}"
        return verdict("error", message)
    if not results["defined"]:
        name = exercise.id.split(".", 1)[1]
        return verdict("error", f"{exercise.id}: your cell does not define a function named {name}.")
    for case, outputs in zip(cases, results["cases"]):
        try:
            problem = judge(exercise, case, outputs)
        except Exception as error:  # an output so odd that judging it failed: the student's, not a pass
            return verdict("error", f"{exercise.id}: your output in case \"{case.name}\" could not be judged "
                                    f"({type(error).__name__}: {clean(error, 500)}).")
        if problem is not None:
            if isinstance(outputs, Raised):
                return verdict("not_implemented" if outputs.not_implemented else "error", problem)
            return verdict("wrong", problem)
    return verdict("passed", f"{exercise.id}: passed ({len(cases)} cases).")


def _grader_error(exercise: Exercise, points: float, error: BaseException) -> ExerciseGrade:
    return ExerciseGrade(exercise.id, 0, points, "error",
                         f"{exercise.id}: the grader could not grade this exercise ({type(error).__name__}: "
                         f"{clean(error, 500)}); please report it.", "error")


def _graded_safely(future: Future, exercises: list[Exercise], worth: dict[str, float]) -> dict[str, ExerciseGrade]:
    """The future's grades; any exception but an interrupt becomes an ``error`` grade on each exercise."""
    try:
        return future.result()
    except Interrupted:
        raise
    except Exception as error:
        return {exercise.id: _grader_error(exercise, worth[exercise.id], error) for exercise in exercises}


# --- a whole folder ------------------------------------------------------------------------------


def _prepare(student: StudentGrade, notebooks: list[Path], exercise_ids: list[str],
             cell_ids: dict[str, str]) -> dict[str, list[dict]]:
    """Read a student's notebooks; the cells to run per exercise. Problems become notes, never exceptions."""
    cells_by_notebook = []
    for path in notebooks:
        try:
            cells_by_notebook.append(read_cells(path))
        except Exception as error:  # ValueError above all; RecursionError, MemoryError, OSError too
            student.invalid = True
            student.notes.append(f"invalid notebook: {clean(error, 500)}")
    try:
        plans, notes = locate_exercises(cells_by_notebook, exercise_ids, cell_ids)
    except Exception as error:
        student.invalid = True
        student.notes.append(f"invalid notebook: its cells could not be read ({type(error).__name__})")
        return {}
    student.notes += notes
    return plans


def grade_folder(folder: str | Path, chapters: list[int], seed: int, limits: Limits = Limits(), jobs: int = 1,
                 exercises_dir: Path = EXERCISES_DIR, *, points: dict[str, float] | None = None,
                 student_pattern: str | None = None, unsafe: bool = False, skip: frozenset[str] = frozenset(),
                 on_student: Callable[[StudentGrade], None] | None = None) -> list[StudentGrade]:
    """Grade every student in ``folder`` on the exercises of ``chapters``, with cases drawn from ``seed``.

    points: points per exercise id (default: each exercise's own, as released).
    skip: student ids (as CSV cells) already graded, for ``--resume``.
    on_student: called with each student as soon as all their exercises are graded.
    Raises RuntimeError where the sandbox does not hold, unless ``unsafe``;
    Interrupted (after stopping every worker and removing the scratch) on an interrupt.
    """
    if not hasattr(os, "waitid"):
        raise RuntimeError("grading needs a Unix system (it limits each student's process with setrlimit)")
    exercises = chapter_exercises(chapters)
    worth = {exercise.id: float(exercise.points) for exercise in exercises} | (points or {})
    problem = seed_problem(exercises, seed)
    if problem is not None:
        raise ValueError(f"{problem}\nChoose another seed (or none, to draw one that works).")
    cases = {exercise.id: exercise.make_cases(seed) for exercise in exercises}
    cell_ids = released_cell_ids(exercises_dir) if exercises_dir.is_dir() else {}
    submissions = find_submissions(folder, compile_pattern(student_pattern))
    taken: set[str] = set()
    names = {name: feedback_name(name, taken) for name in sorted(submissions)}

    with Sandbox(require=not unsafe) as sandbox:
        report = probe(sandbox, limits)
        missing = problems(report)
        if missing and not unsafe:
            raise RuntimeError("the sandbox does not hold on this machine, so student code could attack the grader "
                               f"or read the solutions: {'; '.join(missing)}. Grade on a Linux machine with Landlock "
                               "and seccomp, or pass --unsafe-no-sandbox if you trust every submission.")
        state = describe(report, unsafe=bool(missing))
        problem = memory_problem(exercises, cases, limits, report["sandbox"].get("vm_peak", 0))
        if problem is not None:
            raise ValueError(problem)

        students, tasks = [], []
        for name in sorted(submissions):
            if csv_cell(name) in skip:
                continue
            submission = submissions[name]
            student = StudentGrade(name, [str(path.name) for path in submission.notebooks], feedback_file=names[name],
                                   sandbox=state)
            student.notes += submission.refused
            student.invalid = bool(submission.refused)
            plans = _prepare(student, submission.notebooks, list(worth), cell_ids)
            students.append(student)
            tasks.append(plans)

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = [pool.submit(grade_student, exercises, plans, cases, limits, sandbox, worth) for plans in tasks]
            for student, future, plans in zip(students, futures, tasks):
                mine = _graded_safely(future, [exercise for exercise in exercises if exercise.id in plans], worth)
                for exercise in exercises:
                    if exercise.id in mine:
                        student.exercises.append(mine[exercise.id])
                    else:
                        student.exercises.append(ExerciseGrade(
                            exercise.id, 0, worth[exercise.id], "missing",
                            f"{exercise.id}: no cell tagged {exercise.id} in your notebooks; "
                            "keep the exercise's cell and its tag.", "missing"))
                if on_student is not None:
                    on_student(student)
        except BaseException:
            sandbox.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return students


# --- the CSV and the feedback --------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:g}"


def csv_header(exercise_ids: list[str]) -> list[str]:
    return ["student", *exercise_ids, "total", "max", "status", *OUTCOMES, "seed", "version", "sandbox"]


def csv_row(student: StudentGrade, exercise_ids: list[str], seed: int) -> list[str]:
    """One row: id, each exercise's points, total, max, status, how many exercises had each outcome, seed, version, sandbox."""
    points = {grade.exercise_id: grade.points for grade in student.exercises}
    cells = [student.student, *(_number(points[i]) for i in exercise_ids), _number(student.total),
             _number(student.max_points), student.status, *(str(student.count(outcome)) for outcome in OUTCOMES),
             str(seed), __version__, student.sandbox]
    return [csv_cell(cell) for cell in cells]


def write_csv(students: list[StudentGrade], path: str | Path, exercise_ids: list[str], seed: int,
              kept: list[list[str]] = ()) -> None:
    """The CSV of ``students`` and ``kept`` rows (from a run being resumed), sorted by student; written atomically."""
    rows = sorted([*kept, *(csv_row(student, exercise_ids, seed) for student in students)], key=lambda row: row[0])
    write_atomically(Path(path), csv_text(csv_header(exercise_ids), rows))


def feedback_text(student: StudentGrade, seed: int) -> str:
    """The feedback a student reads: their total, then each exercise's status, points and check message."""
    counts = ", ".join(f"{student.count(outcome)} {outcome.replace('_', ' ')}" for outcome in OUTCOMES
                       if student.count(outcome))
    lines = [
        f"Feedback for {student.student}",
        f"Total: {_number(student.total)} / {_number(student.max_points)} points; status: {student.status}"
        + (f" ({counts})" if counts else ""),
        f"Graded with companion {__version__} on inputs drawn from seed {seed}.",
        f"Sandbox: {student.sandbox or 'not recorded'}",
        f"Notebooks read: {', '.join(student.notebooks) or 'none'}",
        "",
    ]
    lines += [f"Note: {note}" for note in student.notes] + ([""] if student.notes else [])
    for grade in student.exercises:
        lines.append(f"{grade.exercise_id} ({_number(grade.points)}/{_number(grade.max_points)}, {grade.status})")
        for line in grade.message.splitlines():
            lines += textwrap.wrap(line, 72, initial_indent="    ", subsequent_indent="      ", break_long_words=False)
        lines.append("")
    return clean("\n".join(lines), 10**7)


def write_feedback(student: StudentGrade, folder: str | Path, seed: int) -> Path:
    """The student's feedback file in ``folder``, written atomically."""
    path = Path(folder) / (student.feedback_file or feedback_name(student.student, set()))
    write_atomically(path, feedback_text(student, seed))
    return path


def sandbox_report(limits: Limits = Limits()) -> dict:
    """What the worker's sandbox blocks on this machine: ``{"sandbox": set up, "probe": blocked}``."""
    with Sandbox(require=False) as sandbox:
        return probe(sandbox, limits)


# --- the command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m companion grade SUBMISSIONS --chapters 7,8 --csv grades.csv``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m companion grade", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", help="folder of notebooks (alice.ipynb) or of folders (alice/...ipynb)")
    parser.add_argument("--chapters", required=True, help="chapter numbers, e.g. 7,8")
    parser.add_argument("--csv", required=True, help="where to write the grades")
    parser.add_argument("--feedback", help="folder for one feedback file per student (default: next to the CSV)")
    parser.add_argument("--seed", type=int, help="seed of the test inputs (default: a fresh random one)")
    parser.add_argument("--timeout", type=float, default=Limits.timeout, help="seconds per exercise (default %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="memory per exercise (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="students graded at once (one worker process each)")
    parser.add_argument("--points", help="points per exercise: JSON {id: points}, a CSV of id,points, or a released "
                                         "notebook (default: the points of the release)")
    parser.add_argument("--student-pattern", help="regular expression on file (or folder) names without .ipynb whose "
                                                  "group 'student' is the student id (default: strip platform "
                                                  "decorations such as _LATE_12345_67890_, -1, ' (1)' and the chapter)")
    parser.add_argument("--resume", action="store_true", help="keep the students already in --csv (same seed) and "
                                                              "grade the rest")
    parser.add_argument("--unsafe-no-sandbox", action="store_true", help="grade even where Landlock, seccomp or the "
                                                                         "drop of privileges is missing")


def _resume_from(path: Path, header: list[str], seed: int | None) -> tuple[list[list[str]], int | None]:
    """The rows already graded in ``path`` and their seed; ValueError if they are from another run."""
    found, rows = read_csv(path)
    if found != header:
        raise ValueError(f"cannot resume from {path}: its columns are not those of these chapters")
    seeds = {row[header.index("seed")] for row in rows}
    if len(seeds) > 1 or (seeds and seed is not None and seeds != {str(seed)}):
        raise ValueError(f"cannot resume from {path}: it was graded with seed {', '.join(sorted(seeds))}")
    return rows, int(seeds.pop()) if seeds else seed


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    csv_path = Path(args.csv)
    feedback = Path(args.feedback) if args.feedback else csv_path.with_name(f"{csv_path.stem}_feedback")
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def interrupt(signum, frame):
        for sig in previous:  # a second Ctrl-C must not cut the cleanup short
            signal.signal(sig, signal.SIG_IGN)
        raise Interrupted(signum)

    graded: list[StudentGrade] = []
    kept: list[list[str]] = []
    try:
        for sig in previous:
            signal.signal(sig, interrupt)
        chapters = parse_chapters(args.chapters)
        exercise_ids = [exercise.id for exercise in chapter_exercises(chapters)]
        seed = args.seed
        if args.resume and csv_path.exists():
            kept, seed = _resume_from(csv_path, csv_header(exercise_ids), seed)
        points = load_points(args.points, exercise_ids) if args.points else None
        pattern = args.student_pattern
        compile_pattern(pattern)
        if not Path(args.submissions).is_dir():
            raise FileNotFoundError(f"no such folder of submissions: {args.submissions}")
        seed = seed if seed is not None else draw_seed(chapter_exercises(chapters))
        limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)

        def record(student: StudentGrade) -> None:
            graded.append(student)
            write_feedback(student, feedback, seed)
            write_csv(graded, csv_path, exercise_ids, seed, kept)

        students = grade_folder(args.submissions, chapters, seed, limits, jobs=args.jobs, points=points,
                                student_pattern=pattern, unsafe=args.unsafe_no_sandbox,
                                skip=frozenset(row[0] for row in kept), on_student=record)
        write_csv(graded, csv_path, exercise_ids, seed, kept)
    except Interrupted as stop:
        print(f"\ninterrupted by {signal.Signals(stop.signum).name}: {len(kept) + len(graded)} student(s) graded "
              f"are in {csv_path}; rerun with --resume to grade the rest", file=sys.stderr)
        return 128 + stop.signum
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    width = max([len(student.student) for student in students] + [7])
    for student in students:
        print(f"{student.student:<{width}}  {_number(student.total):>5} / {_number(student.max_points):<5} {student.status}")
    seconds = time.monotonic() - start
    print(f"graded {len(students)} submission(s) on {len(exercise_ids)} exercise(s) in {seconds:.1f} s"
          + (f" ({len(kept)} kept from the earlier run)" if kept else "") + f", seed {seed}")
    print(f"sandbox: {students[0].sandbox if students else 'not started'}")
    print(f"wrote {csv_path} and {len(students)} feedback file(s) in {feedback}")
    return 0
