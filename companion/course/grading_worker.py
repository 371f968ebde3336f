"""The sandboxed half of grading: run one student's function on inputs the grader chose.

``companion.course.grading`` starts this file as a script, never imports it:

    python -I -S -B grading_worker.py JOB_DIR SITE_PACKAGES

in a new session, with a minimal environment, no open files but /dev/null,
and JOB_DIR/job.json describing the work. The worker imports nothing from
``companion`` and trusts nothing it runs. In order, it

1. limits itself with ``setrlimit``: address space, CPU seconds, file size,
   open files, no core dumps;
2. imports NumPy (from SITE_PACKAGES only: ``-S`` skips the .pth files, so the
   editable ``companion`` install is not importable), then blocks ``companion``;
3. on Linux, confines itself with Landlock (files: read Python's own
   directories and the system libraries, write JOB_DIR only; no TCP; no signals
   to processes outside) and a seccomp filter (no signals, ptrace, sockets, new
   processes, exec or new sessions); either is skipped if the kernel lacks it,
   and the grader's probe reports which ones held;
4. executes the student's cells, calls the function on every case, and writes
   what it returned to JOB_DIR/out: manifest.json and one .npy per array.

Nothing the student's code does here is believed: it runs in this process and
may write anything into JOB_DIR/out. The grader reads from it only arrays
(``allow_pickle=False``) and plain numbers, and judges them itself; statuses
and points are decided in the grader's process.
"""

from __future__ import annotations

import builtins
import ctypes
import json
import linecache
import os
import platform
import resource
import sys
import traceback

MAX_TEXT = 2000  # characters kept of a message or a line of the student's code
MAX_ITEMS = 64  # items kept of a returned tuple or list
PREAMBLE = "import numpy as np\n"  # what the notebook's setup cell gives every exercise cell


# --- 1. resource limits ------------------------------------------------------------------


def limit_resources(limits: dict) -> None:
    """Hard limits, so that the student's code cannot raise them again."""
    for name, value in [
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_FSIZE", limits["file_bytes"]),
        ("RLIMIT_NOFILE", 256),
        ("RLIMIT_CORE", 0),
    ]:
        if hasattr(resource, name):
            resource.setrlimit(getattr(resource, name), (value, value))


# --- 3a. Landlock: which files the process may touch ----------------------------------------

LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # all architectures
FS_EXECUTE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
FS_ABI1 = (1 << 13) - 1  # the 13 rights of ABI 1: read, write, make and remove files and directories
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3 and 5
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6
PR_SET_NO_NEW_PRIVS = 38


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def restrict_files(readable: list[str], writable: str) -> int:
    """Landlock: read (and execute) only under ``readable``, read and write under ``writable``.

    Returns the Landlock ABI version used, or 0 if the kernel has no Landlock.
    From ABI 4 no TCP either, from ABI 6 no signals to processes outside.
    """
    if sys.platform != "linux":
        return 0
    libc = _libc()
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return 0
    handled = FS_ABI1 | (FS_REFER if abi >= 2 else 0) | (FS_TRUNCATE if abi >= 3 else 0) | (FS_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    rules = [(path, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR) for path in readable] + [(writable, handled)]
    for path, access in rules:
        if not os.path.isdir(path):
            continue
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        rule = _PathBeneathAttr(access, fd)
        libc.syscall(LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0))
        os.close(fd)
    libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    done = libc.syscall(LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    os.close(ruleset)
    return abi if done == 0 else 0


# --- 3b. seccomp: which system calls the process may make --------------------------------

# System calls denied with EPERM: signals to other processes, debugging them,
# the network, new sessions (which would escape the grader's kill), new
# programs and io_uring (which would bypass this filter). clone is allowed only
# for threads, and clone3 answers ENOSYS so that the C library falls back to clone.
_DENIED = ["kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal", "pidfd_getfd",
           "ptrace", "process_vm_readv", "process_vm_writev", "setsid", "setpgid", "socket", "socketpair",
           "execve", "execveat", "fork", "vfork", "unshare", "io_uring_setup", "io_uring_enter", "io_uring_register"]
_SYSCALLS = {
    "x86_64": (0xC000003E, {
        "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
        "pidfd_send_signal": 424, "pidfd_getfd": 438, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "setsid": 112, "setpgid": 109, "socket": 41, "socketpair": 53,
        "execve": 59, "execveat": 322, "fork": 57, "vfork": 58, "unshare": 272, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "clone": 56, "clone3": 435,
    }),
    "aarch64": (0xC00000B7, {
        "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
        "pidfd_send_signal": 424, "pidfd_getfd": 438, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "setsid": 157, "setpgid": 154, "socket": 198, "socketpair": 199,
        "execve": 221, "execveat": 281, "unshare": 97, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "clone": 220, "clone3": 435,
    }),
}
BPF_LD_W_ABS, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM, ENOSYS, CLONE_THREAD = 1, 38, 0x00010000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def deny_syscalls() -> bool:
    """Install the seccomp filter described above; False where the platform has none."""
    if sys.platform != "linux" or platform.machine() not in _SYSCALLS:
        return False
    audit_arch, numbers = _SYSCALLS[platform.machine()]
    program = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ, 1, 0, audit_arch),
        (BPF_RET, 0, 0, RET_KILL_PROCESS),  # another ABI (32-bit calls): refuse everything
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if platform.machine() == "x86_64":
        program += [(BPF_JGE, 0, 1, 0x40000000), (BPF_RET, 0, 0, RET_KILL_PROCESS)]  # the x32 ABI
    for name in _DENIED:
        if name in numbers:
            program += [(BPF_JEQ, 0, 1, numbers[name]), (BPF_RET, 0, 0, RET_ERRNO | EPERM)]
    program += [
        (BPF_JEQ, 0, 1, numbers["clone3"]), (BPF_RET, 0, 0, RET_ERRNO | ENOSYS),
        (BPF_JEQ, 0, 4, numbers["clone"]),
        (BPF_LD_W_ABS, 0, 0, 16),  # low half of the first argument: the clone flags
        (BPF_JSET, 0, 1, CLONE_THREAD),
        (BPF_RET, 0, 0, RET_ALLOW),  # a new thread
        (BPF_RET, 0, 0, RET_ERRNO | EPERM),  # a new process
        (BPF_RET, 0, 0, RET_ALLOW),
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*instruction) for instruction in program])
    fprog = _SockFprog(len(program), filters)
    libc = _libc()
    ulong = ctypes.c_ulong
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog), ulong(0), ulong(0)) == 0


class _NoCompanion:
    """An import hook that refuses ``companion``: a graded cell must stand on its own."""

    def find_spec(self, name, path=None, target=None):
        if name == "companion" or name.startswith("companion."):
            raise ImportError("the grader runs your exercise cells without the companion package; "
                              "keep each exercise cell self-contained (numpy is imported as np for you)")
        return None


# --- 4. running the student's code --------------------------------------------------------


def _text(value: object) -> str:
    try:
        return str(value)[:MAX_TEXT]
    except BaseException:  # a student's exception whose __str__ itself fails
        return "(no message)"


def _line_in(filename: str, error: BaseException) -> str:
    """``"line 7: h = x_t @ W_ih"``: the deepest traceback line in ``filename``, or ""."""
    if isinstance(error, SyntaxError) and error.filename == filename:
        return f"line {error.lineno}: {(error.text or '').strip()}"[:MAX_TEXT]
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    return f"line {frames[-1].lineno}: {frames[-1].line}"[:MAX_TEXT] if frames else ""


def _raised(error: BaseException, filename: str) -> dict:
    return {"type_name": type(error).__name__[:200], "message": _text(error), "line": _line_in(filename, error),
            "not_implemented": isinstance(error, NotImplementedError)}


def run_cells(cells: list[dict], namespace: dict) -> dict | None:
    """Execute the cells in order; return what the last one (the exercise's own) raised, if anything.

    Errors in earlier cells are left to their own exercises; a function they
    failed to define simply stays undefined.
    """
    exec(compile(PREAMBLE, "<grader setup>", "exec"), namespace)
    error = None
    for cell in cells:
        filename = f"<cell {cell['label']}>"
        linecache.cache[filename] = (len(cell["source"]), None, cell["source"].splitlines(True), filename)
        try:
            exec(compile(cell["source"], filename, "exec"), namespace)
            error = None
        except BaseException as raised:  # SystemExit and KeyboardInterrupt too: this is the student's code
            error = _raised(raised, filename)
    return error


def encode(value: object, out_dir: str, prefix: str, depth: int = 0) -> dict:
    """A JSON description of ``value``: arrays go to .npy files, numbers inline, anything else by type name."""
    import numpy as np

    if value is None:
        return {"t": "none"}
    if type(value) is bool:
        return {"t": "bool", "v": value}
    if type(value) is int:
        return {"t": "int", "v": value}
    if type(value) is float:
        return {"t": "float", "v": value}
    if isinstance(value, (np.ndarray, np.generic)) and not np.asarray(value).dtype.hasobject:
        name = f"{prefix}.npy"
        np.save(os.path.join(out_dir, name), np.asarray(value), allow_pickle=False)
        return {"t": "array" if isinstance(value, np.ndarray) else "npscalar", "file": name}
    if isinstance(value, np.ndarray):
        return {"t": "object_array"}
    if type(value) in (tuple, list) and depth < 2 and len(value) <= MAX_ITEMS:
        items = [encode(item, out_dir, f"{prefix}_{i}", depth + 1) for i, item in enumerate(value)]
        return {"t": type(value).__name__, "items": items}
    kind = type(value)
    return {"t": "other", "module": _text(kind.__module__)[:200], "qualname": _text(kind.__qualname__)[:200]}


def run_cases(fn, cases: list[dict], job_dir: str, out_dir: str) -> list[dict]:
    """Call ``fn`` on each case's inputs; one result per case: what it returned, or what it raised."""
    import numpy as np

    filename = getattr(getattr(fn, "__code__", None), "co_filename", "")
    results = []
    for i, case in enumerate(cases):
        kwargs = {name: np.load(os.path.join(job_dir, path), allow_pickle=False) for name, path in case["arrays"].items()}
        kwargs.update(case["values"])
        try:
            value = fn(**kwargs)
        except BaseException as error:
            results.append({"raised": _raised(error, filename)})
            continue
        try:
            results.append({"value": encode(value, out_dir, f"c{i}")})
        except BaseException as error:  # an object that fails while being saved
            results.append({"value": {"t": "other", "module": "builtins", "qualname": type(value).__name__[:200]},
                            "note": _text(error)})
    return results


def probe(job_dir: str, outside_file: str) -> dict:
    """What the sandbox blocks here, tested with harmless attempts (run by the grader, not students)."""
    report = {}
    try:
        os.kill(os.getppid(), 0)  # signal 0 only asks whether the process exists
        report["signals_blocked"] = False
    except PermissionError:
        report["signals_blocked"] = True
    try:
        with open(outside_file, encoding="utf-8") as file:
            file.read()
        report["files_confined"] = False
    except PermissionError:
        report["files_confined"] = True
    try:
        import socket

        socket.socket().close()
        report["network_blocked"] = False
    except OSError:
        report["network_blocked"] = True
    report["processes_blocked"] = not hasattr(os, "fork") or _fork_fails()
    try:
        bytearray(resource.getrlimit(resource.RLIMIT_AS)[0] + 1)
        report["memory_limited"] = False
    except (MemoryError, OverflowError):
        report["memory_limited"] = True
    return report


def _fork_fails() -> bool:
    try:
        pid = os.fork()
    except OSError:
        return True
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return False


def main(job_dir: str, site_packages: str) -> None:
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as file:
        job = json.load(file)
    limit_resources(job["limits"])
    sys.path.append(site_packages)
    import numpy  # noqa: F401  (imported before the sandbox closes; the student's code uses it)

    sys.meta_path.insert(0, _NoCompanion())
    out_dir = os.path.join(job_dir, "out")
    readable = [sys.prefix, sys.base_prefix, site_packages, "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib"]
    sandbox = {"landlock_abi": restrict_files(readable, job_dir), "seccomp": deny_syscalls()}

    if "probe" in job:
        manifest = {"sandbox": sandbox, "probe": probe(job_dir, job["probe"])}
    else:
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        cell_error = run_cells(job["cells"], namespace)
        fn = namespace.get(job["function"])
        manifest = {"cell_error": cell_error, "defined": callable(fn)}
        if callable(fn):
            manifest["cases"] = run_cases(fn, job["cases"], job_dir, out_dir)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as file:
        json.dump(manifest, file)
    os._exit(0)  # no atexit handlers: the student's code may have registered some


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
