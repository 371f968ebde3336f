"""Grade a folder of submitted exercise notebooks: ``python -m companion grade SUBMISSIONS --chapters 7``.

A submission is a notebook, or a folder of notebooks, per student. For each
student and each exercise of the chosen chapters the grader

1. finds the exercise's cell by its tag (``ch07.rnn_forward``), or else by the
   cell id it had in the released notebook;
2. runs that cell, after the student's earlier exercise cells (an exercise may
   call an earlier one), in a separate process: ``grading_worker.py``, with a
   wall-clock timeout, a memory limit, an empty environment and, on Linux, a
   Landlock and seccomp sandbox. The worker calls the function on cases built
   from a seed the grader draws (``Exercise.make_cases(seed)``) and writes back
   only what the function returned: arrays as ``.npy`` and plain numbers;
3. reads those outputs with ``allow_pickle=False`` and judges them here, in the
   grader's process, with the same ``judge`` as ``check``.

Nothing the student's process says about itself is believed: no status, no
points, no "passed". A student who patches ``check``, edits the check cells or
forges the result files still has to return the right arrays for inputs they
have never seen.

The result is a CSV with one row per student (each exercise's points, total,
maximum, status, seed and package version) and one feedback file per student
with the check messages. Statuses: ``ok`` (every exercise ran; right or wrong),
``timeout``, ``error`` (an exception, a crash, or results that could not be
read), ``missing`` (an exercise cell or the whole submission is absent) and
``invalid-notebook``; a student gets the worst one, in the order
invalid-notebook, timeout, error, missing, ok.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from companion import __version__
from companion.course.course_map import CHAPTERS, chapter
from companion.exercises import EXERCISES
from companion.exercises.checking import Case, Exercise, Raised, check_exercise, judge
from companion.exercises.notebooks import exercise_cells, read_notebook

WORKER = Path(__file__).with_name("grading_worker.py")
SITE_PACKAGES = str(Path(np.__file__).resolve().parents[1])
STATUSES = ("ok", "missing", "error", "timeout", "invalid-notebook")  # from best to worst
MAX_NOTEBOOK_BYTES = 50 * 2**20
MAX_MANIFEST_BYTES = 2**20
EXERCISES_DIR = Path(__file__).resolve().parents[2] / "exercises"


@dataclass(frozen=True)
class Limits:
    """What one exercise's process may use: wall-clock seconds, memory and output size (MiB)."""

    timeout: float = 10.0
    memory_mb: int = 1024
    output_mb: int = 16


@dataclass(frozen=True)
class ExerciseGrade:
    """The verdict on one exercise of one student."""

    exercise_id: str
    points: float
    max_points: float
    status: str
    message: str


@dataclass
class StudentGrade:
    """Everything about one student: their notebooks, per-exercise verdicts and overall status."""

    student: str
    notebooks: list[Path]
    exercises: list[ExerciseGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invalid: bool = False

    @property
    def total(self) -> float:
        return sum(grade.points for grade in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(grade.max_points for grade in self.exercises)

    @property
    def status(self) -> str:
        statuses = [grade.status for grade in self.exercises] + (["invalid-notebook"] if self.invalid else [])
        return max(statuses, key=STATUSES.index, default="missing")


# --- the chapters and their exercises ------------------------------------------------------


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


def released_cell_ids(exercises_dir: Path = EXERCISES_DIR) -> dict[str, str]:
    """``{exercise id: cell id}`` in the course's own notebooks, the cells that ``release`` hands out."""
    ids = {}
    for path in sorted(exercises_dir.glob("ch*.ipynb")):
        ids.update({exercise_id: cell.id for exercise_id, cell in exercise_cells(read_notebook(path)).items() if "id" in cell})
    return ids


# --- submissions -------------------------------------------------------------------------------


def find_submissions(folder: str | Path) -> dict[str, list[Path]]:
    """``{student id: notebooks}``: one per file ``alice.ipynb`` / ``alice_ch07_vanilla_rnn.ipynb``, or per folder.

    A file's student id is its name without a trailing chapter slug or ``chNN``;
    a folder's is the folder's name, and every notebook inside it (at any depth)
    is that student's. Hidden files and folders (``.ipynb_checkpoints``) are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder of submissions: {folder}")
    students: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            notebooks = [path for path in sorted(entry.rglob("*.ipynb"))
                         if not any(part.startswith(".") for part in path.relative_to(entry).parts)]
            students.setdefault(entry.name, []).extend(notebooks)
        elif entry.suffix == ".ipynb" and entry.is_file():
            students.setdefault(student_id(entry.stem), []).append(entry)
    return students


def student_id(stem: str) -> str:
    """``"alice_ch07_vanilla_rnn"`` -> ``"alice"``; a name that is only a chapter stays as it is."""
    for ch in CHAPTERS:
        for suffix in (ch.slug, f"ch{ch.number:02d}"):
            if stem.endswith(suffix) and stem != suffix:
                trimmed = stem[: -len(suffix)].rstrip("_-. ")
                if trimmed:
                    return trimmed
    return stem


def read_cells(path: Path) -> list[dict]:
    """The code cells of a notebook as ``{"id", "tags", "source"}``; ValueError if it is not a notebook."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name} is {size / 2**20:.0f} MiB, more than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        notebook = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path.name} is not valid JSON ({error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{path.name} is JSON but not a notebook (nbformat 4): it has no list of cells")
    cells = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        if not isinstance(source, str):
            raise ValueError(f"{path.name} has a code cell whose source is not text")
        cells.append({"id": cell.get("id"), "tags": [tag for tag in tags if isinstance(tag, str)], "source": source})
    return cells


def strip_magics(source: str) -> str:
    """IPython magics and shell lines (``%timeit``, ``!ls``) become ``pass``: plain Python is graded."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines) + "\n"


def locate_exercises(cells_by_notebook: list[list[dict]], exercise_ids: list[str],
                     cell_ids: dict[str, str]) -> tuple[dict[str, list[dict]], list[str]]:
    """For each exercise, the cells to run: the student's earlier exercise cells, then its own.

    A cell is an exercise's if it carries the exercise's tag, or (when no cell
    does) the id of the exercise's cell in the released notebook. If several
    cells qualify, the last one counts. Returns the cells and notes for the feedback.
    """
    located: dict[str, tuple[int, int]] = {}
    notes = []
    for exercise_id in exercise_ids:
        tagged = [(n, i) for n, cells in enumerate(cells_by_notebook) for i, cell in enumerate(cells) if exercise_id in cell["tags"]]
        if not tagged and exercise_id in cell_ids:
            tagged = [(n, i) for n, cells in enumerate(cells_by_notebook) for i, cell in enumerate(cells)
                      if cell["id"] == cell_ids[exercise_id]]
            if tagged:
                notes.append(f"{exercise_id}: no cell carries this tag; graded the cell with the released cell id.")
        if len(tagged) > 1:
            notes.append(f"{exercise_id}: {len(tagged)} cells qualify; graded the last one.")
        if tagged:
            located[exercise_id] = tagged[-1]
    plans = {}
    for exercise_id, (n, i) in located.items():
        earlier = sorted((j, other) for other, (m, j) in located.items() if m == n and j < i)
        plans[exercise_id] = [
            {"label": label, "source": strip_magics(cells_by_notebook[n][j]["source"])}
            for j, label in earlier + [(i, exercise_id)]
        ]
    return plans, notes


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


def _run_worker(job: Path, limits: Limits) -> tuple[int | None, float]:
    """Run the worker on ``job``; (its return code, or None if it timed out; seconds it ran)."""
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(job), "TMPDIR": str(job),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-I", "-S", "-B", str(WORKER), str(job), SITE_PACKAGES],
        cwd=job, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        close_fds=True, start_new_session=True,
    )
    deadline = start + limits.timeout
    finished = False
    while time.monotonic() < deadline:
        # WNOWAIT leaves the process a zombie, so its group id cannot be reused before the kill below.
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            finished = True
            break
        time.sleep(0.01)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything it left behind in its session dies with it
    except (ProcessLookupError, PermissionError):
        pass
    code = process.wait()
    return (code if finished else None), time.monotonic() - start


def _describe_exit(exercise_id: str, code: int, limits: Limits) -> str:
    if code < 0:
        reasons = {
            signal.SIGXCPU: f"used more than its CPU time ({limits.timeout:g} s)",
            signal.SIGXFSZ: f"wrote a file larger than {limits.output_mb} MiB",
            signal.SIGSEGV: "crashed (segmentation fault)",
            signal.SIGKILL: "was killed (out of memory?)",
            signal.SIGSYS: "made a system call the sandbox forbids",
        }
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"{exercise_id}: the process running your code {reasons.get(-code, f'died of signal {name}')}."
    return (f"{exercise_id}: the process running your code ended (exit status {code}) before returning its "
            "results: does your code call sys.exit, os._exit or quit?")


class Malformed(ValueError):
    """The worker's results cannot be read: only the student's own code can cause that."""


def _read_file(out: Path, name: Any, budget: list[int]) -> np.ndarray:
    if not isinstance(name, str) or not re.fullmatch(r"c\d+(_\d+)*\.npy", name):
        raise Malformed(f"bad file name {name!r}")
    info = os.lstat(out / name)  # lstat: a symbolic link or a pipe is not a result
    if not stat.S_ISREG(info.st_mode):
        raise Malformed(f"{name} is not a regular file")
    budget[0] -= info.st_size
    if budget[0] < 0:
        raise Malformed("the outputs are larger than the output limit")
    try:
        return np.load(out / name, allow_pickle=False)
    except Exception as error:
        raise Malformed(f"{name} is not a NumPy array file ({error})") from None


def decode(node: Any, out: Path, budget: list[int], depth: int = 0) -> Any:
    """Rebuild, from the worker's description, a stand-in for what the student's function returned.

    Arrays and numbers come back as themselves; anything else as an object of
    a new, empty class with the same name, so that ``judge`` can say what it was.
    """
    if not isinstance(node, dict) or depth > 3:
        raise Malformed("a result is not a description")
    kind = node.get("t")
    if kind == "none":
        return None
    if kind in ("bool", "int", "float"):
        value = node.get("v")
        expected = {"bool": bool, "int": int, "float": (int, float)}[kind]
        if not isinstance(value, expected) or (kind != "bool" and isinstance(value, bool)):
            raise Malformed(f"a {kind} that is not one")
        return {"bool": bool, "int": int, "float": float}[kind](value)
    if kind == "array":
        return _read_file(out, node.get("file"), budget)
    if kind == "npscalar":
        array = _read_file(out, node.get("file"), budget)
        if array.ndim != 0:
            raise Malformed("a NumPy scalar that is not 0-dimensional")
        return array[()]
    if kind == "object_array":
        return np.empty(0, dtype=object)  # judge reports its dtype, which it checks before the shape
    if kind in ("tuple", "list"):
        items = node.get("items")
        if not isinstance(items, list) or len(items) > 64:
            raise Malformed("a tuple without items")
        decoded = [decode(item, out, budget, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "other":
        module, qualname = node.get("module"), node.get("qualname")
        if not (isinstance(module, str) and isinstance(qualname, str)) or len(module) + len(qualname) > 400:
            raise Malformed("an object without a type name")
        return type(qualname or "object", (), {"__module__": module, "__qualname__": qualname})()
    raise Malformed(f"unknown result kind {kind!r}")


def decode_raised(node: Any) -> Raised:
    if not isinstance(node, dict):
        raise Malformed("an exception that is not described")
    fields = {key: node.get(key) for key in ("type_name", "message", "line")}
    if not all(isinstance(value, str) for value in fields.values()) or not isinstance(node.get("not_implemented"), bool):
        raise Malformed("an exception with missing fields")
    return Raised(**{key: value[:2000] for key, value in fields.items()}, not_implemented=node["not_implemented"])


def read_manifest(out: Path, n_cases: int, limits: Limits) -> dict:
    """The worker's manifest.json with every result decoded; Malformed if anything is off."""
    path = out / "manifest.json"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Malformed("no results were written") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
        raise Malformed("the results file is not a small regular file")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Malformed("the results file is not JSON") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("defined"), bool):
        raise Malformed("the results file does not describe a run")
    cell_error = manifest.get("cell_error")
    decoded = {"cell_error": None if cell_error is None else decode_raised(cell_error), "defined": manifest["defined"]}
    if manifest["defined"]:
        cases = manifest.get("cases")
        if not isinstance(cases, list) or len(cases) != n_cases:
            raise Malformed("the results do not cover every case")
        budget = [limits.output_mb * 2**20]
        results = []
        for case in cases:
            if not isinstance(case, dict):
                raise Malformed("a case result is not described")
            results.append(decode_raised(case["raised"]) if "raised" in case else decode(case.get("value"), out, budget))
        decoded["cases"] = results
    return decoded


def grade_exercise(exercise: Exercise, cells: list[dict], cases: list[Case], limits: Limits,
                   workdir: Path) -> ExerciseGrade:
    """Run ``cells`` (the last one the exercise's own) in a sandboxed process and judge the results here."""
    def verdict(status: str, message: str, points: float = 0) -> ExerciseGrade:
        return ExerciseGrade(exercise.id, points, exercise.points, status, message)

    job = Path(tempfile.mkdtemp(prefix="job-", dir=workdir))
    try:
        (job / "out").mkdir()
        spec = {
            "function": exercise.id.split(".", 1)[1],
            "cells": cells,
            "cases": _write_inputs(cases, job),
            "limits": {"memory_bytes": limits.memory_mb * 2**20, "cpu_seconds": int(limits.timeout) + 1,
                       "file_bytes": limits.output_mb * 2**20},
        }
        (job / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        code, _ = _run_worker(job, limits)
        if code is None:
            return verdict("timeout", f"{exercise.id}: did not finish within {limits.timeout:g} s (an infinite "
                                      "loop, or far too slow); the grader stopped it.")
        if code != 0 or not os.path.lexists(job / "out" / "manifest.json"):
            return verdict("error", _describe_exit(exercise.id, code, limits))
        try:
            results = read_manifest(job / "out", len(cases), limits)
        except Malformed as error:
            return verdict("error", f"{exercise.id}: the results of your code could not be read ({error}).")
    finally:
        shutil.rmtree(job, ignore_errors=True)

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
                                    f"({type(error).__name__}: {error}).")
        if problem is not None:
            crashed = isinstance(outputs, Raised) and not outputs.not_implemented
            return verdict("error" if crashed else "ok", problem)
    return verdict("ok", f"{exercise.id}: passed ({len(cases)} cases).", exercise.points)


# --- a whole folder ------------------------------------------------------------------------------


def grade_folder(folder: str | Path, chapters: list[int], seed: int, limits: Limits = Limits(),
                 jobs: int = 1, exercises_dir: Path = EXERCISES_DIR) -> list[StudentGrade]:
    """Grade every student in ``folder`` on the exercises of ``chapters``, with cases drawn from ``seed``."""
    if not hasattr(os, "waitid"):
        raise RuntimeError("grading needs a Unix system (it limits each student's process with setrlimit)")
    exercises = chapter_exercises(chapters)
    problem = seed_problem(exercises, seed)
    if problem is not None:
        raise ValueError(f"{problem}\nChoose another seed (or none, to draw one that works).")
    cases = {exercise.id: exercise.make_cases(seed) for exercise in exercises}
    cell_ids = released_cell_ids(exercises_dir) if exercises_dir.is_dir() else {}
    students = []
    tasks = []
    for name, paths in find_submissions(folder).items():
        student = StudentGrade(name, paths)
        cells_by_notebook = []
        for path in paths:
            try:
                cells_by_notebook.append(read_cells(path))
            except (OSError, ValueError) as error:
                student.invalid = True
                student.notes.append(f"invalid notebook: {error}")
        plans, notes = locate_exercises(cells_by_notebook, [exercise.id for exercise in exercises], cell_ids)
        student.notes += notes
        for exercise in exercises:
            if exercise.id in plans:
                tasks.append((student, exercise, plans[exercise.id]))
        students.append(student)

    workdir = Path(tempfile.mkdtemp(prefix="companion-grade-"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {(student.student, exercise.id): pool.submit(grade_exercise, exercise, cells, cases[exercise.id], limits, workdir)
                       for student, exercise, cells in tasks}
            for student in students:
                for exercise in exercises:
                    future = futures.get((student.student, exercise.id))
                    if future is not None:
                        student.exercises.append(future.result())
                    else:
                        student.exercises.append(ExerciseGrade(
                            exercise.id, 0, exercise.points, "missing",
                            f"{exercise.id}: no cell tagged {exercise.id} in your notebooks; "
                            "keep the exercise's cell and its tag."))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return students


def _number(value: float) -> str:
    return f"{value:g}"


def write_csv(students: list[StudentGrade], path: str | Path, exercise_ids: list[str], seed: int) -> None:
    """One row per student: id, each exercise's points, total, max, status, seed, version."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", *exercise_ids, "total", "max", "status", "seed", "version"])
        for student in students:
            points = {grade.exercise_id: grade.points for grade in student.exercises}
            writer.writerow([student.student, *(_number(points[i]) for i in exercise_ids), _number(student.total),
                             _number(student.max_points), student.status, seed, __version__])


def feedback_text(student: StudentGrade, seed: int) -> str:
    """The feedback a student reads: their total, then each exercise's status, points and check message."""
    lines = [
        f"Feedback for {student.student}",
        f"Total: {_number(student.total)} / {_number(student.max_points)} points; status: {student.status}",
        f"Graded with companion {__version__} on inputs drawn from seed {seed}.",
        f"Notebooks read: {', '.join(path.name for path in student.notebooks) or 'none'}",
        "",
    ]
    lines += [f"Note: {note}" for note in student.notes] + ([""] if student.notes else [])
    for grade in student.exercises:
        lines.append(f"{grade.exercise_id} ({_number(grade.points)}/{_number(grade.max_points)}, {grade.status})")
        for line in grade.message.splitlines():
            lines += textwrap.wrap(line, 72, initial_indent="    ", subsequent_indent="      ", break_long_words=False)
        lines.append("")
    return "\n".join(lines)


def write_feedback(students: list[StudentGrade], folder: str | Path, seed: int) -> list[Path]:
    """One ``<student>.txt`` per student in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student in students:
        path = folder / f"{student.student}.txt"
        path.write_text(feedback_text(student, seed), encoding="utf-8")
        written.append(path)
    return written


@functools.cache
def sandbox_report() -> dict[str, bool]:
    """What the worker's sandbox blocks on this machine, found by running the worker on harmless probes."""
    workdir = Path(tempfile.mkdtemp(prefix="companion-probe-"))
    try:
        job = workdir / "job"
        (job / "out").mkdir(parents=True)
        outside = workdir / "outside.txt"
        outside.write_text("a file the worker must not read\n", encoding="utf-8")
        spec = {"probe": str(outside), "limits": {"memory_bytes": 1024 * 2**20, "cpu_seconds": 10, "file_bytes": 2**20}}
        (job / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        code, _ = _run_worker(job, Limits(timeout=20))
        if code != 0:
            return {}
        return json.loads((job / "out" / "manifest.json").read_text(encoding="utf-8"))["probe"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="exercises graded at once")


def run(args: argparse.Namespace) -> int:
    try:
        chapters = parse_chapters(args.chapters)
        exercise_ids = [exercise.id for exercise in chapter_exercises(chapters)]
        seed = args.seed if args.seed is not None else draw_seed(chapter_exercises(chapters))
        limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
        students = grade_folder(args.submissions, chapters, seed, limits, jobs=args.jobs)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    csv_path = Path(args.csv)
    feedback = Path(args.feedback) if args.feedback else csv_path.with_name(f"{csv_path.stem}_feedback")
    write_csv(students, csv_path, exercise_ids, seed)
    write_feedback(students, feedback, seed)
    width = max([len(student.student) for student in students] + [7])
    for student in students:
        print(f"{student.student:<{width}}  {_number(student.total):>5} / {_number(student.max_points):<5} {student.status}")
    held = [name.replace("_", " ") for name, value in sandbox_report().items() if value]
    print(f"graded {len(students)} submission(s) on {len(exercise_ids)} exercise(s), seed {seed}")
    print(f"sandbox: {', '.join(held) or 'resource limits only'}")
    print(f"wrote {csv_path} and {len(students)} feedback file(s) in {feedback}")
    return 0
