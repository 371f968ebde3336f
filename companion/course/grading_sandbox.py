"""The grader's side of isolation: start the worker in its sandbox, watch it, stop it.

A ``Sandbox`` owns one scratch folder (mode 0711, removed on ``close``) with a
copy of ``grading_worker.py`` and one job folder per student, holding one task
folder per exercise. Each worker starts in a new session with an empty
environment; when the grader is root, the worker's children drop to
``nobody`` (uid and gid 65534, no supplementary groups) before they run
student code, and the job folder is handed to that user. The worker watches
each task (its timeout, the total size of its folder) and reports on a pipe;
the grader watches the worker as a whole (the sum of the timeouts) and, when
it ends, runs out of time, or the grader is interrupted (``stop``), kills its
whole process group.

``probe`` runs one task of harmless attempts (signal the grader, limit it,
renice, read a file outside, read ``companion``, chmod, memfd, fork, sockets,
allocate past the limit) and reports what the sandbox held. ``problems`` says
why that is not enough to grade safely; ``describe`` is the one line that the
CSV and every feedback file carry.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import companion

WORKER = Path(__file__).with_name("grading_worker.py")
NUMPY_PARENT = str(Path(np.__file__).resolve().parents[1])
NOBODY = 65534
EXIT_SETUP, EXIT_NO_SANDBOX = 70, 71  # as in grading_worker.py
MAX_JOB_ENTRIES = 10_000  # files and folders a job may create before it is stopped
POLL_SECONDS = 0.01
STARTUP_SECONDS = 20  # for the worker to start Python and NumPy, on a busy machine
MAX_REPORT_BYTES = 2**20


@dataclass(frozen=True)
class Limits:
    """What one exercise's process may use: wall-clock seconds, memory, the size of each file it writes
    and of all its files together (MiB)."""

    timeout: float = 10.0
    memory_mb: int = 1024
    output_mb: int = 16
    total_output_mb: int = 64


@dataclass(frozen=True)
class Exit:
    """How a worker ended: its exit status (None if the grader stopped it) and why it was stopped."""

    code: int | None
    stopped_for: str = ""  # "", "timeout", "quota" or "interrupt"
    seconds: float = 0.0


class Sandbox:
    """Scratch space and the workers running in it; ``with Sandbox() as sandbox: ...``.

    require: ask each worker to refuse to run student code without Landlock and seccomp.
    user: the uid (and gid) a root worker drops to (default ``nobody``); None when the grader is not root.
    """

    def __init__(self, require: bool = True, user: int | None = None):
        self.require = require
        self.user = user if user is not None else (NOBODY if os.geteuid() == 0 else None)
        self.workdir = Path(tempfile.mkdtemp(prefix="companion-grade-"))
        os.chmod(self.workdir, 0o711)  # the worker's user may enter it, not list it
        self.worker = self.workdir / "worker.py"
        shutil.copyfile(WORKER, self.worker)
        os.chmod(self.worker, 0o644)
        self.interrupted = threading.Event()
        self._running: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Kill every worker still running and remove the scratch folder."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def stop(self) -> None:
        """Kill every running worker; later ``run`` calls return at once."""
        self.interrupted.set()
        with self._lock:
            for pid in list(self._running):
                _kill_group(pid)

    def new_job(self) -> Path:
        """An empty job folder; ``add_task`` gives it one task folder per exercise."""
        return Path(tempfile.mkdtemp(prefix="job-", dir=self.workdir))

    @staticmethod
    def add_task(job: Path) -> Path:
        """A new task folder ``tN`` in ``job``, with its ``out``; the caller writes its job.json and inputs."""
        task = job / f"t{sum(1 for _ in job.glob('t*'))}"
        (task / "out").mkdir(parents=True)
        return task

    def spec(self, limits: Limits) -> dict:
        """The job's job.json: where NumPy is, the limits, whether to insist on the sandbox, whom to run as."""
        return {"numpy_parent": NUMPY_PARENT, "require_sandbox": self.require, "drop_to": self.user,
                "timeout": limits.timeout,
                "limits": {"memory_bytes": limits.memory_mb * 2**20, "cpu_seconds": int(limits.timeout) + 1,
                           "file_bytes": limits.output_mb * 2**20, "total_bytes": limits.total_output_mb * 2**20}}

    def run(self, job: Path, limits: Limits, preload: list[str] | tuple[str, ...] = ()) -> list[Exit]:
        """Run the worker on every task of ``job``; how each task's process ended, in task order.

        ``preload``: libraries the worker imports before confining the tasks (``Exercise.preload``).

        The worker reports each task as it finishes. A task it never reported
        (the worker was stopped: out of time overall, or an interrupt) is
        ``Exit(None, "timeout")`` or ``Exit(None, "interrupt")``.
        """
        tasks = sorted((path.name for path in job.glob("t*")), key=lambda name: int(name[1:]))
        (job / "job.json").write_text(json.dumps({**self.spec(limits), "tasks": tasks, "preload": list(preload)}),
                                      encoding="utf-8")
        if self.user is not None and self.user != os.geteuid():
            for path in [job, *job.rglob("*")]:
                os.chown(path, self.user, self.user, follow_symlinks=False)
        env = {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(job), "TMPDIR": str(job),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        start = time.monotonic()
        deadline = start + STARTUP_SECONDS + len(tasks) * (limits.timeout + 1)
        with self._lock:
            if self.interrupted.is_set():
                return [Exit(None, "interrupt")] * len(tasks)
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", str(self.worker), str(job)],
                cwd=job, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                close_fds=True, start_new_session=True,
            )
            self._running[process.pid] = process
        stopped_for = "timeout"
        try:
            while time.monotonic() < deadline:
                # WNOWAIT leaves the process a zombie, so its group id cannot be reused before the kill below.
                if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    stopped_for = ""
                    break
                if self.interrupted.is_set():
                    stopped_for = "interrupt"
                    break
                time.sleep(POLL_SECONDS)
        finally:
            _kill_group(process.pid)  # anything it left behind in its session dies with it
            report = process.stdout.read(MAX_REPORT_BYTES).decode("utf-8", "replace")
            process.stdout.close()
            code = process.wait()
            with self._lock:
                self._running.pop(process.pid, None)
        exits = {}
        for line in report.splitlines():
            try:
                entry = json.loads(line)
                exits[entry["task"]] = Exit(entry["code"], entry["stopped_for"], entry["seconds"])
            except (ValueError, KeyError, TypeError):
                continue
        if code == EXIT_SETUP:
            raise RuntimeError(f"the worker could not start Python and NumPy ({report.strip()[:300]})")
        missing = Exit(None, stopped_for or "timeout", time.monotonic() - start)
        return [exits.get(name, missing) for name in tasks]


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- what the sandbox holds here ------------------------------------------------------------------


REQUIRED = {
    "signals_blocked": "signals to the grader",
    "limits_blocked": "prlimit on the grader",
    "priority_blocked": "setpriority",
    "files_confined": "reading files outside the job folder",
    "package_hidden": "reading the companion package (its solutions)",
    "metadata_blocked": "chmod and utime",
    "memfd_blocked": "memfd_create",
    "processes_blocked": "new processes",
    "memory_limited": "memory beyond --memory-mb",
}


def probe(sandbox: Sandbox, limits: Limits) -> dict:
    """Run the worker on harmless attempts; ``{"sandbox": what it set up, "probe": what it blocked}``.

    It runs with at least 1024 MiB, so that it answers even where ``limits``
    leave too little room (``grading.memory_problem`` says so). Raises
    RuntimeError when the worker cannot start or does not answer.
    """
    outside = Path(tempfile.mkdtemp(prefix="probe-", dir=sandbox.workdir)) / "outside.txt"
    os.chmod(outside.parent, 0o711)
    outside.write_text("a file the worker must not read\n", encoding="utf-8")
    os.chmod(outside, 0o644)
    job = sandbox.new_job()
    task = sandbox.add_task(job)
    package = str(Path(companion.__file__).resolve())
    (task / "job.json").write_text(json.dumps({"probe": {"outside": str(outside), "package": package}}), encoding="utf-8")
    roomy = Limits(timeout=max(limits.timeout, 20), memory_mb=max(limits.memory_mb, 1024))
    try:
        (ended,) = sandbox.run(job, roomy)
        try:
            return json.loads((task / "out" / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RuntimeError(f"the sandboxed worker did not start (exit {ended.code}"
                               f"{', ' + ended.stopped_for if ended.stopped_for else ''}); can user "
                               f"{sandbox.user if sandbox.user is not None else os.getuid()} run {sys.executable}?") from None
    finally:
        shutil.rmtree(job, ignore_errors=True)
        shutil.rmtree(outside.parent, ignore_errors=True)


def problems(report: dict) -> list[str]:
    """Why grading would not be safe with this sandbox: missing Landlock or seccomp, root, attempts that went through."""
    state, held = report["sandbox"], report["probe"]
    found = []
    if not state.get("landlock_abi"):
        found.append("Landlock is not available (the kernel lacks it or it is disabled)")
    if not state.get("seccomp"):
        found.append("seccomp filters are not available")
    if os.geteuid() == 0 and state.get("uid") == 0:
        found.append("the worker still runs as root: the grader could not drop privileges")
    found += [f"the sandbox does not block {what}" for key, what in REQUIRED.items() if not held.get(key)]
    return found


def describe(report: dict, unsafe: bool = False) -> str:
    """One line: ``landlock 6; seccomp; uid 65534; namespaces user+pid+mount+ipc+net+uts``."""
    state = report.get("sandbox", {})
    parts = [f"landlock {state['landlock_abi']}" if state.get("landlock_abi") else "no landlock",
             "seccomp" if state.get("seccomp") else "no seccomp",
             f"uid {state.get('uid', '?')}" + (" with CAP_DAC_READ_SEARCH" if state.get("keeps_cap_dac_read_search") else ""),
             f"namespaces {'+'.join(state.get('namespaces') or []) or 'none'}"]
    line = "; ".join(parts)
    return f"UNSAFE ({line})" if unsafe else line
