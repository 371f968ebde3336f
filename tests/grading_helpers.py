"""Submissions for the grader's tests: chapter 7 as released and as solved, and cells swapped in."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from companion.course.release import release
from companion.exercises.notebooks import solve_notebook

def with_cells(notebook: nbformat.NotebookNode, replacements: dict[str, str], append: dict[str, str] = {}) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with the cells tagged by the keys of ``replacements`` replaced (or appended to)."""
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in copy.cells:
        for tag in cell.metadata.get("tags", []):
            if tag in replacements:
                cell.source = replacements[tag]
            if tag in append:
                cell.source += append[tag]
    return copy


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("release")
    release([7], out)
    return nbformat.read(out / "ch07_vanilla_rnn.ipynb", as_version=4)


@pytest.fixture(scope="module")
def solved(released) -> nbformat.NotebookNode:
    return solve_notebook(released)
