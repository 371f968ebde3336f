"""A class-sized run: 30 students on chapters 7 and 8 (11 exercises, 330 sandboxed processes).

It takes most of a minute on two cores, so it runs only when asked:
``COMPANION_GRADING_SCALE=1 .venv/bin/python -m pytest tests/test_grading_scale.py -s``.
It prints the wall-clock time, the load average and the grader's own peak
memory (ru_maxrss of the grading process, not of its workers).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from companion.course.release import release
from companion.exercises.notebooks import solve_notebook
from grading_helpers import with_cells, write

REPO = Path(__file__).resolve().parents[1]
GRADER = """
import resource, sys
from companion.__main__ import main
code = main(sys.argv[1:])
me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print("ru_maxrss_kib", me.ru_maxrss, "cpu_s", me.ru_utime + me.ru_stime, "workers_cpu_s", children.ru_utime + children.ru_stime)
sys.exit(code)
"""

pytestmark = pytest.mark.skipif(not os.environ.get("COMPANION_GRADING_SCALE"), reason="set COMPANION_GRADING_SCALE=1")


def test_thirty_students_on_two_chapters_within_a_minute_and_300_mb(tmp_path):
    handout = tmp_path / "handout"
    release([7, 8], handout)
    notebooks = {name: nbformat.read(handout / f"{name}.ipynb", as_version=4)
                 for name in ("ch07_vanilla_rnn", "ch08_lstm_gru_numpy")}
    for n in range(30):
        for name, notebook in notebooks.items():
            solved = solve_notebook(notebook)
            kind = ("solved", "stubs", "wrong")[n % 3]
            if kind == "stubs":
                submission = notebook
            elif kind == "wrong":
                first = next(tag for cell in notebook.cells for tag in cell.metadata.get("tags", []) if "." in tag)
                submission = with_cells(solved, {first: "def nothing():\n    return None\n"})
            else:
                submission = solved
            write(submission, tmp_path / "subs" / f"student{n:02d}_{kind}" / f"{name}.ipynb")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", GRADER, "grade", str(tmp_path / "subs"), "--chapters", "7,8",
                           "--csv", str(tmp_path / "g.csv"), "--seed", "5", "--jobs", "2"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    maxrss_mb = int(done.stdout.split("ru_maxrss_kib")[1].split()[0]) / 1024
    cpu = done.stdout.split("cpu_s")[1].split()[0]
    workers = done.stdout.split("workers_cpu_s")[1].split()[0]
    print(f"\n30 students x 11 exercises: {seconds:.1f} s wall, grader ru_maxrss {maxrss_mb:.0f} MB, "
          f"grader CPU {float(cpu):.1f} s, workers' CPU {float(workers):.1f} s, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with (tmp_path / "g.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 30
    assert {row["status"] for row in rows if "solved" in row["student"]} == {"ok"}
    assert {row["total"] for row in rows if "solved" in row["student"]} == {"11"}
    assert {row["status"] for row in rows if "stubs" in row["student"]} == {"untouched"}
    assert maxrss_mb < 300
    assert seconds < 60
