"""The grader on a folder of generated submissions: honest, wrong, broken and hostile.

Every submission is built here, in a temporary folder, from the released
chapter 7 notebook: its exercise cells are replaced by the reference solutions,
by typical mistakes, or by code that attacks the grader. The test asserts the
points and status of each one, and that the whole run finishes in bounded time.
"""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from companion import __version__
from companion.__main__ import main
from companion.exercises import EXERCISES, get_exercise
from companion.exercises.checking import Case, Exercise
from companion.course.grading import (
    OUTCOMES,
    Limits,
    draw_seed,
    find_submissions,
    grade_folder,
    sandbox_report,
    seed_problem,
    student_id,
)
from companion.course.grading_sandbox import Sandbox
from companion.course import grading
from grading_helpers import released, solved, with_cells, write  # noqa: F401  (fixtures)

IDS = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch07.")]
SF, SB, F, B = IDS  # rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward
SEED = 2026
TIMEOUT = 5.0  # seconds per exercise: short, so the infinite loops cost little
JOBS = 2

# --- sources of exercise cells: mistakes and attacks ----------------------------------------

STEP_FORWARD_WITHOUT_B_HH = '''
def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T)
'''

BACKWARD_WITH_ZERO_STATE_AT_T0 = '''
def rnn_backward(dh, x, h0, h, W_ih, W_hh):
    T, B, D = x.shape
    dx, dW_ih, dW_hh = np.zeros_like(x), np.zeros_like(W_ih), np.zeros_like(W_hh)
    db, dh_next = np.zeros(h0.shape[1]), np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[t] + dh_next) * (1 - h[t] ** 2)
        h_prev = h[t - 1] if t > 0 else np.zeros_like(h0)  # the classic bug: h0 is not zero
        dx[t] = da @ W_ih
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ h_prev
        db += da.sum(axis=0)
        dh_next = da @ W_hh
    return dx, dh_next, dW_ih, dW_hh, db
'''

RAISES_AT_IMPORT = "\nraise RuntimeError('this cell fails as soon as it runs')\n"

BACKWARD_INDEX_ERROR = '''
def rnn_backward(dh, x, h0, h, W_ih, W_hh):
    return x[x.shape[0]]
'''

FORWARD_LOOPS_FOREVER = '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    while True:
        pass
'''

STEP_BACKWARD_EATS_MEMORY = '''
def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    blocks = []
    while True:
        blocks.append(np.ones(10**7))  # 80 MB more each time, until the limit stops it
'''

BACKWARD_EATS_MEMORY_AT_IMPORT = "\nwaste = bytearray(2**40)\n"

FORWARD_EXITS = '''
import os

def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    os._exit(0)
'''

STEP_BACKWARD_SYS_EXIT = '''
import sys

def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    sys.exit(3)
'''

PATCH_CHECK_IN_SETUP = '''import numpy as np
from companion.exercises import check
import companion.exercises.checking as checking
checking.judge = lambda *args: None
check = lambda *args, **kwargs: print("passed")
'''

PATCH_CHECK_IN_CELL = '''
import companion.exercises.checking as checking
checking.judge = lambda *args: None
checking.check_exercise = lambda *args: None
'''

RETURNS_PASSED = '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    print("ch07.rnn_forward: passed (3 cases).")
    return "passed"
'''

FORGE_MANIFEST_AND_EXIT = '''
import json, os, sys
json.dump({"status": "ok", "points": 100, "passed": True, "defined": "yes"},
          open(os.path.join(sys.argv[1], "out", "manifest.json"), "w"))
os._exit(0)
'''

FORGE_ZERO_ARRAYS = '''
import json, os, sys
import numpy as np

def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    out = os.path.join(sys.argv[1], "out")
    job = json.load(open(os.path.join(sys.argv[1], "job.json")))
    cases = []
    for i, case in enumerate(job["cases"]):
        x = np.load(os.path.join(sys.argv[1], case["arrays"]["x_t"]))
        h = np.load(os.path.join(sys.argv[1], case["arrays"]["h_prev"]))
        W = np.load(os.path.join(sys.argv[1], case["arrays"]["W_ih"]))
        shapes = [x.shape, h.shape, W.shape, (h.shape[1], h.shape[1]), (h.shape[1],)]
        items = []
        for k, shape in enumerate(shapes):
            np.save(os.path.join(out, f"c{i}_{k}.npy"), np.zeros(shape))
            items.append({"t": "array", "file": f"c{i}_{k}.npy"})
        cases.append({"value": {"t": "tuple", "items": items}, "status": "passed"})
    json.dump({"defined": True, "cell_error": None, "cases": cases, "points": 1}, open(os.path.join(out, "manifest.json"), "w"))
    os._exit(0)
'''

FORGE_SYMLINK = '''
import json, os, sys

def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    out = os.path.join(sys.argv[1], "out")
    os.symlink("/dev/zero", os.path.join(out, "c0.npy"))
    cases = [{"value": {"t": "array", "file": "c0.npy"}}] * len(json.load(open(os.path.join(sys.argv[1], "job.json")))["cases"])
    json.dump({"defined": True, "cell_error": None, "cases": cases}, open(os.path.join(out, "manifest.json"), "w"))
    os._exit(0)
'''

FORGE_BY_PATCHING_THE_WORKER = '''
import sys
worker = sys.modules["__main__"]  # the worker script itself
worker.encode = lambda *args, **kwargs: {"t": "float", "v": 1.0}

def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return None
'''

RETURNS_A_DICT = '''
def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return {"h_t": np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)}
'''

RETURNS_STRINGS = '''
def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh):
    return ("dx_t", "dh_prev", "dW_ih", "dW_hh", "db")
'''

RETURNS_OBJECT_ARRAY = '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    return np.array([object(), object()])
'''

RETURNS_AN_ARRAY_SUBCLASS_THAT_LIES = '''
class Liar(np.ndarray):
    def __eq__(self, other):
        return True

def rnn_backward(dh, x, h0, h, W_ih, W_hh):
    return tuple(np.zeros(1).view(Liar) for _ in range(5))
'''

FLOODS_OUTPUT = '''
def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    for _ in range(20000):
        print("passed " * 200)
    return np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)
'''

WRITES_A_HUGE_FILE = '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    with open("huge.bin", "wb") as file:
        while True:
            file.write(b"0" * 2**24)
'''

USES_MAGICS_AND_HELPERS = '''%load_ext autoreload
def _affine(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh

def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(_affine(x_t, h_prev, W_ih, W_hh, b_ih, b_hh))
'''

FORWARD_CALLS_THE_STEP = '''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    states, h_t = [], h0
    for x_t in x:
        h_t = rnn_step_forward(x_t, h_t, W_ih, W_hh, b_ih, b_hh)
        states.append(h_t)
    return np.stack(states)
'''

# --- building the submissions: with_cells, write and the released and solved chapter 7 (grading_helpers)


# What each submission must get: points per exercise (in IDS order) and the status.
EXPECTED = {
    "correct": ([1, 1, 1, 1], "ok"),
    "partly": ([0, 1, 1, 0], "ok"),
    "stubs": ([0, 0, 0, 0], "untouched"),  # was "ok" before issue 17
    "empty": ([0, 0, 0, 0], "missing"),
    "nothing": ([0, 0, 0, 0], "missing"),
    "half": ([1, 1, 0, 0], "missing"),
    "crashing": ([0, 1, 1, 0], "error"),
    "looping": ([1, 1, 0, 1], "timeout"),
    "memory_hog": ([1, 0, 1, 0], "error"),
    "exiting": ([1, 0, 0, 1], "error"),
    "check_patcher": ([0, 0, 0, 0], "error"),
    "forger": ([0, 0, 0, 0], "error"),
    "wrong_types": ([0, 0, 0, 0], "ok"),
    "noisy": ([1, 1, 0, 1], "error"),
    "helpers": ([1, 1, 1, 1], "ok"),
    "not_json": ([0, 0, 0, 0], "invalid-notebook"),
    "not_a_notebook": ([0, 0, 0, 0], "invalid-notebook"),
}


@pytest.fixture(scope="module")
def submissions(tmp_path_factory, released, solved) -> Path:
    """One folder of submissions, some as flat files, some as one folder per student."""
    root = tmp_path_factory.mktemp("submissions")
    write(solved, root / "correct_ch07_vanilla_rnn.ipynb")
    write(with_cells(solved, {SF: STEP_FORWARD_WITHOUT_B_HH, B: BACKWARD_WITH_ZERO_STATE_AT_T0}),
          root / "partly" / "ch07_vanilla_rnn.ipynb")
    write(released, root / "stubs.ipynb")
    write(nbformat.v4.new_notebook(), root / "empty" / "ch07_vanilla_rnn.ipynb")
    (root / "nothing").mkdir()
    half = nbformat.from_dict(json.loads(json.dumps(solved)))
    half.cells = [cell for cell in half.cells if not set(cell.metadata.get("tags", [])) & {F, B}]
    write(half, root / "half" / "ch07_vanilla_rnn.ipynb")
    write(with_cells(solved, {B: BACKWARD_INDEX_ERROR}, append={SF: RAISES_AT_IMPORT}),
          root / "crashing" / "ch07_vanilla_rnn.ipynb")
    write(with_cells(solved, {F: FORWARD_LOOPS_FOREVER}), root / "looping_ch07.ipynb")
    write(with_cells(solved, {SB: STEP_BACKWARD_EATS_MEMORY}, append={B: BACKWARD_EATS_MEMORY_AT_IMPORT}),
          root / "memory_hog" / "work.ipynb")
    write(with_cells(solved, {F: FORWARD_EXITS, SB: STEP_BACKWARD_SYS_EXIT}), root / "exiting" / "ch07_vanilla_rnn.ipynb")

    patcher = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in patcher.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and not tags:
            cell.source = PATCH_CHECK_IN_SETUP
        if "check" in tags:
            cell.metadata["editable"] = True
            cell.source = 'print("passed")'
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="passed\n")]
        if SF in tags:
            cell.source = PATCH_CHECK_IN_CELL + cell.source
        if F in tags:
            cell.source = RETURNS_PASSED
    write(patcher, root / "check_patcher" / "ch07_vanilla_rnn.ipynb")

    # The import-time forgery sits in the last cell: earlier cells run in every later exercise's process.
    write(with_cells(released, {SF: FORGE_BY_PATCHING_THE_WORKER, SB: FORGE_ZERO_ARRAYS, F: FORGE_SYMLINK,
                                B: FORGE_MANIFEST_AND_EXIT}), root / "forger" / "ch07_vanilla_rnn.ipynb")
    write(with_cells(released, {SF: RETURNS_A_DICT, SB: RETURNS_STRINGS, F: RETURNS_OBJECT_ARRAY,
                                B: RETURNS_AN_ARRAY_SUBCLASS_THAT_LIES}), root / "wrong_types.ipynb")
    write(with_cells(solved, {SF: FLOODS_OUTPUT, F: WRITES_A_HUGE_FILE}), root / "noisy.ipynb")
    write(with_cells(solved, {SF: USES_MAGICS_AND_HELPERS, F: FORWARD_CALLS_THE_STEP}), root / "helpers.ipynb")
    (root / "not_json.ipynb").write_text('{"cells": [', encoding="utf-8")
    (root / "not_a_notebook").mkdir()
    (root / "not_a_notebook" / "ch07_vanilla_rnn.ipynb").write_text('{"hello": "world"}', encoding="utf-8")
    (root / ".ipynb_checkpoints").mkdir()  # hidden: not a student
    return root


@pytest.fixture(scope="module")
def graded(submissions, tmp_path_factory):
    """The command line run once over the whole folder: (rows by student, feedback folder, seconds)."""
    out = tmp_path_factory.mktemp("grades")
    start = time.monotonic()
    code = main(["grade", str(submissions), "--chapters", "7", "--csv", str(out / "grades.csv"), "--seed", str(SEED),
                 "--timeout", str(TIMEOUT), "--memory-mb", "384", "--jobs", str(JOBS)])
    seconds = time.monotonic() - start
    assert code == 0
    with (out / "grades.csv").open(newline="", encoding="utf-8") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    return rows, out / "grades_feedback", seconds


def read(feedback: Path, student: str) -> str:
    """A student's feedback file, with line breaks and indents (from wrapping) made single spaces."""
    return " ".join((feedback / f"{student}.txt").read_text(encoding="utf-8").split())


def test_the_folder_holds_one_submission_per_student(submissions):
    assert sorted(find_submissions(submissions)) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_exactly_its_points_and_status(graded, student):
    rows, _, _ = graded
    points, status = EXPECTED[student]
    row = rows[student]
    assert [int(row[exercise_id]) for exercise_id in IDS] == points, row
    assert (int(row["total"]), int(row["max"])) == (sum(points), 4)
    assert row["status"] == status
    assert (row["seed"], row["version"]) == (str(SEED), __version__)


def test_the_csv_has_the_documented_columns(graded, submissions, tmp_path):
    rows, _, _ = graded
    assert list(next(iter(rows.values()))) == ["student", *IDS, "total", "max", "status", *OUTCOMES, "seed", "version",
                                               "sandbox"]


def test_the_run_finishes_in_bounded_time(graded):
    _, _, seconds = graded
    # One exercise hits the timeout; every other one takes well under a second.
    assert seconds < 3 * TIMEOUT + 30, f"grading took {seconds:.0f} s"


def test_feedback_gives_the_check_messages(graded):
    _, feedback, _ = graded
    assert sorted(path.stem for path in feedback.glob("*.txt")) == sorted(EXPECTED)
    partly = read(feedback, "partly")
    assert "Total: 2 / 4 points; status: ok" in partly
    assert f"{SF}: h_t is wrong" in partly and "largest relative error" in partly
    assert f"{SB}: passed ({len(get_exercise(SB).make_cases(2026))} cases)." in partly
    assert f"seed {SEED}" in partly
    crashing = read(feedback, "crashing")
    assert "your cell raised RuntimeError when it was run: this cell fails as soon as it runs" in crashing
    assert "at your line" in crashing and "raise RuntimeError" in crashing
    assert f"{B} raised IndexError" in crashing
    assert "did not finish within 5 s" in read(feedback, "looping")
    hog = read(feedback, "memory_hog")
    assert f"{SB} raised MemoryError" in hog and "your cell raised MemoryError" in hog
    exiting = read(feedback, "exiting")
    assert "ended (exit status 0) before returning its results" in exiting and f"{SB} raised SystemExit" in exiting
    assert "is not implemented yet" in read(feedback, "stubs")
    assert "no cell tagged ch07.rnn_forward" in read(feedback, "half")
    assert "is not valid JSON" in read(feedback, "not_json")
    assert "not a notebook" in read(feedback, "not_a_notebook")


def test_patching_check_or_printing_passed_earns_nothing(graded):
    rows, feedback, _ = graded
    text = read(feedback, "check_patcher")
    assert "without the companion package" in text  # import companion fails in the sandbox
    assert f"{F}: h is a str" in text


def test_forged_results_are_rejected_or_judged(graded):
    _, feedback, _ = graded
    text = read(feedback, "forger")
    assert f"{SF}: h_t is a float" in text  # a patched worker still only returns outputs, judged here
    assert f"{SB}: dx_t is wrong" in text  # well-formed forged zeros are judged, and wrong
    assert "c0.npy is not a regular file" in text  # a symbolic link is not a result
    assert f"{B}: the results of your code could not be read (the results file does not describe a run)" in text


def test_outputs_of_the_wrong_type_are_named(graded):
    _, feedback, _ = graded
    text = read(feedback, "wrong_types")
    assert f"{SF}: h_t is a dict" in text
    assert f"{SB}: dx_t is a str" in text
    assert f"{F}: h has dtype object" in text
    assert f"{B}: dx has shape (1,)" in text


def test_output_floods_and_huge_files_are_contained(graded):
    _, feedback, _ = graded
    text = read(feedback, "noisy")
    assert f"{SF}: passed" in text  # printing is harmless: it goes nowhere
    assert f"{F} raised OSError" in text and "File too large" in text  # RLIMIT_FSIZE


def test_magics_are_dropped_and_earlier_cells_are_available(graded):
    _, feedback, _ = graded
    import re

    assert len(re.findall(r": passed \(\d+ cases\)", read(feedback, "helpers"))) == 4


def test_a_cell_that_lost_its_tag_is_found_by_its_released_cell_id(tmp_path, solved):
    untagged = nbformat.from_dict(json.loads(json.dumps(solved)))
    for cell in untagged.cells:
        cell.metadata["tags"] = [tag for tag in cell.metadata.get("tags", []) if tag != SF]
    write(untagged, tmp_path / "subs" / "ada.ipynb")
    (student,) = grade_folder(tmp_path / "subs", [7], SEED, Limits(timeout=TIMEOUT), jobs=JOBS)
    assert student.total == 4 and student.status == "ok"
    assert any("released cell id" in note for note in student.notes)


# --- the sandbox itself -----------------------------------------------------------------------------


SANDBOX = sandbox_report()["probe"]


@pytest.mark.skipif(not SANDBOX.get("signals_blocked"), reason="no seccomp here: a test would kill pytest")
def test_a_submission_cannot_signal_or_kill_the_grader(tmp_path, solved):
    attack = '''
import os, signal

def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    os.kill(os.getppid(), signal.SIGKILL)

def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
'''
    write(with_cells(solved, {SF: attack, F: attack}), tmp_path / "subs" / "killer.ipynb")
    (student,) = grade_folder(tmp_path / "subs", [7], SEED, Limits(timeout=TIMEOUT), jobs=JOBS)
    assert [grade.points for grade in student.exercises] == [0, 1, 0, 1]
    assert all("PermissionError" in student.exercises[i].message for i in (0, 2))


@pytest.mark.skipif(not SANDBOX.get("files_confined"), reason="no Landlock here")
def test_a_submission_cannot_read_another_students_notebook(tmp_path, solved):
    write(solved, tmp_path / "subs" / "ada.ipynb")
    copier = (
        "import json\n"
        f"cells = json.load(open({str(tmp_path / 'subs' / 'ada.ipynb')!r}))['cells']\n"
        "exec(next(''.join(c['source']) for c in cells if 'ch07.rnn_step_forward' in c['metadata'].get('tags', [])))\n"
    )
    write(with_cells(solved, {SF: copier}), tmp_path / "subs" / "copier.ipynb")
    grades = {student.student: student for student in grade_folder(tmp_path / "subs", [7], SEED, Limits(timeout=TIMEOUT), jobs=JOBS)}
    assert grades["ada"].total == 4
    assert grades["copier"].exercises[0].points == 0
    assert "PermissionError" in grades["copier"].exercises[0].message


def test_the_sandbox_holds_on_this_machine():
    if os.uname().sysname != "Linux":
        pytest.skip("seccomp and Landlock are Linux features")
    assert SANDBOX["memory_limited"]
    assert SANDBOX["processes_blocked"] and SANDBOX["network_blocked"] and SANDBOX["signals_blocked"]


def test_the_worker_inherits_no_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_TEST_SECRET", "do-not-leak")
    dump = "import json, os\njson.dump(dict(os.environ), open('out/environ.json', 'w'))\n"
    with Sandbox() as sandbox:
        job = sandbox.new_job()
        task = sandbox.add_task(job)
        (task / "job.json").write_text(json.dumps({"function": "nothing", "cells": [{"label": "env", "source": dump}],
                                                   "cases": []}))
        assert [ended.code for ended in sandbox.run(job, Limits(timeout=TIMEOUT))] == [0]
        environ = json.loads((task / "out" / "environ.json").read_text())
    assert "COMPANION_TEST_SECRET" not in environ
    assert set(environ) <= {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                            "MKL_NUM_THREADS", "LC_CTYPE"}


# --- seeds, names and the command line ------------------------------------------------------------


def _flaky_exercise() -> Exercise:
    """An exercise whose reference fails its own check on the cases of seed 13 (float32 there)."""
    def flaky(x):
        return x.astype(np.float32) if x[0] == 13 else x.copy()

    return Exercise(id="ch99.flaky", title="flaky", reference=flaky, outputs=("y",), shapes=(("N",),),
                    make_cases=lambda seed: [Case("N=1", {"x": np.array([float(seed)])}, {"N": 1})])


def test_a_seed_where_a_reference_fails_its_own_check_is_refused(tmp_path, monkeypatch):
    flaky = _flaky_exercise()
    assert "reference solution of ch99.flaky fails its own check" in seed_problem([flaky], 13)
    assert seed_problem([flaky], 12) is None
    monkeypatch.setattr("companion.course.grading.chapter_exercises", lambda chapters: [flaky])
    with pytest.raises(ValueError, match="Choose another seed"):
        grade_folder(tmp_path, [7], 13)


def test_a_drawn_seed_lets_every_reference_pass():
    exercises = [EXERCISES[i] for i in IDS]
    assert seed_problem(exercises, draw_seed(exercises)) is None


@pytest.mark.parametrize("stem, expected", [
    ("ada", "ada"), ("ada_ch07_vanilla_rnn", "ada"), ("ada-ch07", "ada"), ("ch07_vanilla_rnn", "ch07_vanilla_rnn"),
    ("lovelace_ada_12345_ch08_lstm_gru_numpy", "lovelace_ada"),  # was "lovelace_ada_12345": ids are stripped now
    ("lovelaceada_LATE_12345_67890_ch07_vanilla_rnn-1", "lovelaceada"), ("ch07_vanilla_rnn (1)", "ch07_vanilla_rnn"),
    ("Ada Lovelace_1234_assignsubmission_file_ch07_vanilla_rnn", "Ada Lovelace"), ("ada (2)", "ada"),
])
def test_student_ids_drop_the_chapter_from_file_names(stem, expected):
    assert student_id(stem) == expected


def test_grading_a_missing_folder_or_chapter_fails_clearly(tmp_path, capsys, monkeypatch):
    assert main(["grade", str(tmp_path / "absent"), "--chapters", "7", "--csv", str(tmp_path / "g.csv")]) == 1
    assert "no such folder of submissions" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--chapters", "99", "--csv", str(tmp_path / "g.csv")]) == 1
    assert "unknown chapter" in capsys.readouterr().err
    # every chapter has exercises now: take chapter 8's away to see the message a chapter without them gets
    monkeypatch.setattr(grading, "EXERCISES", {i: e for i, e in EXERCISES.items() if not i.startswith("ch08.")})
    assert main(["grade", str(tmp_path), "--chapters", "8", "--csv", str(tmp_path / "g.csv")]) == 1
    assert "has no exercises yet" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_the_grader_holds_code_to_the_same_contract_as_check(tmp_path, solved):
    """An input changed in place, or an overflow, fails in the grader as it does in check()."""
    in_place = '''
import numpy as np

def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    h_prev += 0.0 * h_prev          # touches the caller's array...
    h_prev[...] = np.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)
    return h_prev                   # ...and returns it: right values, broken contract
'''
    overflow = '''
import numpy as np

def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    return 2.0 / (1.0 + np.exp(-2.0 * a * 1e6)) - 1.0   # exp overflows for negative a
'''
    write(with_cells(solved, {SF: in_place}), tmp_path / "subs" / "inplace.ipynb")
    write(with_cells(solved, {SF: overflow}), tmp_path / "subs" / "overflow.ipynb")
    grades = {s.student: s for s in grade_folder(tmp_path / "subs", [7], SEED, Limits(timeout=TIMEOUT), jobs=JOBS)}
    changed = grades["inplace"].exercises[0]
    assert changed.points == 0 and "h_prev" in changed.message, changed.message
    overflowed = grades["overflow"].exercises[0]
    assert overflowed.points == 0 and "FloatingPointError" in overflowed.message, overflowed.message
