"""The ``python`` tool's sandbox: a snippet runs under bubblewrap and can neither hurt the worker
nor read anything of the host that it was not given.

Isolation (``sandbox_command``): read-only system and interpreter files only, private sized
tmpfs for every writable place (nothing it writes survives it), every namespace new (no
network, no other process), uid 65534 inside, no capabilities, a seccomp filter
(``sandbox_seccomp``) and ``no_new_privs``, ``python -I -S``. A root worker starts bubblewrap as
a throw-away uid held for that snippet alone (``sandbox_uids``); a non-root worker's snippet is
in an unprivileged user namespace. Limits: rlimits per process (CPU seconds, address space, file
size, process count) always; a cgroup v2 of its own (memory, pids, CPU share of the whole
snippet) where the host delegates one (``sandbox_cgroup``); wall time and output size here.
Every limit is capped by the operator's settings (``operator_caps``).

Fail closed: where bubblewrap is missing or cannot create its namespaces, every call answers
``sandbox_unavailable`` unless the operator set ``BERRYS_SANDBOX_ALLOW_UNISOLATED=true`` (then
the snippet keeps the worker's uid, files and network: only the limits and the scrubbed
environment apply).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from berrys_app.services.tools import sandbox_command as command
from berrys_app.services.tools.sandbox_cgroup import SnippetCgroup, delegated_cgroup
from berrys_app.services.tools.sandbox_seccomp import compiled_filter
from berrys_app.services.tools.sandbox_uids import kill_uid, throwaway_uid
from berrys_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

# each limit a tool config may set -> the Settings field that caps it
CAP_FIELDS = {
    "cpu_s": "sandbox_max_cpu_s",
    "wall_s": "sandbox_max_wall_s",
    "memory_mb": "sandbox_max_memory_mb",
    "max_output_bytes": "sandbox_max_output_bytes",
    "nproc": "sandbox_max_nproc",
    "fsize_mb": "sandbox_max_fsize_mb",
}


def operator_caps() -> dict[str, float]:
    """The most each limit may be, as the operator set it."""
    settings = get_settings()
    return {limit: getattr(settings, field) for limit, field in CAP_FIELDS.items()}


def cap_env_name(limit: str) -> str:
    """The environment variable that caps ``limit`` (for messages that tell who to ask)."""
    return str(Settings.model_fields[CAP_FIELDS[limit]].validation_alias)


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
        """The limits a tool version runs with: its config (other keys, e.g. ``timeout_s``, are
        not limits) within the operator's caps.

        Whole numbers are required for everything but ``wall_s`` (``registry.check_config``
        refuses others at registration); a stored ``1.0`` is accepted.
        """
        fields: dict[str, float | int] = {}
        for name in cls.__dataclass_fields__:
            if name in config:
                fields[name] = float(config[name]) if name == "wall_s" else int(config[name])
        return cls(**fields).capped()

    def capped(self) -> SandboxLimits:
        """These limits, each lowered to the operator's cap (a config stored before the cap
        changed, or written to the database directly, runs within it)."""
        caps = operator_caps()
        lowered = {}
        for name, value in dataclasses.asdict(self).items():
            cap = caps[name] if name == "wall_s" else int(caps[name])
            lowered[name] = min(value, cap)
        return dataclasses.replace(self, **lowered)


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
    oom_killed: bool = False

    @property
    def reason(self) -> str:
        """``ok`` or the specific limit/failure that ended the run."""
        if self.timed_out:
            return "timeout"
        if self.output_truncated:
            return "output_limit"
        if self.exit_code == 0:
            return "ok"
        if "MemoryError" in self.stderr or self.oom_killed:
            return "memory_limit"
        if self.exit_code in (-signal.SIGXCPU, -signal.SIGKILL):
            return "cpu_limit" if self.exit_code == -signal.SIGXCPU else "killed"
        if "BlockingIOError" in self.stderr or "Resource temporarily unavailable" in self.stderr:
            return "process_limit"
        if self.exit_code == -signal.SIGXFSZ or "File too large" in self.stderr:
            return "file_size_limit"
        return "error"


@dataclass
class _Launch:
    argv: list[str]
    fds: tuple[int, ...]
    cwd: str
    env: dict[str, str]
    uid: int | None = None
    cgroup: SnippetCgroup | None = None


def _memfd(name: str, data: bytes) -> int:
    """An anonymous file holding ``data``, read by bubblewrap from its start."""
    fd = os.memfd_create(name)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _isolated_launch(stack: contextlib.ExitStack, code: str, limits: SandboxLimits) -> _Launch:
    """bubblewrap (as a throw-away uid when we are root, in a cgroup of its own where delegated)."""
    is_root = os.geteuid() == 0
    uid = (
        stack.enter_context(throwaway_uid(Path(get_settings().data_dir).resolve() / "sandbox-uids"))
        if is_root
        else None
    )
    interp = command.interpreter(command.sandbox_python(unprivileged=is_root))
    code_fd = _memfd("berrys-snippet", code.encode("utf-8"))
    stack.callback(os.close, code_fd)
    seccomp_fd = _memfd("berrys-seccomp", compiled_filter())
    stack.callback(os.close, seccomp_fd)
    caps = command.Caps(cpu_s=limits.cpu_s, memory_mb=limits.memory_mb, fsize_mb=limits.fsize_mb, nproc=limits.nproc)
    argv = command.bwrap_argv(interp, caps, code_fd=code_fd, seccomp_fd=seccomp_fd)
    if uid is not None:
        argv = command.as_uid_argv(uid) + argv
    cgroup = None
    parent = delegated_cgroup()
    if parent is not None:
        cgroup = SnippetCgroup(parent, memory_mb=limits.memory_mb, nproc=limits.nproc + 1)
        stack.callback(cgroup.close)
        argv = command.join_cgroup_argv(cgroup.procs_file) + argv
    return _Launch(argv, (code_fd, seccomp_fd), "/", command.sandbox_env(), uid, cgroup)


def _unisolated_launch(stack: contextlib.ExitStack, code: str, limits: SandboxLimits) -> _Launch:
    """Only when the operator allows it: rlimits and a scrubbed environment, nothing more."""
    scratch = tempfile.mkdtemp(prefix="berrys-sbx-")
    stack.callback(shutil.rmtree, scratch, ignore_errors=True)
    script = os.path.join(scratch, "main.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(code)
    caps = command.Caps(cpu_s=limits.cpu_s, memory_mb=limits.memory_mb, fsize_mb=limits.fsize_mb, nproc=limits.nproc)
    nproc_now = _own_process_count()  # RLIMIT_NPROC counts all of the worker uid's processes here
    caps = dataclasses.replace(caps, nproc=nproc_now + limits.nproc)
    env = {**command.sandbox_env(), "HOME": scratch, "TMPDIR": scratch}
    return _Launch([*command.prlimit_argv(caps), sys.executable, "-I", "-S", script], (), scratch, env)


def _own_process_count() -> int:
    uid = os.getuid()
    return sum(1 for entry in os.scandir("/proc") if entry.name.isdigit() and _owner(entry.path) == uid)


def _owner(path: str) -> int | None:
    with contextlib.suppress(OSError):
        return os.stat(path).st_uid
    return None


@functools.cache
def isolation_available() -> bool:
    """Whether bubblewrap can isolate a snippet on this host (probed once per process)."""
    with contextlib.ExitStack() as stack:
        try:
            launch = _isolated_launch(stack, "print('ok')", SandboxLimits().capped())
            done = subprocess.run(
                launch.argv,
                cwd=launch.cwd,
                env=launch.env,
                pass_fds=launch.fds,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=30,
            )
            if done.returncode == 0 and done.stdout.strip() == b"ok":
                return True
            log.warning("the python sandbox cannot isolate snippets here: %s", done.stderr.decode(errors="replace"))
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            log.warning("the python sandbox cannot isolate snippets here: %s", exc)
    return False


def describe() -> dict[str, Any]:
    """How snippets run on this host (System page): isolation, which limits apply, seccomp."""
    isolated = isolation_available()
    if isolated:
        isolation = "bubblewrap"
    elif get_settings().sandbox_allow_unisolated:
        isolation = "none (allowed by BERRYS_SANDBOX_ALLOW_UNISOLATED)"
    else:
        isolation = "unavailable (python tool calls fail)"
    return {
        "isolation": isolation,
        "limits": "cgroup v2" if isolated and delegated_cgroup() is not None else "rlimits",
        "seccomp": isolated,
        "uid": ("a throw-away uid per snippet" if os.geteuid() == 0 else "user namespace") if isolated else "worker's",
        "caps": operator_caps(),
    }


async def _read_capped(stream: asyncio.StreamReader, cap: int, overflow: asyncio.Event) -> bytes:
    data = bytearray()
    while chunk := await stream.read(65536):  # drain to EOF (the overflow kill closes the pipe)
        if len(data) < cap:
            data.extend(chunk[: cap - len(data)])
        if len(data) >= cap:
            overflow.set()
    return bytes(data)


async def run_python(code: str, *, limits: SandboxLimits | None = None) -> SandboxResult:
    """Run ``code`` in the sandbox under ``limits`` (within the operator's caps); never raises
    for what the code does."""
    limits = (limits or SandboxLimits()).capped()
    isolated = await asyncio.to_thread(isolation_available)
    if not isolated and not get_settings().sandbox_allow_unisolated:
        raise SandboxUnavailable(
            "this host cannot isolate Python snippets (bubblewrap is missing or cannot create namespaces); "
            "the operator can allow unisolated snippets with BERRYS_SANDBOX_ALLOW_UNISOLATED=true"
        )
    with contextlib.ExitStack() as stack:
        if isolated:
            try:
                launch = await asyncio.to_thread(_isolated_launch, stack, code, limits)
            except (OSError, RuntimeError) as exc:  # e.g. no free throw-away uid: fail closed
                raise SandboxUnavailable(f"the sandbox could not be prepared: {exc}") from exc
        else:
            launch = _unisolated_launch(stack, code, limits)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *launch.argv,
            cwd=launch.cwd,
            env=launch.env,
            pass_fds=launch.fds,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # own session + process group: one killpg ends it all
        )
        stdout, stderr, exit_code, timed_out, overflowed = await _supervise(proc, limits, launch.uid)
        oom_killed = launch.cgroup is not None and launch.cgroup.oom_killed()
    if isolated and exit_code is not None and 128 < exit_code <= 128 + 64:
        exit_code = 128 - exit_code  # bubblewrap reports a signal as 128 + its number
    return SandboxResult(
        exit_code=exit_code,
        stdout=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"),
        duration_ms=(time.perf_counter() - started) * 1000,
        timed_out=timed_out,
        output_truncated=overflowed and not timed_out,
        network_isolated=isolated,
        sandbox_uid=launch.uid,
        mode="bubblewrap" if isolated else "none",
        oom_killed=oom_killed,
    )


async def _supervise(
    proc: asyncio.subprocess.Process, limits: SandboxLimits, uid: int | None
) -> tuple[bytes, bytes, int | None, bool, bool]:
    """Wait for the snippet within its wall time and output cap, then make sure nothing it
    started outlives it. (stdout, stderr, exit code, timed out, output overflowed)"""
    overflow = asyncio.Event()
    assert proc.stdout is not None and proc.stderr is not None
    readers = asyncio.gather(
        _read_capped(proc.stdout, limits.max_output_bytes, overflow),
        _read_capped(proc.stderr, limits.max_output_bytes, overflow),
    )
    overflow_wait = asyncio.ensure_future(overflow.wait())
    exited = asyncio.ensure_future(_exit_code(proc))
    try:
        done, _ = await asyncio.wait({exited, overflow_wait}, timeout=limits.wall_s, return_when="FIRST_COMPLETED")
        await _end(proc, uid)
        stdout, stderr = await asyncio.wait_for(readers, timeout=5)
        exit_code = await asyncio.wait_for(exited, timeout=5)
    finally:
        overflow_wait.cancel()
        await _end(proc, uid)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=5)  # closes the transport
    return stdout, stderr, exit_code, not done, overflow.is_set()


async def _end(proc: asyncio.subprocess.Process, uid: int | None) -> None:
    """Kill the snippet's process group (bubblewrap's own: its PID namespace dies with it) and,
    for a throw-away uid, any process of that uid."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if uid is not None:
        await asyncio.to_thread(kill_uid, uid, own_child=proc.pid)


async def _exit_code(proc: asyncio.subprocess.Process) -> int:
    """The snippet's exit code as soon as it exits (``proc.wait()`` would also wait for
    every process still holding its pipes, e.g. a background child)."""
    while proc.returncode is None:
        await asyncio.sleep(0.005)
    return proc.returncode
