"""``python -m companion release``: student notebooks cleared, locked, stamped, with a README."""

from __future__ import annotations

import json

import nbformat
import pytest

from companion import __version__
from companion.__main__ import main
from companion.course.course_map import CHAPTERS
from companion.exercises import EXERCISES
from companion.exercises.notebooks import exercise_sources, solve_files
from companion.course.release import EXERCISES_DIR, release

CH07 = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch07.")]


@pytest.fixture
def released(tmp_path):
    written = release([7], tmp_path / "handout")
    return tmp_path / "handout", written


def test_release_writes_the_notebook_and_a_readme(released):
    out, written = released
    assert written == [out / "ch07_vanilla_rnn.ipynb", out / "README.md"]
    readme = (out / "README.md").read_text()
    assert "`ch07_vanilla_rnn.ipynb` | 7. A vanilla RNN, forward and backward | 4 | 4 |" in readme
    assert __version__ in readme and "How to hand in" in readme


def test_released_notebook_has_no_outputs_and_keeps_every_stub(released):
    out, _ = released
    notebook = nbformat.read(out / "ch07_vanilla_rnn.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert exercise_sources(out / "ch07_vanilla_rnn.ipynb") == exercise_sources(EXERCISES_DIR / "ch07_vanilla_rnn.ipynb")


def test_check_cells_are_locked_and_exercise_cells_cannot_be_deleted(released):
    out, _ = released
    notebook = nbformat.read(out / "ch07_vanilla_rnn.ipynb", as_version=4)
    checks = [cell for cell in notebook.cells if "check" in cell.metadata.get("tags", [])]
    stubs = [cell for cell in notebook.cells if set(cell.metadata.get("tags", [])) & set(CH07)]
    assert len(checks) == len(stubs) == len(CH07)
    assert all(cell.metadata["editable"] is False and cell.metadata["deletable"] is False for cell in checks)
    assert all(cell.metadata["deletable"] is False and "editable" not in cell.metadata for cell in stubs)


def test_version_chapter_and_exercises_are_stamped_in_the_metadata(released):
    out, _ = released
    stamp = json.loads((out / "ch07_vanilla_rnn.ipynb").read_text())["metadata"]["companion"]
    assert stamp["version"] == __version__
    assert (stamp["chapter"], stamp["slug"]) == (7, "ch07_vanilla_rnn")
    assert stamp["exercises"] == {exercise_id: EXERCISES[exercise_id].points for exercise_id in CH07}


def course_with_chapter_7_only(tmp_path):
    """A source folder holding chapter 7's notebook and no other: every other chapter has none."""
    source = tmp_path / "course"
    source.mkdir()
    (source / "ch07_vanilla_rnn.ipynb").write_bytes((EXERCISES_DIR / "ch07_vanilla_rnn.ipynb").read_bytes())
    return source


def test_a_chapter_without_a_notebook_is_a_clear_error_and_nothing_is_written(tmp_path):
    source = course_with_chapter_7_only(tmp_path)
    with pytest.raises(FileNotFoundError, match="no notebook yet for chapter 8 "):
        release([7, 8], tmp_path / "handout", exercises_dir=source)
    assert not (tmp_path / "handout").exists()


def test_a_solved_notebook_is_never_released(tmp_path):
    solve_files([EXERCISES_DIR / "ch07_vanilla_rnn.ipynb"], tmp_path / "course")
    with pytest.raises(ValueError, match="holds the reference solution"):
        release([7], tmp_path / "handout", exercises_dir=tmp_path / "course")


def test_command_line_release(tmp_path, capsys):
    assert main(["release", "--chapters", "7", "--out", str(tmp_path / "handout")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "handout" / "ch07_vanilla_rnn.ipynb").exists()
    assert main(["release", "--chapters", "7,40", "--out", str(tmp_path / "other")]) == 1
    assert "unknown chapter" in capsys.readouterr().err
    source = course_with_chapter_7_only(tmp_path)
    absent = next(ch for ch in CHAPTERS if ch.number == 8)
    assert main(["release", "--chapters", "8", "--out", str(tmp_path / "other"), "--source", str(source)]) == 1
    assert f"chapter 8 ({source / absent.slug}.ipynb)" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
