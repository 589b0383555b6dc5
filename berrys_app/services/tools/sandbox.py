"""The ``python`` tool's sandbox: the snippet runs in a separate process that cannot hurt
the worker or read its secrets.

Limits: CPU seconds, address space (memory), file size, process count (fork bombs), wall
time (the whole process group is killed), output size; a scratch working dir removed
afterwards; an environment with nothing from the worker's (no DATABASE_URL, SECRET_KEY,
REDIS_URL...). When the worker runs as root (containers), the snippet also runs as a
throw-away unprivileged uid (so RLIMIT_NPROC applies and every process it started can be
found and killed) inside its own network namespace (no PostgreSQL, no Redis, no internet).
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
    isolate_network: bool = True

    @classmethod
    def from_config(cls, config: dict) -> SandboxLimits:
        """Limits from a tool version's config (unknown keys ignored)."""
        fields = {name: config[name] for name in cls.__dataclass_fields__ if name in config}
        return cls(**fields)


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
_BOOTSTRAP = """
import ctypes, os, resource, sys
cpu, memory, fsize, nproc, uid, netns = (int(v) for v in sys.argv[1:7])
if netns and ctypes.CDLL(None, use_errno=True).unshare(0x40000000) != 0:
    sys.exit("sandbox: could not isolate the network")
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if uid >= 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
os.execv(sys.executable, [sys.executable, "-I", sys.argv[7]])
"""


@functools.cache
def _netns_available() -> bool:
    """Whether this host lets us give the snippet its own (empty) network namespace."""
    probe = "import ctypes, sys; sys.exit(ctypes.CDLL(None, use_errno=True).unshare(0x40000000) != 0)"
    try:
        ok = subprocess.run([sys.executable, "-I", "-c", probe], timeout=30, capture_output=True).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    if not ok:
        log.warning("the python sandbox cannot create a network namespace here; snippets keep network access")
    return ok


def _command(python: str, script: str, limits: SandboxLimits, uid: int | None, nproc: int, netns: bool) -> list[str]:
    limits_args = [
        limits.cpu_s,
        limits.memory_mb * 1024 * 1024,
        limits.fsize_mb * 1024 * 1024,
        nproc,
        -1 if uid is None else uid,
        int(netns),
    ]
    return [python, "-I", "-c", _BOOTSTRAP, *(str(v) for v in limits_args), script]


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
    is_root = os.geteuid() == 0
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN) if is_root else None
    isolate = limits.isolate_network and is_root and _netns_available()
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
        *_command(sandbox_python(unprivileged=uid is not None), script, limits, uid, nproc, isolate),
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
        network_isolated=isolate,
        sandbox_uid=uid,
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
