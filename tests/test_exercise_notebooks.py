"""The student notebooks in exercises/: clean, consistent with the references, and runnable."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from companion.exercises import EXERCISES
from companion.exercises.__main__ import main
from companion.exercises.notebooks import exercise_cells, exercise_sources, read_notebook, solve_files

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb"))


def test_there_are_exercise_notebooks():
    assert NOTEBOOKS, "no notebooks in exercises/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = read_notebook(path)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source
            assert cell.execution_count is None, cell.source


def test_every_exercise_has_a_stub_in_exactly_one_notebook():
    found = [exercise_id for path in NOTEBOOKS for exercise_id in exercise_sources(path)]
    assert sorted(found) == sorted(EXERCISES)


def function_def(source: str) -> ast.FunctionDef:
    body = ast.parse(source).body
    functions = [node for node in body if isinstance(node, ast.FunctionDef)]
    assert len(functions) == 1, source
    return functions[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stubs_have_the_reference_signature_and_raise(path):
    for exercise_id, source in exercise_sources(path).items():
        stub = function_def(source)
        reference = function_def(inspect.getsource(EXERCISES[exercise_id].reference))
        assert stub.name == reference.name
        assert ast.dump(stub.args) == ast.dump(reference.args), exercise_id
        assert ast.get_docstring(stub), f"{exercise_id}: the stub needs a docstring with shapes"
        assert ast.unparse(stub.body[-1]) == "raise NotImplementedError", exercise_id


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_stub_is_followed_by_its_check_cell(path):
    notebook = read_notebook(path)
    assert "from companion.exercises import check" in notebook.cells[1].source
    assert "import numpy as np" in notebook.cells[1].source
    for exercise_id, cell in exercise_cells(notebook).items():
        following = notebook.cells[notebook.cells.index(cell) + 1]
        name = exercise_id.split(".")[1]
        assert following.source == f'check("{exercise_id}", {name})'
        assert following.metadata.tags == ["check"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "companion.exercises", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_solve_cli_replaces_stubs_with_reference_source(tmp_path):
    result = run_cli("solve", *[str(path.relative_to(ROOT)) for path in NOTEBOOKS], "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for path in NOTEBOOKS:
        original, solved = read_notebook(path), read_notebook(tmp_path / path.name)
        stubs = exercise_cells(original)
        assert len(solved.cells) == len(original.cells)
        for before, after in zip(original.cells, solved.cells):
            exercise_id = next((i for i, cell in stubs.items() if cell is before), None)
            if exercise_id is None:
                assert after == before
            else:
                assert after.source == inspect.getsource(EXERCISES[exercise_id].reference).rstrip("\n")
                assert after.metadata == before.metadata


def test_solve_cli_reports_missing_files(tmp_path, capsys):
    assert main(["solve", "exercises/no_such.ipynb", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: no such notebook: exercises/no_such.ipynb\n"


def test_solve_cli_reports_unknown_tags(tmp_path, capsys):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("def rnn_nope():\n    raise NotImplementedError")
    cell.metadata["tags"] = ["ch07.rnn_nope"]
    notebook.cells = [cell]
    nbformat.write(notebook, tmp_path / "bad.ipynb")
    assert main(["solve", str(tmp_path / "bad.ipynb"), "--out", str(tmp_path / "out")]) == 1
    assert "bad.ipynb: unknown exercise 'ch07.rnn_nope'; ch07 has: ch07.rnn_step_forward" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_list_cli_prints_ids_and_titles(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(EXERCISES)
    for line, (exercise_id, exercise) in zip(lines, EXERCISES.items()):
        assert line.startswith(exercise_id + " ") and line.endswith(exercise.title)


# --- running the notebooks in a kernel ------------------------------------------------


def execute(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel on this interpreter (the venv's python).

    An empty kernel_dirs makes jupyter_client use ipykernel's built-in spec,
    whose command is sys.executable, whatever python3 kernelspecs are installed.
    """
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    assert manager.kernel_spec.argv[0] == sys.executable
    NotebookClient(notebook, km=manager, timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def check_cell_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """The text printed by each check cell, after asserting it printed only to stdout."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert all(output.output_type == "stream" and output.name == "stdout" for output in cell.outputs), cell.outputs
        if "check" in cell.metadata.get("tags", []):
            texts.append("".join(output.text for output in cell.outputs))
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_unsolved_notebook_runs_and_reports_not_implemented(path, tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_STRICT", raising=False)
    texts = check_cell_outputs(execute(read_notebook(path), tmp_path))
    assert len(texts) == len(exercise_sources(path))
    for text in texts:
        assert "is not implemented yet" in text


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solved_notebook_passes_in_strict_mode(path, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_STRICT", "1")
    [solved] = solve_files([path], tmp_path)
    texts = check_cell_outputs(execute(read_notebook(solved), tmp_path))
    exercise_ids = list(exercise_sources(path))
    assert texts == [f"{i}: passed ({len(EXERCISES[i].make_cases())} cases).\n" for i in exercise_ids]


@pytest.mark.slow
def test_exception_in_a_notebook_cell_shows_the_cells_line(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_STRICT", raising=False)
    notebook = read_notebook(ROOT / "exercises" / "ch07_vanilla_rnn.ipynb")
    stub = exercise_cells(notebook)["ch07.rnn_step_forward"]
    stub.source = (
        "def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
        "    a = x_t @ W_ih + b_ih  # forgot the transpose\n"
        "    return np.tanh(a + h_prev @ W_hh.T + b_hh)"
    )
    text = check_cell_outputs(execute(notebook, tmp_path))[0]
    assert text.startswith('ch07.rnn_step_forward raised ValueError in case "B=1, D=3, H=4": matmul')
    assert text.rstrip().endswith("at your line 2: a = x_t @ W_ih + b_ih  # forgot the transpose")
