"""Hand chapters' exercise notebooks to students: ``python -m companion release --chapters 7,8 --out DIR``.

For each chapter the notebook ``exercises/<slug>.ipynb`` is copied with

- every output and execution count cleared;
- the check cells (tagged ``check``) locked: ``editable: false`` and
  ``deletable: false`` in their metadata, which JupyterLab and Notebook obey;
- the exercise cells made undeletable (they stay editable: that is the work),
  so that their tags, by which the grader finds them, survive;
- the package version, the chapter and its exercises stamped into the
  notebook's metadata under ``companion``;

and a short README.md for students is written next to them. A chapter with
no notebook yet is an error that names it, and nothing is written.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import sys
from pathlib import Path

import nbformat

from companion import __version__
from companion.course.course_map import Chapter, chapter
from companion.exercises import get_exercise
from companion.exercises.notebooks import exercise_cells, read_notebook
from companion.course.grading import parse_chapters

EXERCISES_DIR = Path(__file__).resolve().parents[2] / "exercises"
CHECK_TAG = "check"


def student_notebook(notebook: nbformat.NotebookNode, ch: Chapter) -> nbformat.NotebookNode:
    """A copy of a course notebook as students get it: cleared, locked and stamped."""
    released = copy.deepcopy(notebook)
    stubs = exercise_cells(released)
    for exercise_id, cell in stubs.items():
        reference = inspect.getsource(get_exercise(exercise_id).reference).strip()
        if cell.source.strip() == reference:
            raise ValueError(f"the cell of {exercise_id} holds the reference solution; release the stubs instead")
    for cell in released.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        tags = cell.get("metadata", {}).get("tags", [])
        if CHECK_TAG in tags:
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        elif any(cell is stub for stub in stubs.values()):
            cell.metadata["deletable"] = False
    released.metadata["companion"] = {
        "version": __version__,
        "chapter": ch.number,
        "slug": ch.slug,
        "title": ch.title,
        "exercises": {exercise_id: get_exercise(exercise_id).points for exercise_id in stubs},
    }
    nbformat.validate(released)
    return released


def readme(chapters: list[Chapter], notebooks: dict[int, nbformat.NotebookNode]) -> str:
    """The students' README: what is here, how to work, what is graded, how to hand in."""
    lines = [
        "# Exercises: Recurrent Neural Networks, from equations to practice",
        "",
        f"Released with the course package `companion` {__version__}.",
        "",
        "| notebook | chapter | exercises | points |",
        "| --- | --- | --- | --- |",
    ]
    for ch in chapters:
        points = notebooks[ch.number].metadata["companion"]["exercises"]
        lines.append(f"| `{ch.slug}.ipynb` | {ch.number}. {ch.title} | {len(points)} | {sum(points.values())} |")
    lines += [
        "",
        "## How to work",
        "",
        "1. Open the notebooks in JupyterLab with the course package installed: from the course",
        "   repository, `make lab` does both.",
        "2. Run the setup cell once. Then, for each exercise, replace `raise NotImplementedError`",
        "   with your code and run the check cell below it. The check names the first thing that is",
        "   wrong, or says `passed`.",
        "3. The check cells are locked. Do not rename the functions, and keep each exercise in its",
        "   own cell: the grader finds that cell by its tag (open the property inspector to see it).",
        "",
        "## How your work is graded",
        "",
        "The grader takes the code of each exercise cell, runs it in a fresh Python process with",
        "only `numpy` (imported as `np`) and your earlier exercise cells, and calls your function on",
        "new inputs of the same kind as the check's. So:",
        "",
        "- put any helper function inside the exercise's cell, or in an earlier exercise cell;",
        "- do not import `companion` in an exercise cell: it is not available to the grader;",
        "- outputs in the notebook, and what the check cells printed, are ignored.",
        "",
        "Each exercise is run with a time limit of a few seconds and a memory limit, so an",
        "infinite loop costs that exercise only.",
        "",
        "## How to hand in",
        "",
        "Save the notebooks and submit the `.ipynb` files as your instructor asks: the file names",
        "may be prefixed with your name or id (`ada_ch07_vanilla_rnn.ipynb`), or the files may sit",
        "in a folder named after you.",
        "",
    ]
    return "\n".join(lines)


def release(chapters: list[int], out_dir: str | Path, exercises_dir: str | Path = EXERCISES_DIR) -> list[Path]:
    """Write the student notebooks of ``chapters`` and a README into ``out_dir``; return the paths written.

    Raises FileNotFoundError naming every chapter without a notebook, before writing anything.
    """
    exercises_dir = Path(exercises_dir)
    wanted = [chapter(number) for number in parse_chapters(",".join(str(number) for number in chapters))]
    missing = [ch for ch in wanted if not (exercises_dir / f"{ch.slug}.ipynb").is_file()]
    if missing:
        names = ", ".join(f"chapter {ch.number} ({exercises_dir / ch.slug}.ipynb)" for ch in missing)
        have = sorted(path.stem for path in exercises_dir.glob("ch*.ipynb"))
        raise FileNotFoundError(f"no notebook yet for {names}; notebooks that exist: {', '.join(have) or 'none'}")
    notebooks = {ch.number: student_notebook(read_notebook(exercises_dir / f"{ch.slug}.ipynb"), ch) for ch in wanted}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ch in wanted:
        path = out_dir / f"{ch.slug}.ipynb"
        nbformat.write(notebooks[ch.number], path)
        written.append(path)
    (out_dir / "README.md").write_text(readme(wanted, notebooks), encoding="utf-8")
    return written + [out_dir / "README.md"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chapters", required=True, help="chapter numbers, e.g. 7,8")
    parser.add_argument("--out", required=True, help="folder for the student notebooks and README.md")
    parser.add_argument("--source", default=str(EXERCISES_DIR), help="the course's notebooks (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    try:
        written = release(parse_chapters(args.chapters), args.out, args.source)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companion release", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
