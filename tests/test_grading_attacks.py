"""The grader against hostile submissions (issue 17): every class of attack, each with exact points and status.

One folder of submissions is graded once through the command line, in this
process, which is the grader that the attacks aim at: its process id, a file
outside the job folder, the solutions and site-packages are written into the
attacking cells. Each attack is the body of one exercise: if the sandbox
refuses it, the exercise raises (0 points, ``error``); if it got through,
the grader would die, change, or award points, and the test would fail.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import pytest

import companion
from companion.__main__ import main
from companion.course import grading
from companion.course.grading import OUTCOMES, memory_problem
from companion.course.grading_results import csv_cell, feedback_name
from companion.course.grading_sandbox import NUMPY_PARENT, Limits
from companion.exercises import EXERCISES
from grading_helpers import released, solved, with_cells, write  # noqa: F401  (fixtures)

IDS = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch07.")]
SF, SB, F, B = IDS  # rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward
SEED = 7
TIMEOUT = 5.0
POINTS = {B: 2}  # --points: rnn_backward is worth 2
SIGNATURES = {SF: "rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)",
              SB: "rnn_step_backward(dh_t, x_t, h_prev, h_t, W_ih, W_hh)",
              F: "rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)", B: "rnn_backward(dh, x, h0, h, W_ih, W_hh)"}
GRADER = os.getpid()
SOLUTIONS = Path(companion.__file__).resolve().parent / "solutions" / "ch07.py"


def attack(exercise_id: str, body: str) -> str:
    """An exercise cell whose function runs ``body`` (one statement per line) and returns nothing useful."""
    lines = "\n".join(f"    {line}" for line in body.strip().splitlines())
    return f"import os, sys, signal, stat, resource, json, time\n\ndef {SIGNATURES[exercise_id]}:\n{lines}\n    return None\n"


def forge(exercise_id: str, manifest: str) -> str:
    """A function that writes ``manifest`` (a Python expression of text, given ``n`` cases) as the results, and exits."""
    return attack(exercise_id, "n = len(json.load(open('job.json'))['cases'])\n"
                               f"open('out/manifest.json', 'w').write({manifest})\nos._exit(0)")


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A file outside every job folder, which the attacks try to change."""
    path = tmp_path_factory.mktemp("outside") / "target.txt"
    path.write_text("the grader's file\n")
    os.chmod(path, 0o644)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


# student -> (points per exercise in IDS order, status, words each attacked exercise's feedback must hold)
EXPECTED = {
    "signaller": ([0, 0, 0, 0], "error", "PermissionError"),
    "limiter": ([0, 0, 0, 2], "error", "PermissionError"),
    "metadata": ([0, 0, 0, 0], "error", "PermissionError"),
    "devices": ([0, 0, 0, 2], "error", "PermissionError"),
    "reader": ([0, 0, 0, 0], "error", "Error"),
    "crafted": ([0, 0, 0, 2], "error", ""),
    "filler": ([1, 1, 0, 2], "error", "wrote more than 64 MiB"),
    "linker": ([0, 0, 0, 0], "invalid-notebook", ""),
    "zero": ([0, 0, 0, 0], "invalid-notebook", ""),
    "fifo": ([0, 0, 0, 0], "invalid-notebook", ""),
    "huge": ([0, 0, 0, 0], "invalid-notebook", ""),
    "deep": ([0, 0, 0, 0], "invalid-notebook", ""),
    "Zoë": ([1, 1, 1, 2], "ok", ""),
    '=HYPERLINK("evil")': ([1, 1, 1, 2], "ok", ""),
    "+cmd": ([1, 1, 1, 2], "ok", ""),
    "lovelaceada": ([1, 1, 1, 2], "ok", ""),
    "ch07_vanilla_rnn": ([0, 0, 0, 0], "untouched", ""),
    "correct": ([1, 1, 1, 2], "ok", ""),
}


@pytest.fixture(scope="module")
def submissions(tmp_path_factory, released, solved, outside) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    write(solved, root / "correct.ipynb")
    write(with_cells(solved, {
        SF: attack(SF, "os.kill(GRADER, signal.SIGKILL)"),
        SB: attack(SB, "os.kill(-1, signal.SIGKILL)"),
        F: attack(F, "os.pidfd_open(GRADER)"),
        B: attack(B, "os.killpg(os.getpgid(0), signal.SIGKILL)"),
    }), root / "signaller.ipynb")
    write(with_cells(solved, {
        SF: attack(SF, "resource.prlimit(GRADER, resource.RLIMIT_CPU, (1, 1))"),
        SB: attack(SB, "os.setpriority(os.PRIO_PROCESS, GRADER, 19)"),
        F: attack(F, "os.sched_setaffinity(GRADER, {0})"),
    }), root / "limiter.ipynb")
    write(with_cells(solved, {
        SF: attack(SF, "os.chmod(TARGET, 0o777)"),
        SB: attack(SB, "os.chown(TARGET, os.getuid(), os.getgid())"),
        F: attack(F, "os.utime(TARGET, (0, 0))"),
        B: attack(B, "os.setxattr(TARGET, 'user.grade', b'100')"),
    }), root / "metadata.ipynb")
    write(with_cells(solved, {
        SF: attack(SF, "os.mknod('null', stat.S_IFCHR | 0o666, os.makedev(1, 3))"),
        SB: attack(SB, "os.mkfifo('pipe')"),
        F: attack(F, "fd = os.memfd_create('hold')\nos.write(fd, b'0' * 2**30)"),
    }), root / "devices.ipynb")
    write(with_cells(solved, {
        SF: attack(SF, "exec(open(SOLUTIONS).read())"),
        SB: "import sys\nsys.meta_path[:] = [hook for hook in sys.meta_path if 'Companion' not in type(hook).__name__]\n"
            f"sys.path += [{NUMPY_PARENT!r}, {str(SOLUTIONS.parents[2])!r}]\n"
            "from companion.solutions.ch07 import rnn_step_backward\n",
        F: attack(F, "open(os.path.join(SITE, 'nbformat', '__init__.py')).read()"),
        B: attack(B, "os.listdir(SITE)"),
    }), root / "reader.ipynb")
    write(with_cells(solved, {
        SF: forge(SF, "'[' * 100_000 + ']' * 100_000"),
        SB: forge(SB, "json.dumps({'defined': True, 'cell_error': None, 'cases': "
                      "[{'value': {'t': 'other', 'module': 'm\\x00', 'qualname': 'T\\x00ype'}}] * n})"),
        F: attack(F, "raise ValueError('lone \\ud800 surrogate')"),
    }), root / "crafted.ipynb")
    write(with_cells(solved, {
        F: attack(F, "for i in range(8):\n    open(f'fill{i}', 'wb').write(b'0' * 15 * 2**20)\ntime.sleep(60)"),
    }), root / "filler.ipynb")
    os.symlink(root / "correct.ipynb", root / "linker.ipynb")
    os.symlink("/dev/zero", root / "zero.ipynb")
    os.mkfifo(root / "fifo.ipynb")
    with open(root / "huge.ipynb", "wb") as file:
        file.truncate(60 * 2**20)  # sparse: 60 MiB of nothing
    (root / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    write(solved, root / "zoe.ipynb")
    os.rename(root / "zoe.ipynb", os.fsencode(root) + b"/Zo\xeb.ipynb")  # a Latin-1 name, as in zips made on Windows
    write(solved, root / '=HYPERLINK("evil").ipynb')
    write(solved, root / "+cmd.ipynb")
    write(solved, root / "lovelaceada_LATE_12345_67890_ch07_vanilla_rnn-1.ipynb")
    write(released, root / "ch07_vanilla_rnn (1).ipynb")
    return root


@pytest.fixture(scope="module")
def graded(submissions, outside, tmp_path_factory):
    """The command line over the folder: (rows by student, feedback folder, seconds, the grader's state before)."""
    out = tmp_path_factory.mktemp("grades")
    (out / "points.json").write_text(json.dumps(POINTS))
    before = (resource.getrlimit(resource.RLIMIT_CPU), os.getpriority(os.PRIO_PROCESS, 0), os.sched_getaffinity(0),
              os.stat(outside))
    for path in submissions.glob("*.ipynb"):  # the cells name the grader, its files, the solutions
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 2**20:
            text = path.read_text(encoding="utf-8")
            if text.startswith("{"):
                path.write_text(text.replace("GRADER", str(GRADER)).replace("TARGET", repr(str(outside)))
                                .replace("SOLUTIONS", repr(str(SOLUTIONS))).replace("SITE", repr(NUMPY_PARENT)),
                                encoding="utf-8")
    start = time.monotonic()
    code = main(["grade", str(submissions), "--chapters", "7", "--csv", str(out / "grades.csv"), "--seed", str(SEED),
                 "--timeout", str(TIMEOUT), "--memory-mb", "384", "--jobs", "2", "--points", str(out / "points.json")])
    seconds = time.monotonic() - start
    assert code == 0
    with (out / "grades.csv").open(newline="", encoding="utf-8") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    return rows, out / "grades_feedback", seconds, before


def feedback(folder: Path, student: str) -> str:
    return " ".join((folder / feedback_name(student, set())).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_hostile_submission_gets_exactly_its_points_and_status(graded, student):
    rows, folder, _, _ = graded
    points, status, words = EXPECTED[student]
    row = rows[csv_cell(student)]
    assert [float(row[exercise_id]) for exercise_id in IDS] == points, row
    assert (float(row["total"]), float(row["max"]), row["status"]) == (sum(points), 5, status), row
    assert sum(int(row[outcome]) for outcome in OUTCOMES) == 4
    text = feedback(folder, student)
    assert "Sandbox: landlock" in text and row["sandbox"].startswith("landlock")
    attacked = [exercise_id for exercise_id, got in zip(IDS, points) if got == 0]
    if words and status == "error":
        for exercise_id in attacked:
            section = text.split(f"{exercise_id} (0/")[1].split(" ch07.")[1]
            assert words in section, (exercise_id, section)


def test_the_grader_is_not_killed_limited_or_reprioritised(graded, outside):
    _, _, _, before = graded
    assert resource.getrlimit(resource.RLIMIT_CPU) == before[0]
    assert os.getpriority(os.PRIO_PROCESS, 0) == before[1]
    assert os.sched_getaffinity(0) == before[2]


def test_files_outside_keep_their_mode_owner_and_times(graded, outside):
    _, _, _, before = graded
    after = os.stat(outside)
    assert (after.st_mode, after.st_uid, after.st_gid, after.st_mtime) == (
        before[3].st_mode, before[3].st_uid, before[3].st_gid, before[3].st_mtime)
    assert os.listxattr(outside) == []


def test_refused_files_are_named_in_the_feedback(graded):
    _, folder, _, _ = graded
    assert "linker.ipynb was refused: it is a symbolic link" in feedback(folder, "linker")
    assert "zero.ipynb was refused: it is a symbolic link" in feedback(folder, "zero")
    assert "fifo.ipynb was refused: it is not a regular file" in feedback(folder, "fifo")
    assert "huge.ipynb was refused: it is larger than 50 MiB" in feedback(folder, "huge")
    assert "deep.ipynb is not valid JSON (nested too deeply)" in feedback(folder, "deep")


def test_crafted_results_become_errors_or_wrong_answers_with_messages(graded):
    rows, folder, _, _ = graded
    text = feedback(folder, "crafted")
    assert f"{SF}: the results of your code could not be read (the results file is not JSON of a sane depth)" in text
    assert f"{SB} returned a m?.T?ype" in text  # a type name with NUL bytes, judged as a wrong answer
    assert f"{F} raised ValueError" in text and "lone \\ud800 surrogate" in text
    row = rows["crafted"]
    assert (row["passed"], row["wrong"], row["error"]) == ("1", "1", "2")


def test_names_are_decoded_and_csv_cells_escaped(graded):
    rows, _, _, _ = graded
    assert "Zoë" in rows
    assert "'=HYPERLINK(\"evil\")" in rows and "'+cmd" in rows
    assert not any(name[:1] in "=+-@" for name in rows)


def test_platform_decorations_map_to_one_student_and_untouched_is_a_status(graded):
    rows, _, _, _ = graded
    assert rows["lovelaceada"]["status"] == "ok"
    untouched = rows["ch07_vanilla_rnn"]
    assert (untouched["status"], untouched["not_implemented"], untouched["passed"]) == ("untouched", "4", "0")


def test_the_hostile_run_is_bounded_in_time(graded):
    _, _, seconds, _ = graded
    # 17 students, 68 exercises, one stopped by the quota; the rest well under a second each.
    assert seconds < 120, f"grading took {seconds:.0f} s"


# --- limits that blame the grader, and a sandbox that is missing -----------------------------------------


def test_a_memory_limit_too_small_for_python_is_blamed_on_the_limit(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    code = main(["grade", str(tmp_path / "subs"), "--chapters", "7", "--csv", str(tmp_path / "g.csv"),
                 "--memory-mb", "40", "--seed", str(SEED)])
    assert code == 1
    assert "--memory-mb 40 is too small" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_a_memory_limit_too_small_for_a_reference_is_blamed_on_the_limit():
    exercise = EXERCISES[F]
    cases = {F: exercise.make_cases(SEED)}
    message = memory_problem([exercise], cases, Limits(memory_mb=128), worker_bytes=120 * 2**20)
    assert "--memory-mb 128 is too small: the reference solution of ch07.rnn_forward would not fit" in message
    assert "Give at least --memory-mb 192" in message
    assert memory_problem([exercise], cases, Limits(memory_mb=384), worker_bytes=120 * 2**20) is None


def _no_landlock(sandbox, limits):
    report = real_probe(sandbox, limits)
    report["sandbox"]["landlock_abi"] = 0
    return report


real_probe = grading.probe


def test_without_landlock_grading_refuses_unless_told_it_is_unsafe(tmp_path, solved, monkeypatch, capsys):
    write(solved, tmp_path / "subs" / "ada.ipynb")
    monkeypatch.setattr(grading, "probe", _no_landlock)
    args = ["grade", str(tmp_path / "subs"), "--chapters", "7", "--csv", str(tmp_path / "g.csv"), "--seed", str(SEED)]
    assert main(args) == 1
    assert "Landlock is not available" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()
    assert main(args + ["--unsafe-no-sandbox"]) == 0
    with (tmp_path / "g.csv").open(newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert row["sandbox"].startswith("UNSAFE (no landlock") and row["total"] == "4"
    assert "Sandbox: UNSAFE (no landlock" in (tmp_path / "g_feedback" / "ada.txt").read_text()


def test_points_come_from_a_released_notebook_or_a_csv(tmp_path, released):
    from companion.course.grading import load_points

    write(released, tmp_path / "ch07.ipynb")
    assert load_points(tmp_path / "ch07.ipynb", IDS) == {exercise_id: 1.0 for exercise_id in IDS}
    (tmp_path / "points.csv").write_text(f"exercise,points\n{F},2.5\n")
    assert load_points(tmp_path / "points.csv", IDS) == {F: 2.5}
    (tmp_path / "bad.json").write_text(json.dumps({"ch07.rnn_fwd": 1}))
    with pytest.raises(ValueError, match="'ch07.rnn_fwd' is not an exercise of these chapters"):
        load_points(tmp_path / "bad.json", IDS)
    (tmp_path / "negative.json").write_text(json.dumps({F: -1}))
    with pytest.raises(ValueError, match="must be a number >= 0"):
        load_points(tmp_path / "negative.json", IDS)


def test_an_exception_in_the_grader_itself_becomes_that_students_error(tmp_path, solved, monkeypatch):
    write(solved, tmp_path / "subs" / "ada.ipynb")
    write(solved, tmp_path / "subs" / "bob.ipynb")
    real = grading.read_cells

    def broken(path):
        if path.name == "bob.ipynb":
            raise MemoryError("the notebook is too much")
        return real(path)

    monkeypatch.setattr(grading, "read_cells", broken)
    students = {s.student: s for s in grading.grade_folder(tmp_path / "subs", [7], SEED, Limits(timeout=TIMEOUT), jobs=2)}
    assert (students["ada"].total, students["ada"].status) == (4, "ok")
    assert (students["bob"].total, students["bob"].status) == (0, "invalid-notebook")
    assert "the notebook is too much" in students["bob"].notes[0]
    assert np.isfinite(students["bob"].max_points)


def test_an_unreadable_student_folder_is_a_note_not_a_crash(tmp_path, solved, monkeypatch):
    from companion.course import grading_submissions

    write(solved, tmp_path / "subs" / "ada.ipynb")
    write(solved, tmp_path / "subs" / "bob" / "ch07.ipynb")
    real = os.scandir

    def scandir(path):  # as if bob's folder had mode 000 and the grader were not root
        if Path(path).name == "bob":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(grading_submissions.os, "scandir", scandir)
    found = grading_submissions.find_submissions(tmp_path / "subs")
    assert len(found["ada"].notebooks) == 1
    assert (found["bob"].notebooks, found["bob"].refused) == ([], ["bob could not be read (Permission denied)"])
