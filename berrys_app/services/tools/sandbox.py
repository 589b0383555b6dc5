"""The ``python`` tool's sandbox: the snippet runs in a separate process that cannot hurt
the worker or read its secrets.

Limits: CPU seconds, address space (memory), file size, process count (fork bombs), wall
time (the whole process group is killed), output size; a scratch working dir removed
afterwards; an environment with nothing from the worker's (no DATABASE_URL, SECRET_KEY,
REDIS_URL...). When the worker runs as root (containers), the snippet also runs as a
throw-away unprivileged uid (so RLIMIT_NPROC applies and every process it started can be
found and killed) inside its own network namespace (no PostgreSQL, no Redis, no internet).
When the worker is not root, the snippet runs in unprivileged user + network + PID + mount
namespaces: no network, a fresh /proc that shows only its own processes (not the worker's
environ), and the data dir (secrets) hidden under an empty tmpfs.

Fail closed: when this host allows neither, every call answers ``sandbox_unavailable``
unless the operator set ``BERRYS_SANDBOX_ALLOW_UNISOLATED=true`` (then the snippet keeps the
worker's network and uid; only the limits and the scrubbed environment apply).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import psutil

log = logging.getLogger(__name__)

_UID_BASE = 200_000
_UID_SPAN = 50_000


@dataclass(frozen=True)
class SandboxLimits:
    cpu_s: int = 10
    wall_s: float = 20.0
    memory_mb: int = 512
    max_output_bytes: int = 64_000
    nproc: int = 32
    fsize_mb: int = 16

    @classmethod
    def from_config(cls, config: dict) -> SandboxLimits:
        """Limits from a tool version's config (other keys, e.g. ``timeout_s``, are not limits).

        Whole numbers are required for everything but ``wall_s`` (``registry.check_config``
        refuses others at registration); a stored ``1.0`` is accepted.
        """
        fields: dict[str, float | int] = {}
        for name in cls.__dataclass_fields__:
            if name in config:
                fields[name] = float(config[name]) if name == "wall_s" else int(config[name])
        return cls(**fields)


class SandboxUnavailable(RuntimeError):
    """This host cannot isolate the snippet and the operator did not allow running it anyway."""


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None
    stdout: str
    stderr: str
    duration_ms: float
    timed_out: bool = False
    output_truncated: bool = False
    network_isolated: bool = False
    sandbox_uid: int | None = None
    mode: str = "none"

    @property
    def reason(self) -> str:
        """``ok`` or the specific limit/failure that ended the run."""
        if self.timed_out:
            return "timeout"
        if self.output_truncated:
            return "output_limit"
        if self.exit_code == 0:
            return "ok"
        if self.exit_code in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in self.stderr:
            return "cpu_limit" if self.exit_code == -signal.SIGXCPU else "killed"
        if "MemoryError" in self.stderr:
            return "memory_limit"
        if "BlockingIOError" in self.stderr or "Resource temporarily unavailable" in self.stderr:
            return "process_limit"
        if self.exit_code == -signal.SIGXFSZ or "File too large" in self.stderr:
            return "file_size_limit"
        return "error"


def _world_executable(path: str) -> bool:
    """True when an unprivileged uid can run ``path`` (every parent dir traversable)."""
    real = os.path.realpath(path)
    if not os.path.isfile(real):
        return False
    parts = real.split(os.sep)
    for depth in range(2, len(parts) + 1):
        mode = os.stat(os.sep.join(parts[:depth]) or os.sep).st_mode
        if not mode & 0o001:
            return False
    return True


def sandbox_python(*, unprivileged: bool) -> str:
    """The interpreter for snippets: ours, unless a throw-away uid could not execute it."""
    if not unprivileged:
        return sys.executable
    for candidate in (sys.executable, "/usr/local/bin/python3", "/usr/bin/python3"):
        if _world_executable(candidate):
            return candidate
    raise RuntimeError("no Python interpreter is executable by an unprivileged sandbox user")


def _scrubbed_env(scratch: str) -> dict[str, str]:
    """A fresh environment: nothing inherited from the worker."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _user_process_count(uid: int) -> int:
    count = 0
    for proc in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if proc.info["uids"].real == uid:
                count += 1
    return count


SHARED_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def _remove_files_of(uid: int) -> None:
    """Delete what a throw-away uid left in the shared temp dirs (its scratch dir goes anyway)."""
    for base in SHARED_TMP_DIRS:
        with contextlib.suppress(OSError), os.scandir(base) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


def _kill_uid(uid: int, *, own_child: int) -> int:
    """Kill every process of a throw-away sandbox uid (catches children that left the group).

    ``own_child`` is killed but not waited for: asyncio reaps it (and keeps its exit code).
    """
    killed = 0
    for _ in range(5):
        found = [p for p in psutil.process_iter(["uids"]) if p.info.get("uids") and p.info["uids"].real == uid]
        for proc in found:
            with contextlib.suppress(psutil.Error):
                proc.kill()
                killed += 1
        others = [p for p in found if p.pid != own_child]
        if not others:
            break
        psutil.wait_procs(others, timeout=1)
    return killed


# Runs first in the fresh (single-threaded) child, then replaces itself with the snippet's
# interpreter: no preexec_fn in the worker, whose other threads could hold locks at fork.
# Modes: "none" (limits only), "netns" (root: empty network + private mount namespace, the
# hidden paths covered, then a throw-away uid), "userns" (not root: user+net+pid+mount
# namespaces; pid 1 of the new PID namespace is a fork of this process that mounts a fresh
# /proc, covers the hidden paths, then runs the snippet; when it ends, the kernel kills
# everything left in the namespace). Hidden: directories under an empty tmpfs, files under
# /dev/null (the data dir with the keys, the worker's .env).
_BOOTSTRAP = """
import ctypes, os, resource, signal, sys
cpu, memory, fsize, nproc, uid = (int(v) for v in sys.argv[1:6])
mode, hide, script = sys.argv[6:9]
libc = ctypes.CDLL(None, use_errno=True)
NEWNS, NEWUSER, NEWPID, NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
def fail(what):
    sys.stderr.write("sandbox: could not " + what + " (errno " + str(ctypes.get_errno()) + ")\\n")
    os._exit(121)
def mount(source, target, fstype, flags, data=None):
    if libc.mount(source, target, fstype, flags, data) != 0:
        fail("mount " + target.decode())
def hide_paths():
    for path in filter(None, hide.split(os.pathsep)):
        if os.path.isdir(path):
            mount(b"tmpfs", path.encode(), b"tmpfs", 2 | 4 | 8, b"size=16k,mode=0")
        elif os.path.isfile(path):
            mount(b"/dev/null", path.encode(), None, 4096)  # MS_BIND
if mode == "netns":
    if libc.unshare(NEWNET | NEWNS) != 0:
        fail("isolate the network")
    mount(None, b"/", None, 0x4000 | 0x40000)  # MS_REC | MS_PRIVATE: nothing leaks back out
    hide_paths()
if mode == "userns":
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if libc.unshare(NEWUSER | NEWNET | NEWNS | NEWPID) != 0:
        fail("create namespaces")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{outer_uid} {outer_uid} 1"), ("gid_map", f"{outer_gid} {outer_gid} 1")):
        with open("/proc/self/" + name, "w") as handle:
            handle.write(text)
    mount(None, b"/", None, 0x4000 | 0x40000)  # MS_REC | MS_PRIVATE: nothing leaks back out
    child = os.fork()
    if child:  # outside the new PID namespace: wait, then exit the way the snippet did
        status = os.waitpid(child, 0)[1]
        if os.WIFSIGNALED(status):
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    mount(b"proc", b"/proc", b"proc", 2 | 4 | 8)  # MS_NOSUID | MS_NODEV | MS_NOEXEC
    hide_paths()
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if uid >= 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
os.execv(sys.executable, [sys.executable, "-I", script])
"""


def _isolation_mode() -> str:
    """``netns`` for a root worker, ``userns`` otherwise."""
    return "netns" if os.geteuid() == 0 else "userns"


@functools.cache
def isolation_available(mode: str) -> bool:
    """Whether this host lets us isolate a snippet in ``mode`` (probed once per process)."""
    scratch = tempfile.mkdtemp(prefix="berrys-sbx-probe-")
    try:
        script = os.path.join(scratch, "probe.py")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write("print('ok')\n")
        uid = -1
        if mode == "netns":
            uid = _UID_BASE + secrets.randbelow(_UID_SPAN)
            os.chown(scratch, uid, uid)
            os.chown(script, uid, uid)
        python = sandbox_python(unprivileged=uid >= 0)
        limits = SandboxLimits()
        nproc = limits.nproc if uid >= 0 else _user_process_count(os.getuid()) + limits.nproc
        command = _command(python, script, limits, None if uid < 0 else uid, nproc, mode, "")
        done = subprocess.run(command, timeout=30, capture_output=True, cwd=scratch, env=_scrubbed_env(scratch))
        ok = done.returncode == 0 and done.stdout.strip() == b"ok"
    except (OSError, subprocess.SubprocessError, RuntimeError):
        ok = False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not ok:
        log.warning("the python sandbox cannot isolate snippets here (mode %s)", mode)
    return ok


def _allow_unisolated() -> bool:
    from berrys_app.settings import get_settings

    return get_settings().sandbox_allow_unisolated


def _hidden_paths() -> str:
    """What snippets must not read even as the worker's uid: the data dir (generated keys,
    embedded databases) and the worker's ``.env`` (``os.pathsep``-joined)."""
    from berrys_app.settings import get_settings

    paths = [os.path.abspath(get_settings().data_dir), os.path.abspath(".env")]
    return os.pathsep.join(p for p in paths if os.path.exists(p))


def _command(
    python: str, script: str, limits: SandboxLimits, uid: int | None, nproc: int, mode: str, hide: str
) -> list[str]:
    limits_args = [
        limits.cpu_s,
        limits.memory_mb * 1024 * 1024,
        limits.fsize_mb * 1024 * 1024,
        nproc,
        -1 if uid is None else uid,
    ]
    return [python, "-I", "-c", _BOOTSTRAP, *(str(int(v)) for v in limits_args), mode, hide, script]


async def _read_capped(stream: asyncio.StreamReader, cap: int, overflow: asyncio.Event) -> bytes:
    data = bytearray()
    while chunk := await stream.read(65536):  # drain to EOF (the overflow kill closes the pipe)
        if len(data) < cap:
            data.extend(chunk[: cap - len(data)])
        if len(data) >= cap:
            overflow.set()
    return bytes(data)


async def run_python(code: str, *, limits: SandboxLimits | None = None) -> SandboxResult:
    """Run ``code`` with ``python -I`` under ``limits``; never raises for what the code does."""
    limits = limits or SandboxLimits()
    mode = _isolation_mode()
    if not await asyncio.to_thread(isolation_available, mode):
        if not _allow_unisolated():
            raise SandboxUnavailable(
                "this host cannot isolate Python snippets (no network/user namespaces); the operator can "
                "allow unisolated snippets with BERRYS_SANDBOX_ALLOW_UNISOLATED=true"
            )
        mode = "none"
    is_root = os.geteuid() == 0
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN) if is_root else None
    nproc = limits.nproc if is_root else _user_process_count(os.getuid()) + limits.nproc
    scratch = tempfile.mkdtemp(prefix="berrys-sbx-")
    script = os.path.join(scratch, "main.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(code)
    if uid is not None:
        os.chown(scratch, uid, uid)
        os.chown(script, uid, uid)
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *_command(
            sandbox_python(unprivileged=uid is not None),
            script,
            limits,
            uid,
            nproc,
            mode,
            _hidden_paths() if mode != "none" else "",
        ),
        cwd=scratch,
        env=_scrubbed_env(scratch),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # own session + process group: one killpg ends it all
    )
    overflow = asyncio.Event()
    assert proc.stdout is not None and proc.stderr is not None
    readers = asyncio.gather(
        _read_capped(proc.stdout, limits.max_output_bytes, overflow),
        _read_capped(proc.stderr, limits.max_output_bytes, overflow),
    )
    overflow_wait = asyncio.ensure_future(overflow.wait())
    exited = asyncio.ensure_future(_exit_code(proc))
    timed_out = False
    try:
        done, _ = await asyncio.wait({exited, overflow_wait}, timeout=limits.wall_s, return_when="FIRST_COMPLETED")
        timed_out = not done
        # the snippet is over (or out of time): nothing it started may outlive it
        _kill_group(proc.pid)
        if uid is not None:
            await asyncio.to_thread(_kill_uid, uid, own_child=proc.pid)
        stdout, stderr = await asyncio.wait_for(readers, timeout=5)
        exit_code = await asyncio.wait_for(exited, timeout=5)
    finally:
        overflow_wait.cancel()
        _kill_group(proc.pid)
        if uid is not None:
            await asyncio.to_thread(_kill_uid, uid, own_child=proc.pid)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=5)  # closes the transport
        shutil.rmtree(scratch, ignore_errors=True)
        if uid is not None:
            await asyncio.to_thread(_remove_files_of, uid)
    return SandboxResult(
        exit_code=exit_code,
        stdout=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"),
        duration_ms=(time.perf_counter() - started) * 1000,
        timed_out=timed_out,
        output_truncated=overflow.is_set() and not timed_out,
        network_isolated=mode != "none",
        sandbox_uid=uid,
        mode=mode,
    )


async def _exit_code(proc: asyncio.subprocess.Process) -> int:
    """The snippet's exit code as soon as it exits (``proc.wait()`` would also wait for
    every process still holding its pipes, e.g. a background child)."""
    while proc.returncode is None:
        await asyncio.sleep(0.005)
    return proc.returncode


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
