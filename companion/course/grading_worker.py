"""The sandboxed half of grading: run one student's functions on inputs the grader chose.

``companion.course.grading_sandbox`` copies this file into its scratch folder
and starts the copy as a script, never imports it:

    python -I -S -B worker.py JOB_DIR

in a new session, with a minimal environment, stdout a pipe to the grader,
and JOB_DIR/job.json naming the tasks (one per exercise of one student), each
a folder JOB_DIR/tN with its own job.json, inputs (in/) and results (out/).
The worker imports nothing from ``companion`` and trusts nothing it runs.

The worker itself runs no student code. It

1. enters new PID, mount, IPC, network and UTS namespaces where the kernel
   allows (and a new user namespace first when it is not root and Python
   can be read without privileges), recording which it got; in a new PID
   namespace it forks, and the child, the first process of that namespace,
   does the rest while the parent only waits and passes on how it ended;
2. imports NumPy once (``-S`` skips the .pth files, and the folder holding
   NumPy is taken off ``sys.path`` again once it is imported);
3. for each task, forks a child and watches it: wall-clock timeout, and the
   total size of the task's folder (RLIMIT_FSIZE caps each file, this caps
   their sum); it kills the child past either, and reports to the grader on
   its stdout, one JSON line per task: exit status, and what stopped it.

Each child, before it runs a line of the student's code,

a. limits itself with ``setrlimit``: address space, CPU seconds, file size,
   open files, no core dumps;
b. confines itself with Landlock, an allow-list of files: read Python's
   standard library, NumPy's own folders and the shared libraries already
   loaded; read and write its task folder; nothing else, so neither
   ``companion``, nor other students' notebooks, nor the other tasks can be
   read, however the package is installed; no TCP; from Landlock ABI 6 no
   signals out;
c. run as root, drops to the user ``drop_to`` (nobody) for good: no groups,
   no capabilities but, where Python lives in a folder other users cannot
   enter (``/root/.pyenv``), CAP_DAC_READ_SEARCH, so that it can still read
   the files Landlock allows and nothing more;
d. installs a seccomp filter that refuses signals, ``prlimit64`` and
   scheduling calls aimed at any other process, ``setpriority``, new
   processes and sessions, exec, sockets, ``memfd_create``, System V shared
   memory, ``mknod``, the chmod/chown/utime/xattr families, mounts and
   namespaces, ptrace and io_uring;
e. executes the student's cells, calls the function on every case, and
   writes what it returned to tN/out: manifest.json and one .npy per array.

If the grader asked for the sandbox (``require_sandbox``) and Landlock,
seccomp or the drop of privileges failed, the child runs no student code and
exits with ``EXIT_NO_SANDBOX``; a failure of the worker's own setup exits
with ``EXIT_SETUP``.

Nothing the student's code does is believed: it may write anything into its
tN/out. The grader reads from it only arrays (``allow_pickle=False``) and
plain numbers, and judges them itself; statuses and points are decided in the
grader's process. The reports on stdout come from the worker, which the
children can neither signal, trace nor write to.
"""

from __future__ import annotations

import builtins
import ctypes
import importlib
import json
import linecache
import os
import platform
import resource
import signal
import sys
import sysconfig
import time
import traceback

MAX_TEXT = 2000  # characters kept of a message or a line of the student's code
MAX_ITEMS = 64  # items kept of a returned tuple or list
PREAMBLE = "import numpy as np\n"  # what the notebook's setup cell gives every exercise cell
EXIT_SETUP, EXIT_NO_SANDBOX = 70, 71


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


# --- 1. namespaces -----------------------------------------------------------------------------

NAMESPACES = {"user": 0x10000000, "pid": 0x20000000, "mount": 0x00020000, "ipc": 0x08000000,
              "net": 0x40000000, "uts": 0x04000000}
# Tried in this order; the first set the kernel grants is kept.
NAMESPACE_CHOICES = [("user", "pid", "mount", "ipc", "net", "uts"), ("user", "pid", "mount"), ("user", "pid"),
                     ("pid", "mount", "ipc", "net", "uts"), ("user",)]


def enter_namespaces(user: bool) -> list[str]:
    """Unshare what the kernel allows; returns the namespaces obtained (in the child, after a fork).

    user: whether to try a new user namespace (not when root will drop to another user later:
    that user would not be mapped in it).
    """
    if sys.platform != "linux":
        return []
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    for names in [choice for choice in NAMESPACE_CHOICES if user or "user" not in choice]:
        flags = sum(NAMESPACES[name] for name in names)
        if libc.unshare(ctypes.c_int(flags)) == 0:
            break
    else:
        return []
    if "user" in names:
        # Map our own ids to themselves: without a map, files could not be created.
        for path, text in [("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                           ("/proc/self/gid_map", f"{gid} {gid} 1")]:
            with open(path, "w") as file:
                file.write(text)
    if "pid" in names:
        child = os.fork()  # the child is process 1 of the new PID namespace
        if child:
            _, status = os.waitpid(child, 0)
            if os.WIFSIGNALED(status):
                signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
                os.kill(os.getpid(), os.WTERMSIG(status))
            os._exit(os.waitstatus_to_exitcode(status))
    return list(names)


# --- a. resource limits ------------------------------------------------------------------


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


def peak_memory_bytes() -> int:
    """VmPeak of this process (what RLIMIT_AS compares with), or 0 where /proc has none."""
    try:
        with open("/proc/self/status", encoding="ascii") as file:
            for line in file:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# --- c. dropping root ---------------------------------------------------------------------

PR_SET_KEEPCAPS, CAP_DAC_READ_SEARCH, CAPABILITY_VERSION_3 = 8, 2, 0x20080522
CAPSET = {"x86_64": 126, "aarch64": 91}


def others_can_read(paths: list[str]) -> bool:
    """Whether a user without privileges may enter every folder on the way to each of ``paths``."""
    for path in paths:
        folder = os.path.dirname(os.path.realpath(path))
        while folder != "/":
            try:
                if not os.stat(folder).st_mode & 0o001:
                    return False
            except OSError:
                return False
            folder = os.path.dirname(folder)
    return True


def drop_privileges(uid: int, keep_read: bool) -> None:
    """Become ``uid`` (and gid ``uid``) with no groups; with ``keep_read``, keep CAP_DAC_READ_SEARCH alone."""
    libc = _libc()
    ulong = ctypes.c_ulong
    if keep_read and libc.prctl(PR_SET_KEEPCAPS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        raise OSError("prctl(PR_SET_KEEPCAPS) failed")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if keep_read:
        header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)(1 << CAP_DAC_READ_SEARCH, 1 << CAP_DAC_READ_SEARCH, 0, 0, 0, 0)
        if libc.syscall(CAPSET[platform.machine()], header, data) != 0:
            raise OSError("capset failed")
        libc.prctl(PR_SET_KEEPCAPS, ulong(0), ulong(0), ulong(0), ulong(0))
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"still uid {os.getuid()}")


# --- b. Landlock: which files the process may touch ----------------------------------------

LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # all architectures
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
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


def readable_paths(numpy_dir: str) -> list[str]:
    """The allow-list of reading: the standard library (not its site-packages), NumPy, loaded libraries.

    Folders are allowed with everything beneath them, so a folder that holds
    site-packages somewhere below (a Python prefix, /usr/lib) is never listed
    whole: its children are, but for site-packages and dist-packages, or only
    the files that are already mapped into this process.
    """
    stdlib = sysconfig.get_paths()["stdlib"]
    paths = [os.path.join(stdlib, name) for name in sorted(os.listdir(stdlib))
             if name not in ("site-packages", "dist-packages")]
    paths += [numpy_dir, numpy_dir.rstrip("/") + ".libs"]
    multiarch = getattr(sys.implementation, "_multiarch", "")
    if multiarch:
        paths += [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"]
    paths += ["/etc/ld.so.cache", "/dev/null", "/dev/urandom"]
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as file:
            paths += [line.split(None, 5)[5].strip() for line in file if len(line.split(None, 5)) == 6]
    except OSError:
        pass
    return sorted({path for path in paths if path.startswith("/") and os.path.exists(path)})


def restrict_files(readable: list[str], writable: str) -> int:
    """Landlock: read (and execute) only ``readable``, read and write under ``writable``.

    Returns the Landlock ABI version used, or 0 if the kernel has no Landlock
    or a rule could not be added. From ABI 4 no TCP either, from ABI 6 no
    signals to processes outside.
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
    file_rights = FS_EXECUTE | FS_READ_FILE
    rules = [(path, file_rights | (FS_READ_DIR if os.path.isdir(path) else 0)) for path in readable if path != writable]
    rules += [("/dev/null", FS_READ_FILE | FS_WRITE_FILE), (writable, handled)]
    try:
        for path, access in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            rule = _PathBeneathAttr(access, fd)
            added = libc.syscall(LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                                 ctypes.c_uint32(0))
            os.close(fd)
            if added != 0 and path == writable:
                return 0
        if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)):
            return 0
        done = libc.syscall(LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return abi if done == 0 else 0


# --- d. seccomp: which system calls the process may make --------------------------------

# Refused outright, with EPERM.
DENIED = [
    # signals and handles on other processes, debugging them
    "tkill", "pidfd_send_signal", "pidfd_open", "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev",
    "kcmp", "process_madvise", "process_mrelease",
    # priorities and memory placement of others (setpriority has no use here at all)
    "setpriority", "ioprio_set", "migrate_pages", "move_pages",
    # memory that outlives the process or escapes RLIMIT_AS
    "memfd_create", "memfd_secret", "shmget", "shmat", "shmctl", "semget", "semop", "semctl", "semtimedop",
    "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "add_key", "request_key", "keyctl",
    # files: device nodes and metadata (Landlock does not cover chmod, chown, utime, xattr)
    "mknod", "mknodat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
    "lremovexattr", "fremovexattr", "setxattrat", "removexattrat", "name_to_handle_at", "open_by_handle_at",
    # sessions, processes, programs, the network, mounts, namespaces, kernel interfaces
    "setsid", "setpgid", "socket", "socketpair", "execve", "execveat", "fork", "vfork", "unshare", "setns",
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "quotactl", "bpf", "perf_event_open", "userfaultfd", "personality",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
]
# Allowed only when their first argument, a process id, is this process's own (signals: 0 would
# mean the whole process group), or for the others 0 or its own (0 means "myself").
SIGNALS_TO_SELF = ["kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"]
CALLS_ON_SELF = ["prlimit64", "sched_setaffinity", "sched_setparam", "sched_setscheduler", "sched_setattr"]
_SYSCALLS = {
    "x86_64": (0xC000003E, {
        "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
        "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "kcmp": 312, "process_madvise": 440, "process_mrelease": 448,
        "setpriority": 141, "ioprio_set": 251, "migrate_pages": 256, "move_pages": 279,
        "prlimit64": 302, "sched_setaffinity": 203, "sched_setparam": 142, "sched_setscheduler": 144,
        "sched_setattr": 314, "memfd_create": 319, "memfd_secret": 447, "shmget": 29, "shmat": 30, "shmctl": 31,
        "semget": 64, "semop": 65, "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70,
        "msgctl": 71, "mq_open": 240, "add_key": 248, "request_key": 249, "keyctl": 250,
        "mknod": 133, "mknodat": 259, "chmod": 90, "fchmod": 91, "fchmodat": 268, "fchmodat2": 452, "chown": 92,
        "fchown": 93, "lchown": 94, "fchownat": 260, "utime": 132, "utimes": 235, "futimesat": 261,
        "utimensat": 280, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197,
        "lremovexattr": 198, "fremovexattr": 199, "setxattrat": 463, "removexattrat": 466,
        "name_to_handle_at": 303, "open_by_handle_at": 304,
        "setsid": 112, "setpgid": 109, "socket": 41, "socketpair": 53, "execve": 59, "execveat": 322,
        "fork": 57, "vfork": 58, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "quotactl": 179, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "personality": 135, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "clone": 56, "clone3": 435,
    }),
    "aarch64": (0xC00000B7, {
        "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
        "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "kcmp": 272, "process_madvise": 440, "process_mrelease": 448,
        "setpriority": 140, "ioprio_set": 30, "migrate_pages": 238, "move_pages": 239,
        "prlimit64": 261, "sched_setaffinity": 122, "sched_setparam": 118, "sched_setscheduler": 119,
        "sched_setattr": 274, "memfd_create": 279, "memfd_secret": 447, "shmget": 194, "shmctl": 195,
        "shmat": 196, "semget": 190, "semctl": 191, "semtimedop": 192, "semop": 193, "msgget": 186,
        "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "mq_open": 180, "add_key": 217, "request_key": 218,
        "keyctl": 219, "mknodat": 33, "fchmod": 52, "fchmodat": 53, "fchmodat2": 452, "fchownat": 54,
        "fchown": 55, "utimensat": 88, "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14,
        "lremovexattr": 15, "fremovexattr": 16, "setxattrat": 463, "removexattrat": 466,
        "name_to_handle_at": 264, "open_by_handle_at": 265,
        "setsid": 157, "setpgid": 154, "socket": 198, "socketpair": 199, "execve": 221, "execveat": 281,
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "quotactl": 60, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "personality": 92, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "clone": 220, "clone3": 435,
    }),
}
BPF_LD_W_ABS, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM, ENOSYS, CLONE_THREAD = 1, 38, 0x00010000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_NR, SECCOMP_ARCH, SECCOMP_ARG0_LOW = 0, 4, 16  # offsets in struct seccomp_data (little-endian)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(machine: str, own_pid: int) -> list[tuple[int, int, int, int]]:
    """The BPF program: one block per listed system call, each ending in a return; allow the rest.

    A filter compares arguments only with constants, so "this process" is the
    process id at install time (1 in a new PID namespace) or 0; the kernel reads
    a pid_t from the low 32 bits of the argument, which is what is compared.
    """
    audit_arch, numbers = _SYSCALLS[machine]
    program = [
        (BPF_LD_W_ABS, 0, 0, SECCOMP_ARCH),
        (BPF_JEQ, 1, 0, audit_arch),
        (BPF_RET, 0, 0, RET_KILL_PROCESS),  # another ABI (32-bit calls): refuse everything
        (BPF_LD_W_ABS, 0, 0, SECCOMP_NR),
    ]
    if machine == "x86_64":
        program += [(BPF_JGE, 0, 1, 0x40000000), (BPF_RET, 0, 0, RET_KILL_PROCESS)]  # the x32 ABI
    for name in DENIED:
        if name in numbers:
            program += [(BPF_JEQ, 0, 1, numbers[name]), (BPF_RET, 0, 0, RET_ERRNO | EPERM)]
    for name in SIGNALS_TO_SELF + CALLS_ON_SELF:
        zero = 0 if name in CALLS_ON_SELF else own_pid  # for signals, compare with own_pid twice
        program += [
            (BPF_JEQ, 0, 5, numbers[name]),
            (BPF_LD_W_ABS, 0, 0, SECCOMP_ARG0_LOW),
            (BPF_JEQ, 2, 0, zero),
            (BPF_JEQ, 1, 0, own_pid),
            (BPF_RET, 0, 0, RET_ERRNO | EPERM),
            (BPF_RET, 0, 0, RET_ALLOW),
        ]
    program += [
        (BPF_JEQ, 0, 1, numbers["clone3"]), (BPF_RET, 0, 0, RET_ERRNO | ENOSYS),  # the C library falls back to clone
        (BPF_JEQ, 0, 4, numbers["clone"]),
        (BPF_LD_W_ABS, 0, 0, SECCOMP_ARG0_LOW),  # the clone flags
        (BPF_JSET, 0, 1, CLONE_THREAD),
        (BPF_RET, 0, 0, RET_ALLOW),  # a new thread
        (BPF_RET, 0, 0, RET_ERRNO | EPERM),  # a new process
        (BPF_RET, 0, 0, RET_ALLOW),
    ]
    return program


def deny_syscalls() -> bool:
    """Install the seccomp filter described above; False where the platform has none."""
    if sys.platform != "linux" or platform.machine() not in _SYSCALLS:
        return False
    program = seccomp_program(platform.machine(), os.getpid())
    filters = (_SockFilter * len(program))(*[_SockFilter(*instruction) for instruction in program])
    fprog = _SockFprog(len(program), filters)
    libc = _libc()
    ulong = ctypes.c_ulong
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog), ulong(0), ulong(0)) == 0


PRELOADABLE = ("torch",)


def preload(name: str, site_packages: str) -> str:
    """Import the library ``name`` before the sandbox closes; returns its folder (to be readable)."""
    if name not in PRELOADABLE:
        raise ValueError(f"the grader preloads only {PRELOADABLE}; got {name!r}")
    sys.path.append(site_packages)
    try:
        module = importlib.import_module(name)
        if name == "torch":
            module.set_num_threads(1)  # no thread pool to start once confined
            # One optimiser step with clipping: what an exercise uses, so that the modules
            # torch imports lazily on first use are loaded while they can still be read.
            weight = module.zeros(2, requires_grad=True)
            optimizer = module.optim.SGD([weight], lr=0.1)
            module.nn.functional.cross_entropy(weight[None], module.tensor([0])).backward()
            module.nn.utils.clip_grad_norm_([weight], 1.0)
            optimizer.step()
    finally:
        sys.path.remove(site_packages)
        sys.path_importer_cache.pop(site_packages, None)
    return os.path.dirname(module.__file__)


class _NoCompanion:
    """An import hook that refuses ``companion``: a graded cell must stand on its own."""

    def find_spec(self, name, path=None, target=None):
        if name == "companion" or name.startswith("companion."):
            raise ImportError("the grader runs your exercise cells without the companion package; "
                              "keep each exercise cell self-contained (numpy is imported as np for you)")
        return None


# --- e. running the student's code --------------------------------------------------------


def _text(value: object) -> str:
    try:
        return str(value)[:MAX_TEXT]
    except BaseException:  # a student's exception whose __str__ itself fails
        return "(no message)"


def _line_in(filename: str, error: BaseException) -> str:
    """``"line 7: h = x_t @ W_ih"``: the deepest traceback line in ``filename``, or ""."""
    try:
        if isinstance(error, SyntaxError) and error.filename == filename:
            return f"line {error.lineno}: {(error.text or '').strip()}"[:MAX_TEXT]
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
        return f"line {frames[-1].lineno}: {frames[-1].line}"[:MAX_TEXT] if frames else ""
    except BaseException:
        return ""


def _raised(error: BaseException, filename: str) -> dict:
    return {"type_name": _text(type(error).__name__)[:200], "message": _text(error), "line": _line_in(filename, error),
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


def _changed_arguments(np, before: dict, after: dict, allowed) -> list[str]:
    """Names of the arguments whose value after the call differs from a fresh copy of the input."""
    changed = []
    for name, original in before.items():
        if name in allowed:
            continue
        value = after[name]
        if isinstance(original, np.ndarray):
            same = (isinstance(value, np.ndarray) and value.shape == original.shape and value.dtype == original.dtype
                    and bool(np.array_equal(value, original, equal_nan=original.dtype.kind in "fc")))
        else:
            try:
                same = type(value) is type(original) and bool(value == original)
            except Exception:  # noqa: BLE001 (a value whose comparison fails counts as changed)
                same = False
        if not same:
            changed.append(name)
    return changed


def run_cases(fn, cases: list[dict], job_dir: str, out_dir: str, errstate=("over", "invalid"),
              in_place=()) -> list[dict]:
    """Call ``fn`` on each case's inputs; one result per case: what it returned, or what it raised.

    As ``check`` does: the call runs under ``np.errstate`` raising ``errstate``,
    and an argument not in ``in_place`` that the call changed is reported.
    """
    import numpy as np

    filename = getattr(getattr(fn, "__code__", None), "co_filename", "")
    results = []
    for i, case in enumerate(cases):
        def load():
            kwargs = {name: np.load(os.path.join(job_dir, path), allow_pickle=False)
                      for name, path in case["arrays"].items()}
            kwargs.update(case["values"])
            return kwargs
        kwargs, before = load(), load()
        try:
            with np.errstate(**{category: "raise" for category in errstate}):
                value = fn(**kwargs)
        except BaseException as error:
            results.append({"raised": _raised(error, filename)})
            continue
        changed = _changed_arguments(np, before, kwargs, in_place)
        try:
            result = {"value": encode(value, out_dir, f"c{i}")}
        except BaseException as error:  # an object that fails while being saved
            result = {"value": {"t": "other", "module": "builtins", "qualname": _text(type(value).__name__)[:200]},
                      "note": _text(error)}
        if changed:
            result["modified"] = changed
        results.append(result)
    return results


def _attempt(action) -> bool:
    """True if ``action()`` was refused (raised OSError); False if it went through."""
    try:
        action()
    except OSError:
        return True
    return False


def probe(targets: dict) -> dict:
    """What the sandbox blocks here, tested with harmless attempts (run by the grader, not students).

    ``targets``: ``outside`` a file outside the job folder; ``package`` a file of ``companion``.
    """
    def read(path):
        with open(path, "rb") as file:
            file.read(1)

    def memfd():
        os.close(os.memfd_create("probe"))

    report = {
        "signals_blocked": _attempt(lambda: os.kill(os.getppid() or 1 << 22, 0)) and _attempt(lambda: os.kill(-1, 0)),
        "limits_blocked": _attempt(lambda: resource.prlimit(os.getppid() or 1 << 22, resource.RLIMIT_CPU)),
        "priority_blocked": _attempt(lambda: os.setpriority(os.PRIO_PROCESS, 0, 0)),
        "files_confined": _attempt(lambda: read(targets["outside"])),
        "package_hidden": _attempt(lambda: read(targets["package"])),
        "metadata_blocked": _attempt(lambda: os.chmod(".", 0o700)) and _attempt(lambda: os.utime(".")),
        "memfd_blocked": not hasattr(os, "memfd_create") or _attempt(memfd),
        "network_blocked": _attempt(lambda: __import__("socket").socket().close()),
        "processes_blocked": not hasattr(os, "fork") or _attempt(_fork),
    }
    try:
        bytearray(resource.getrlimit(resource.RLIMIT_AS)[0] + 1)
        report["memory_limited"] = False
    except (MemoryError, OverflowError):
        report["memory_limited"] = True
    return report


def _fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def run_task(task_dir: str, job: dict, readable: list[str], drop_to: int | None, sandbox: dict) -> None:
    """In a forked child: confine this process, then run one exercise (or the probe) in ``task_dir``. Never returns."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)  # the report pipe to the grader is the parent's alone
        os.chdir(task_dir)
        sys.argv[1:] = [task_dir]
        with open(os.path.join(task_dir, "job.json"), encoding="utf-8") as file:
            task = json.load(file)
        limit_resources(job["limits"])
        state = dict(sandbox, landlock_abi=restrict_files(readable, task_dir))
        if drop_to is not None:
            state["keeps_cap_dac_read_search"] = not others_can_read([sys.executable, *readable])
            try:
                drop_privileges(drop_to, state["keeps_cap_dac_read_search"])
            except OSError:
                pass
        state["uid"] = os.geteuid()
        state["seccomp"] = deny_syscalls()
        dropped = drop_to is None or state["uid"] == drop_to
        if job.get("require_sandbox") and not (state["landlock_abi"] and state["seccomp"] and dropped):
            os._exit(EXIT_NO_SANDBOX)
    except BaseException:
        os._exit(EXIT_SETUP)

    out_dir = os.path.join(task_dir, "out")
    if "probe" in task:
        manifest = {"sandbox": state, "probe": probe(task["probe"])}
    else:
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        cell_error = run_cells(task["cells"], namespace)
        fn = namespace.get(task["function"])
        manifest = {"cell_error": cell_error, "defined": callable(fn)}
        if callable(fn):
            manifest["cases"] = run_cases(fn, task["cases"], task_dir, out_dir,
                                          task.get("errstate", ("over", "invalid")), task.get("in_place", ()))
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as file:
        json.dump(manifest, file)
    os._exit(0)  # no atexit handlers: the student's code may have registered some


def folder_bytes(folder: str, max_entries: int = 10_000) -> int:
    """Bytes held by the files under ``folder`` (size or blocks, the larger); -1 past ``max_entries`` entries."""
    total, entries, stack = 0, 0, [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as listing:
                for entry in listing:
                    entries += 1
                    if entries > max_entries:
                        return -1
                    info = entry.stat(follow_symlinks=False)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    total += max(info.st_size, info.st_blocks * 512)
        except OSError:
            continue
    return total


def watch(pid: int, task_dir: str, timeout: float, quota: int) -> dict:
    """Wait for the child ``pid``; kill it past ``timeout`` seconds or when ``task_dir`` holds more than ``quota`` bytes."""
    start, polls = time.monotonic(), 0
    stopped_for = ""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        polls += 1
        if time.monotonic() - start > timeout:
            stopped_for = "timeout"
        elif polls % 20 == 0 and not 0 <= folder_bytes(task_dir) <= quota:
            stopped_for = "quota"
        if stopped_for:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    if not stopped_for and not 0 <= folder_bytes(task_dir) <= quota:
        stopped_for = "quota"
    return {"code": os.waitstatus_to_exitcode(status), "stopped_for": stopped_for,
            "seconds": round(time.monotonic() - start, 3)}


def main(job_dir: str) -> None:
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as file:
        job = json.load(file)
    drop_to = job.get("drop_to") if os.geteuid() == 0 else None
    # A new user namespace loses any capability on files outside it: skip it when reading Python needs one.
    stdlib = sysconfig.get_paths()["stdlib"]
    user_namespace = drop_to is None and others_can_read([sys.executable, stdlib, job["numpy_parent"]])
    sandbox = {"namespaces": enter_namespaces(user=user_namespace)}
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    try:
        sys.path.append(job["numpy_parent"])
        import numpy

        sys.path.remove(job["numpy_parent"])
        sys.path_importer_cache.pop(job["numpy_parent"], None)
        preloaded = [preload(name, job["numpy_parent"]) for name in job.get("preload", [])]
        readable = sorted(set(readable_paths(os.path.dirname(numpy.__file__)) + preloaded))
        sandbox["vm_peak"] = peak_memory_bytes()
        if preloaded:  # the student's code gets --memory-mb on top of what the libraries already hold
            job["limits"]["memory_bytes"] += sandbox["vm_peak"]
    except BaseException as error:
        report.write(json.dumps({"setup_error": f"{type(error).__name__}: {_text(error)}"}) + "\n")
        report.flush()
        os._exit(EXIT_SETUP)
    sys.meta_path.insert(0, _NoCompanion())
    for name in job["tasks"]:
        task_dir = os.path.join(job_dir, name)
        quota = folder_bytes(task_dir) + job["limits"]["total_bytes"]
        child = os.fork()
        if child == 0:
            report.close()
            run_task(task_dir, job, readable, drop_to, sandbox)
        result = watch(child, task_dir, job["timeout"], quota)
        report.write(json.dumps({"task": name, **result}) + "\n")
        report.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
