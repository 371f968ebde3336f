"""Read a folder of submissions as the grader sees it: students, their notebooks, the cells to run.

A submission is a notebook file, or a folder (one per student) of notebooks
at any depth. Only regular files are read: a symbolic link, a FIFO, a device
or a file over ``MAX_NOTEBOOK_BYTES`` is refused with a note, never opened
(so a link to another student's notebook or to /dev/zero earns nothing, and a
FIFO cannot hang the grader). File names are bytes on Linux: they are decoded
as UTF-8, or else as Latin-1 (zips made on Windows), so every name is text.

A student's id comes from the file's name (or the folder's) by a regular
expression whose group ``student`` is the id. The default strips what
learning platforms add: a trailing copy number (``-1``, `` (1)``), a chapter
slug or ``chNN``, Moodle's ``_assignsubmission_file``, Canvas's ``_LATE`` and
numeric user and submission ids; so ``lovelaceada_LATE_12345_67890_ch07_vanilla_rnn-1.ipynb``
is ``lovelaceada`` and ``ch07_vanilla_rnn (1).ipynb`` is ``ch07_vanilla_rnn``.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from companion.course.course_map import CHAPTERS
from companion.exercises.notebooks import exercise_cells, read_notebook

MAX_NOTEBOOK_BYTES = 50 * 2**20
_CHAPTER_NAMES = "|".join(sorted({re.escape(name) for ch in CHAPTERS for name in (ch.slug, f"ch{ch.number:02d}")},
                                  key=len, reverse=True))
DEFAULT_STUDENT_PATTERN = (
    rf"(?P<student>.+?)(?:_LATE)?(?:_\d+)*(?:_assignsubmission_file)?"
    rf"(?:[ ._-]*(?:{_CHAPTER_NAMES}))?(?: \(\d+\)|-\d+)*"
)


class Refused(ValueError):
    """A file the grader will not read: not a regular file, or too large."""


@dataclass
class Submission:
    """One student's notebooks, and notes on files that were refused."""

    notebooks: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def decode_name(name: str) -> str:
    """A file name as text: UTF-8 if its bytes are UTF-8, else Latin-1 (which decodes any bytes)."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def compile_pattern(pattern: str | None) -> re.Pattern:
    """``--student-pattern``: a regular expression with a group ``student`` (or one group); ValueError otherwise."""
    try:
        compiled = re.compile(pattern or DEFAULT_STUDENT_PATTERN)
    except re.error as error:
        raise ValueError(f"--student-pattern is not a regular expression: {error}") from None
    if "student" not in compiled.groupindex and compiled.groups != 1:
        raise ValueError("--student-pattern needs a group named student, e.g. (?P<student>[a-z]+)_ch07, or exactly one group")
    return compiled


def student_id(stem: str, pattern: re.Pattern | None = None) -> str:
    """The student of a file name without extension (or of a folder name): the pattern's group, or the name."""
    match = (pattern or compile_pattern(None)).fullmatch(stem)
    if match is None:
        return stem
    found = match.group("student") if "student" in match.re.groupindex else match.group(1)
    return found or stem


def _hidden(name: str) -> bool:
    return name.startswith((".", "__"))


def find_submissions(folder: str | Path, pattern: re.Pattern | None = None) -> dict[str, Submission]:
    """``{student id: Submission}``: one per notebook file ``alice.ipynb``, or per folder ``alice/``.

    Hidden files and folders (``.ipynb_checkpoints``) are skipped; symbolic
    links and special files named ``*.ipynb`` are refused with a note.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder of submissions: {folder}")
    pattern = pattern or compile_pattern(None)
    students: dict[str, Submission] = {}
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if _hidden(entry.name):
            continue
        name = decode_name(entry.name)
        if entry.is_dir(follow_symlinks=False):
            submission = students.setdefault(student_id(name, pattern), Submission())
            _collect(Path(entry.path), Path(name), submission)
        elif name.endswith(".ipynb") or entry.is_symlink():
            submission = students.setdefault(student_id(name.removesuffix(".ipynb"), pattern), Submission())
            _add(entry, Path(name), submission)
    return students


def _collect(folder: Path, shown: Path, submission: Submission) -> None:
    """Add every notebook under ``folder`` to ``submission``, without following links."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        submission.refused.append(f"{shown} could not be read ({error.strerror})")
        return
    for entry in entries:
        if _hidden(entry.name):
            continue
        name = shown / decode_name(entry.name)
        if entry.is_dir(follow_symlinks=False):
            _collect(Path(entry.path), name, submission)
        elif entry.name.endswith(".ipynb") or entry.is_symlink():
            _add(entry, name, submission)


def _add(entry: os.DirEntry, shown: Path, submission: Submission) -> None:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as error:
        submission.refused.append(f"{shown} could not be read ({error.strerror})")
        return
    if stat.S_ISREG(info.st_mode):
        submission.notebooks.append(Path(entry.path))
    else:
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file (a FIFO, device or socket)"
        submission.refused.append(f"{shown} was refused: it is {kind}")


def read_bytes(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, opened without following a link; Refused otherwise."""
    shown = decode_name(path.name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise Refused(f"{shown} could not be opened ({error.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{shown} was refused: it is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{shown} was refused: it is larger than {limit // 2**20} MiB")
    return data


def read_cells(path: Path) -> list[dict]:
    """The code cells of a notebook as ``{"id", "tags", "source"}``; ValueError if it is not a notebook."""
    shown = decode_name(path.name)
    data = read_bytes(path)
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise ValueError(f"{shown} is not valid JSON ({reason})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{shown} is JSON but not a notebook (nbformat 4): it has no list of cells")
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
            raise ValueError(f"{shown} has a code cell whose source is not text")
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        cells.append({"id": cell_id, "tags": [tag for tag in tags if isinstance(tag, str)], "source": source})
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


def released_cell_ids(exercises_dir: Path) -> dict[str, str]:
    """``{exercise id: cell id}`` in the course's own notebooks, the cells that ``release`` hands out."""
    ids = {}
    for path in sorted(exercises_dir.glob("ch*.ipynb")):
        ids.update({exercise_id: cell.id for exercise_id, cell in exercise_cells(read_notebook(path)).items() if "id" in cell})
    return ids
