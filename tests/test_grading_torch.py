"""Grading exercises that are about PyTorch (chapter 13): the worker preloads torch, then confines the code.

Without the preload, the sandbox (standard library and NumPy only) turned a correct
``import torch`` into a ModuleNotFoundError, and a reference solution scored 1 of 4.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from companion.course.grading import Limits, grade_folder, sandbox_report
from companion.course.grading_worker import PRELOADABLE, preload
from companion.course.release import release
from companion.exercises import EXERCISES
from companion.exercises.notebooks import solve_notebook

SEED = 2026
LIMITS = Limits(timeout=20.0)  # importing torch is done before the clock starts; a step takes milliseconds
TORCH_IDS = [eid for eid, exercise in EXERCISES.items() if "torch" in exercise.preload]


@pytest.fixture(scope="module")
def solved13(tmp_path_factory) -> nbformat.NotebookNode:
    out = tmp_path_factory.mktemp("release13")
    release([13], out)
    return solve_notebook(nbformat.read(out / "ch13_training_pytorch.ipynb", as_version=4))


def with_source(notebook, tag: str, source: str):
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in copy.cells:
        if tag in cell.metadata.get("tags", []):
            cell.source = source
    return copy


def grade(tmp_path, notebooks: dict[str, nbformat.NotebookNode], limits: Limits = LIMITS):
    for name, notebook in notebooks.items():
        path = tmp_path / "subs" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
    return {s.student: s for s in grade_folder(tmp_path / "subs", [13], SEED, limits, jobs=2)}


def test_the_exercises_about_pytorch_say_so():
    assert set(TORCH_IDS) == {"ch13.clipped_sgd_step", "ch13.seeded_draws", "ch13.bits_per_character"}
    assert all(set(exercise.preload) <= set(PRELOADABLE) for exercise in EXERCISES.values())


def test_only_torch_can_be_preloaded():
    with pytest.raises(ValueError, match=r"the grader preloads only \('torch',\); got 'os'"):
        preload("os", "/nonexistent")


def test_reference_solutions_in_pytorch_earn_every_point(tmp_path, solved13):
    student = grade(tmp_path, {"ada": solved13})["ada"]
    assert (student.total, student.status) == (4, "ok"), [g.message for g in student.exercises]


def test_wrong_pytorch_code_is_still_judged_wrong(tmp_path, solved13):
    # clipping after the step: the classic mistake, in real PyTorch
    late_clip = '''
def clipped_sgd_step(W, b, x, y, lr, max_norm):
    import torch
    W_t = torch.tensor(W, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    optimizer = torch.optim.SGD([W_t, b_t], lr=lr)
    loss = torch.mean((torch.from_numpy(x) @ W_t.T + b_t - torch.from_numpy(y)) ** 2)
    loss.backward()
    optimizer.step()
    norm = torch.nn.utils.clip_grad_norm_([W_t, b_t], max_norm)
    return W_t.detach().numpy(), b_t.detach().numpy(), norm.item()
'''
    student = grade(tmp_path, {"bob": with_source(solved13, "ch13.clipped_sgd_step", late_clip)})["bob"]
    points = {grade.exercise_id: grade.points for grade in student.exercises}
    assert points["ch13.clipped_sgd_step"] == 0 and student.total == 3
    assert "wrong" in {grade.outcome for grade in student.exercises}


@pytest.mark.skipif(not sandbox_report()["probe"].get("memory_limited"), reason="no memory limit here")
def test_the_memory_limit_still_holds_on_top_of_torch(tmp_path, solved13):
    hog = '''
def bits_per_character(logits, targets):
    import torch
    block = torch.ones(2**28, dtype=torch.float64)  # 2 GiB, over --memory-mb 1024
    return float(block.sum())
'''
    student = grade(tmp_path, {"hog": with_source(solved13, "ch13.bits_per_character", hog)})["hog"]
    by_id = {grade.exercise_id: grade for grade in student.exercises}
    assert by_id["ch13.bits_per_character"].points == 0
    assert "memory" in by_id["ch13.bits_per_character"].message.lower()
    assert student.total == 3  # the other exercises, in the same worker, are unharmed
