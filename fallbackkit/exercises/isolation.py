"""Running a learner's code at arm's length: its own process, limits, folder, no network.

What a graded submission gets (and what it does not) is documented in docs/grading.md. In short:

* **its own process**, in a new session and process group, started with resource limits
  (``RLIMIT_AS`` memory, ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` file size, ``RLIMIT_NPROC``
  processes, no core dumps) and a wall-time limit; when it ends — or runs out of time — every
  process left in its process group, its session or carrying its run token is killed;
* when the grader runs as root, the process runs as an unprivileged user id of its own, so the
  operating system stops it writing the grader's files, signalling the grader or reading
  files only root can read (``RLIMIT_NPROC`` only binds non-root users);
* **a fresh temporary folder** holding only a copy of the notebook, as working folder, HOME
  and TMPDIR; a minimal environment (no grader variables), proxies pointed at a closed port;
* **an audit-hook guard** (:func:`install_guard`, installed before any learner code runs,
  and audit hooks cannot be removed) that refuses: opening the solutions, the submissions or
  the gradebook; writing, deleting or renaming outside its folder; starting processes
  (``os.system``, ``subprocess``, ``os.fork``/``exec``/``spawn``); sockets to anything but
  local ``AF_UNIX`` ones; signalling other processes.

It is not a security sandbox: code that reaches C (``ctypes``, ``_posixsubprocess``, a
compiled extension it wrote) gets past the audit hook; the limits and the process sweep
still hold then, and the grader never trusts the learner's process with a verdict.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLOSED_PROXY = "http://127.0.0.1:9"      # the discard port: nothing listens, connections fail at once


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Wall time is for the whole learner run; cell time for one cell."""

    wall_s: float = 300.0
    cell_s: float = 60.0
    memory_mb: int = 2048
    file_mb: int = 64
    nproc: int = 256           # extra processes/threads beyond those the user already runs (non-root)
    drop_privileges: bool = True


def run_token() -> str:
    return "fk-grade-" + os.urandom(8).hex()


def child_env(workdir: Path, token: str, extra: dict | None = None) -> dict:
    """A minimal environment: enough to run Python from this virtualenv, nothing of the grader's."""
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "HOME": str(workdir),
           "TMPDIR": str(workdir / "tmp"), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONHASHSEED": "0", "IPYTHONDIR": str(workdir / ".ipython"), "MPLBACKEND": "Agg",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "FK_GRADE_RUN": token, "no_proxy": "", "NO_PROXY": ""}
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env[var] = CLOSED_PROXY
    env.update(extra or {})
    return env


def _user_tasks(uid: int) -> int:
    """Processes and threads ``uid`` runs now (RLIMIT_NPROC counts both)."""
    n = 0
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if d.isdigit():
            try:
                st = os.stat(f"/proc/{d}")
                if st.st_uid == uid:
                    n += len(os.listdir(f"/proc/{d}/task"))
            except OSError:
                pass
    return n


def _others_can_run(path: str) -> bool:
    """True when a user with no rights of its own can reach and run ``path`` (every folder o+x)."""
    import stat
    p = os.path.realpath(path)
    parts = [p] + [str(q) for q in Path(p).parents]
    try:
        return all(os.stat(q).st_mode & stat.S_IXOTH for q in parts)
    except OSError:
        return False


def sandbox_uid() -> int | None:
    """An unprivileged uid for this grading process (root only), distinct per concurrent worker.

    None when not root, or when the interpreter or the package is out of reach of other users
    (e.g. a Python installed under /root): grading then runs as the grader's own user.
    """
    if os.geteuid() != 0:
        return None
    import fallbackkit
    if not (_others_can_run(sys.executable) and _others_can_run(os.path.dirname(fallbackkit.__file__))):
        return None
    return 200_000 + os.getpid() % 50_000


def _preexec(limits: Limits, uid: int | None, nproc: int):
    def setup():
        os.setsid()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a too-big file fails to grow; it does not kill
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(limits.wall_s) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    return setup


def prepare_workdir(workdir: Path, uid: int | None) -> None:
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    if uid is not None:
        for root, dirs, fls in os.walk(workdir):
            for p in [root] + [os.path.join(root, x) for x in dirs + fls]:
                os.chown(p, uid, uid)


def run(cmd: list[str], workdir: Path, limits: Limits, *, stdin: bytes = b"", sandboxed: bool = True,
        timeout_s: float | None = None, capture: bool = False) -> tuple[int | None, bytes]:
    """Run ``cmd`` in ``workdir`` under ``limits``; return (exit code or None on timeout, stdout).

    Output goes to /dev/null unless ``capture`` (then stdout is kept, up to 64 MB).
    Every process the command started is killed before this returns.
    """
    token = run_token()
    uid = sandbox_uid() if (sandboxed and limits.drop_privileges) else None
    prepare_workdir(workdir, uid)
    # RLIMIT_NPROC counts every process and thread of the user: leave room for what already runs
    nproc = limits.nproc + (_user_tasks(os.getuid()) if uid is None else 0)
    out_path = workdir.parent / f"{workdir.name}.out"
    with open(out_path if capture else os.devnull, "wb") as out, open(os.devnull, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=workdir, env=child_env(workdir, token), stdin=subprocess.PIPE,
                                stdout=out, stderr=err, close_fds=True, preexec_fn=_preexec(limits, uid, nproc))
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            code: int | None = proc.wait(timeout=timeout_s or limits.wall_s)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            kill_all(proc.pid, token, uid)
            proc.wait()
    if not capture:
        return code, b""
    try:
        with open(out_path, "rb") as fh:
            data = fh.read(64 * 1024 * 1024)
    finally:
        out_path.unlink(missing_ok=True)
    return code, data


def kill_all(pid: int, token: str, uid: int | None) -> None:
    """Kill the process group and session of ``pid``, and any process carrying ``token`` or ``uid``."""
    for _ in range(3):
        victims = set()
        for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                pgid, sid = int(fields[2]), int(fields[3])
                mine = pgid == pid or sid == pid
                if not mine and uid is not None:
                    mine = os.stat(f"/proc/{d}").st_uid == uid
                if not mine:
                    with open(f"/proc/{d}/environ", "rb") as fh:
                        mine = f"FK_GRADE_RUN={token}".encode() in fh.read().split(b"\0")
                if mine:
                    victims.add(int(d))
            except (OSError, IndexError, ValueError):
                continue
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for v in victims:
            try:
                os.kill(v, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not victims:
            return
        time.sleep(0.05)


# -- the in-process guard (runs inside the learner's process, before the learner's code) ----------
def install_guard(workdir: str, protected: list[str]) -> None:
    """Refuse, from now on in this process, what a graded notebook has no business doing.

    An audit hook (PEP 578) cannot be removed once added. ``protected``: folders whose files may
    not even be read (solutions, submissions, gradebook).
    """
    import socket
    import threading
    real = os.path.realpath
    home = real(workdir)
    shut = [real(p) for p in protected]
    allowed_devices = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero", "/dev/tty")
    busy = threading.local()
    me = os.getpid()
    process_events = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                      "subprocess.Popen", "pty.spawn", "os.startfile", "_posixsubprocess.fork_exec"}
    write_events = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown",
                    "os.symlink", "os.link", "os.utime", "shutil.rmtree", "shutil.move", "os.chflags"}

    def inside(path: str, roots: list[str]) -> bool:
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    def resolve(p) -> str | None:
        if isinstance(p, int) or p is None:
            return None
        try:
            return real(os.fsdecode(p))
        except (TypeError, ValueError):
            return None

    def deny(what: str):
        raise PermissionError(f"graded notebooks may not {what}")

    def hook(event: str, args: tuple) -> None:
        if getattr(busy, "on", False):
            return
        busy.on = True
        try:
            if event in process_events:
                deny("start processes")
            if event in ("os.kill", "os.killpg") and args and args[0] not in (me, 0):
                deny("signal other processes")
            if event in ("socket.connect", "socket.sendto", "socket.bind", "socket.connect_ex"):
                sock = args[0]
                if getattr(sock, "family", None) != socket.AF_UNIX:
                    deny("use the network")
            if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                         "socket.gethostbyaddr"):
                deny("use the network")
            if event == "open":
                path = resolve(args[0])
                if path is None:
                    return
                if inside(path, shut):
                    deny(f"read {path}")
                mode, flags = args[1] or "", args[2] or 0
                writes = any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC)
                if writes and not inside(path, [home]) and path not in allowed_devices:
                    deny(f"write {path} (only files in the notebook's folder)")
            elif event in write_events:
                for p in args[:2]:
                    path = resolve(p) if isinstance(p, (str, bytes, os.PathLike)) else None
                    if path is not None and not inside(path, [home]):
                        deny(f"change {path} (only files in the notebook's folder)")
        finally:
            busy.on = False

    sys.addaudithook(hook)
