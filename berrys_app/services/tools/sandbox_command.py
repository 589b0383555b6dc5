"""The command line that runs one python snippet under bubblewrap.

What the snippet sees: the system's ``/usr`` (and the ``/bin``, ``/lib*`` links or dirs), the
few ``/etc`` files the dynamic loader reads and the interpreter's own prefix, all read-only;
its code as a read-only ``/sandbox/main.py``; a fresh ``/proc`` and minimal ``/dev``; sized
private tmpfs for ``/tmp``, ``/dev/shm``, its ``$HOME`` and its working dir. Nothing else of
the host: not the checkout, the venv, the data dir, the worker's home or other snippets' files.
All namespaces are new (no network), it is uid 65534 inside, capabilities are dropped, the
seccomp filter applies (bubblewrap then sets ``no_new_privs``), and ``prlimit`` sets the
per-process limits before ``python -I -S`` starts.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

SANDBOX_UID = 65534  # inside the sandbox; outside it is a throw-away uid or the worker's own
WORKDIR = "/sandbox"
HOME = "/home/sandbox"
SCRIPT = f"{WORKDIR}/main.py"
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
# what a command given the network needs to resolve names and check TLS certificates
NETWORK_ETC = ("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl", "/etc/ca-certificates", "/etc/pki")


class SandboxToolMissing(RuntimeError):
    """bubblewrap or prlimit is not installed."""


def tool_path(name: str) -> str:
    found = shutil.which(name, path="/usr/bin:/bin:/usr/local/bin")
    if not found:
        raise SandboxToolMissing(f"{name} is not installed")
    return found


def world_executable(path: str) -> bool:
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
    """The interpreter for snippets: ours, unless a throw-away uid could not reach it."""
    if not unprivileged:
        return os.path.realpath(sys.executable)
    for candidate in (sys.executable, "/usr/local/bin/python3", "/usr/bin/python3"):
        if world_executable(candidate):
            return os.path.realpath(candidate)
    raise SandboxToolMissing("no Python interpreter is executable by an unprivileged sandbox user")


@dataclass(frozen=True)
class Interpreter:
    executable: str
    roots: tuple[str, ...]  # read-only binds the interpreter needs beyond the system paths


def covered(path: str) -> bool:
    """True when ``path`` is inside the system paths every sandbox sees."""
    return any(path == p or path.startswith(p + "/") for p in SYSTEM_PATHS)


@functools.cache
def interpreter(executable: str) -> Interpreter:
    """``executable`` and the dirs its standard library lives in (its *base* prefix: never a
    venv's site-packages)."""
    done = subprocess.run(
        [executable, "-I", "-S", "-c", "import sys; print(sys.base_prefix); print(sys.base_exec_prefix)"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    wanted = {os.path.dirname(executable), *(os.path.realpath(p) for p in done.stdout.split())}
    if "/" in wanted:
        raise SandboxToolMissing(f"{executable} has / as its prefix: it cannot be bound on its own")
    return Interpreter(executable, tuple(sorted(p for p in wanted if not covered(p))))


@dataclass(frozen=True)
class Caps:
    """Per-process limits (prlimit) and tmpfs sizes of one run."""

    cpu_s: int
    memory_mb: int
    fsize_mb: int
    nproc: int


def prlimit_argv(caps: Caps) -> list[str]:
    """prlimit, then the command: CPU seconds (SIGXCPU at the soft limit), address space, file size,
    process count (of the snippet's uid in its own user namespace), no core dumps."""
    memory, fsize = caps.memory_mb * 1024 * 1024, caps.fsize_mb * 1024 * 1024
    return [
        tool_path("prlimit"),
        f"--cpu={caps.cpu_s}:{caps.cpu_s + 1}",
        f"--as={memory}",
        f"--fsize={fsize}",
        f"--nproc={caps.nproc + 1}",  # + bubblewrap's init (pid 1 of the sandbox)
        "--core=0",
        "--",
    ]


def _system_binds() -> list[str]:
    argv: list[str] = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    return argv


def _isolation_argv(*, network: bool) -> list[str]:
    """bubblewrap with every namespace new (the network's kept only when asked), uid 65534,
    no capabilities, no nested user namespaces, dying with its parent, the system files
    read-only; what follows adds the run's own files, tmpfs dirs and seccomp filter."""
    argv = [
        tool_path("bwrap"),
        "--unshare-all",
        *(["--share-net"] if network else []),
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        *_system_binds(),
    ]
    for path in NETWORK_ETC if network else ():
        argv += ["--ro-bind-try", path, path]
    return argv


def bwrap_argv(interp: Interpreter, caps: Caps, *, code_fd: int, seccomp_fd: int) -> list[str]:
    """The whole command: bubblewrap, prlimit, ``python -I -S /sandbox/main.py``."""
    tmpfs_bytes = str(caps.fsize_mb * 1024 * 1024)
    argv = _isolation_argv(network=False)
    for root in interp.roots:
        argv += ["--ro-bind", root, root]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for path in ("/tmp", "/dev/shm", HOME, WORKDIR):
        argv += ["--size", tmpfs_bytes, "--perms", "0700", "--tmpfs", path]
    argv += ["--perms", "0444", "--ro-bind-data", str(code_fd), SCRIPT, "--chdir", WORKDIR]
    argv += ["--seccomp", str(seccomp_fd), "--"]
    return argv + prlimit_argv(caps) + [interp.executable, "-I", "-S", SCRIPT]


def bwrap_argv_for(
    argv: Sequence[str],
    *,
    binds: Sequence[tuple[str, str]],
    network: bool,
    seccomp_fd: int,
    tmpfs_mb: int,
    unset_env: Sequence[str] = (),
) -> list[str]:
    """Any command (a stdio MCP server) in the same sandbox as snippets: ``binds`` (source,
    destination) read-only, private tmpfs ``/tmp``, ``/dev/shm`` and ``$HOME`` (its working
    dir), the network only when ``network``; ``unset_env`` names leave its environment."""
    out = [*_isolation_argv(network=network), "--proc", "/proc", "--dev", "/dev"]
    for path in ("/tmp", "/dev/shm", HOME):
        out += ["--size", str(tmpfs_mb * 1024 * 1024), "--perms", "0700", "--tmpfs", path]
    for source, dest in binds:  # after the tmpfs dirs: a script may live under /tmp
        out += ["--ro-bind", source, dest]
    for name in unset_env:
        out += ["--unsetenv", name]
    out += ["--remount-ro", "/"]  # its root (the mount points above) is no scratch space either
    return [*out, "--chdir", HOME, "--seccomp", str(seccomp_fd), "--", *argv]


def sandbox_env() -> dict[str, str]:
    """The snippet's whole environment: nothing inherited from the worker."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
    }


def join_cgroup_argv(procs_file: str) -> list[str]:
    """A shell that moves itself into the snippet's cgroup, then execs the rest of the command
    (so the snippet never runs a moment outside it)."""
    return ["/bin/sh", "-c", 'echo 0 > "$0" && exec "$@"', procs_file]


def as_uid_argv(uid: int) -> list[str]:
    """setpriv (util-linux): the rest of the command runs as ``uid``, no groups, no capabilities."""
    return [tool_path("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
