"""Exercise notebooks: find the cells tagged with an exercise id, and solve them.

A stub cell carries its exercise id as a cell tag, e.g. ``tags: ["ch07.rnn_forward"]``;
the check cell after it is tagged ``check``. ``exercise_sources`` extracts the
code of the stub cells (what a grader runs); ``solve_notebook`` replaces each
stub with the source of its reference solution (what the tests run).
"""

from __future__ import annotations

import copy
import inspect
import re
from pathlib import Path

import nbformat

from companion.exercises import get_exercise

# A tag that names an exercise: "ch07.rnn_forward". Other tags ("check",
# "remove-cell", ...) are left alone.
EXERCISE_TAG = re.compile(r"^ch\d\d\.\w+$")


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` (nbformat 4); FileNotFoundError naming the path if missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such notebook: {path}")
    return nbformat.read(path, as_version=4)


def exercise_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """``{exercise id: code cell}`` for every code cell tagged with an exercise id.

    Raises ValueError if an id tags two cells, or one cell carries two ids.
    """
    cells: dict[str, nbformat.NotebookNode] = {}
    for cell in notebook.cells:
        ids = [tag for tag in cell.get("metadata", {}).get("tags", []) if EXERCISE_TAG.match(tag)]
        if not ids:
            continue
        if len(ids) > 1 or cell.cell_type != "code":
            raise ValueError(f"a stub is one code cell with one exercise tag; found a {cell.cell_type} cell tagged {ids}")
        if ids[0] in cells:
            raise ValueError(f"exercise {ids[0]!r} tags more than one cell")
        cells[ids[0]] = cell
    return cells


def exercise_sources(path: str | Path) -> dict[str, str]:
    """``{exercise id: source of its cell}`` for the notebook at ``path``."""
    return {exercise_id: cell.source for exercise_id, cell in exercise_cells(read_notebook(path)).items()}


def solve_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with each stub replaced by its reference solution's source.

    Everything else (markdown, check cells, metadata, tags) is unchanged.
    Raises ValueError for a tag that is not a known exercise id.
    """
    solved = copy.deepcopy(notebook)
    for exercise_id, cell in exercise_cells(solved).items():
        cell.source = inspect.getsource(get_exercise(exercise_id).reference).rstrip("\n")
    return solved


def solve_files(paths: list[str | Path], out_dir: str | Path) -> list[Path]:
    """Write solved copies of the notebooks ``paths`` into ``out_dir``; return their paths.

    Every input is read and solved before anything is written, so an error
    leaves ``out_dir`` untouched.
    """
    paths = [Path(path) for path in paths]
    names = [path.name for path in paths]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"two notebooks would be written to the same file: {', '.join(duplicates)}")
    solved = []
    for path in paths:
        try:
            solved.append(solve_notebook(read_notebook(path)))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, notebook in zip(paths, solved):
        nbformat.write(notebook, out_dir / path.name)
        written.append(out_dir / path.name)
    return written
