"""The grader as a process: SIGINT and SIGTERM mid-run, ``--resume``, and a grader that is not root.

Each run here is ``python -m companion grade`` in a subprocess with a private
TMPDIR, so that leftover workers (found by their command line, which names
that folder) and scratch folders can be counted after it ends.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from companion.__main__ import main
from companion.exercises import EXERCISES
from grading_helpers import released, solved, with_cells, write  # noqa: F401  (fixtures)

IDS = [exercise_id for exercise_id in EXERCISES if exercise_id.startswith("ch07.")]
SF = IDS[0]
SEED = 11
REPO = Path(__file__).resolve().parents[1]
STUDENTS = ["ada", "bob", "cyd", "dee", "eve"]


@pytest.fixture(scope="module")
def slow_folder(tmp_path_factory, solved) -> Path:
    """Five students whose first cell sleeps, so that a run lasts long enough to be interrupted."""
    root = tmp_path_factory.mktemp("slow")
    for student in STUDENTS:
        cell = solved.cells[[i for i, cell in enumerate(solved.cells) if SF in cell.metadata.get("tags", [])][0]]
        write(with_cells(solved, {SF: "import time\ntime.sleep(0.3)\n" + cell.source}), root / f"{student}.ipynb")
    return root


@pytest.fixture(scope="module")
def uninterrupted(slow_folder, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("full")
    assert main(["grade", str(slow_folder), "--chapters", "7", "--csv", str(out / "g.csv"), "--seed", str(SEED),
                 "--jobs", "2"]) == 0
    return (out / "g.csv").read_text(encoding="utf-8")


def workers_left(private: Path) -> list[int]:
    """Processes whose command line names ``private`` (the grader's scratch lives there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(private).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def start(folder: Path, csv_path: Path, private: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(private)}
    return subprocess.Popen([sys.executable, "-m", "companion", "grade", str(folder), "--chapters", "7", "--csv",
                             str(csv_path), "--seed", str(SEED), "--jobs", "2", *extra],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(csv_path: Path) -> list[dict]:
    with csv_path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupt_leaves_a_valid_partial_csv_that_resume_completes(slow_folder, uninterrupted, tmp_path, signum):
    private = tmp_path / "tmp"
    private.mkdir()
    csv_path = tmp_path / "g.csv"
    grader = start(slow_folder, csv_path, private)
    deadline = time.monotonic() + 120
    while not (csv_path.exists() and rows(csv_path)) and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.05)
    assert grader.poll() is None, "the run ended before it could be interrupted"
    grader.send_signal(signum)
    _, err = grader.communicate(timeout=60)
    assert grader.returncode == 128 + signum, err
    assert "rerun with --resume" in err
    graded = rows(csv_path)
    assert 1 <= len(graded) < len(STUDENTS)
    assert all(row["total"] == "4" and row["status"] == "ok" for row in graded)
    assert workers_left(private) == []
    assert not any(private.iterdir()), list(private.iterdir())  # no scratch folder, no temporary CSV

    grader = start(slow_folder, csv_path, private, "--resume")
    out, err = grader.communicate(timeout=120)
    assert grader.returncode == 0, err
    assert f"({len(graded)} kept from the earlier run)" in out
    assert csv_path.read_text(encoding="utf-8") == uninterrupted
    assert workers_left(private) == [] and not any(private.iterdir())


def test_resume_refuses_a_csv_of_another_seed(slow_folder, uninterrupted, tmp_path, capsys):
    (tmp_path / "g.csv").write_text(uninterrupted, encoding="utf-8")
    code = main(["grade", str(slow_folder), "--chapters", "7", "--csv", str(tmp_path / "g.csv"), "--seed", "12",
                 "--resume"])
    assert code == 1 and "graded with seed 11" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv to become nobody")
def test_a_grader_that_is_not_root_still_grades_in_a_sandbox(solved):
    """The grader as uid 65534 with no capability but CAP_DAC_READ_SEARCH (Python lives under /root here)."""
    base = Path(tempfile.mkdtemp(prefix="companion-nonroot-"))
    try:
        os.chmod(base, 0o755)
        attack = ("import os, resource, signal\n\ndef rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
                  "    resource.prlimit(os.getppid() or 1, resource.RLIMIT_CPU, (1, 1))\n\n"
                  "def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):\n    os.kill(-1, signal.SIGKILL)\n")
        write(solved, base / "subs" / "ada.ipynb")
        write(with_cells(solved, {SF: attack, IDS[2]: attack}), base / "subs" / "mallory.ipynb")
        (base / "out").mkdir()
        (base / "tmp").mkdir()
        for folder in (base / "subs", base / "out", base / "tmp"):
            os.chmod(folder, 0o777)
        keep = ["--inh-caps=-all,+dac_read_search", "--ambient-caps=+dac_read_search"]
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *keep, sys.executable, "-m",
                   "companion", "grade", str(base / "subs"), "--chapters", "7", "--csv", str(base / "out" / "g.csv"),
                   "--seed", str(SEED), "--jobs", "2"]
        done = subprocess.run(command, cwd=REPO, env={**os.environ, "TMPDIR": str(base / "tmp")},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        graded = {row["student"]: row for row in rows(base / "out" / "g.csv")}
        assert (graded["ada"]["total"], graded["ada"]["status"]) == ("4", "ok")
        assert [graded["mallory"][i] for i in IDS] == ["0", "1", "0", "1"] and graded["mallory"]["status"] == "error"
        sandbox = graded["ada"]["sandbox"]
        # Namespaces as the kernel allows: none here, where a user namespace would lose the read capability.
        assert sandbox.startswith("landlock") and "; seccomp; uid 65534; namespaces " in sandbox, sandbox
        assert not any((base / "tmp").iterdir())
    finally:
        shutil.rmtree(base, ignore_errors=True)
