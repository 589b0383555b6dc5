"""cgroup v2 limits for a python snippet, where the host delegates a cgroup subtree to us.

rlimits bound each process; a cgroup bounds the snippet as a whole (memory of all its processes
and of the kernel objects they create, e.g. tmpfs inodes; its process count; its CPU share), so
it is used whenever it is there: a systemd unit with ``Delegate=yes`` whose worker runs in a leaf
below the unit's cgroup, or a container whose cgroup namespace root is writable with the
controllers enabled. Each snippet gets a child cgroup of its own, removed afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import time
from pathlib import Path

REQUIRED_CONTROLLERS = frozenset({"memory", "pids", "cpu"})
_counter = itertools.count()


def _cgroup2_mount() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (``/sys/fs/cgroup`` or a hybrid host's ``unified``)."""
    with contextlib.suppress(OSError), open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields, _, tail = line.partition(" - ")
            if tail.split(" ", 1)[0] == "cgroup2":
                return Path(fields.split(" ")[4])
    return None


def _own_cgroup() -> str | None:
    """This process's cgroup v2 path (the ``0::`` line of /proc/self/cgroup)."""
    with contextlib.suppress(OSError), open("/proc/self/cgroup", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def find_delegated(mount: Path, own: str) -> Path | None:
    """The cgroup below which snippets get their own: ours (the root of a cgroup namespace) or our
    parent (a delegated unit whose processes sit in a leaf), when its ``cgroup.subtree_control``
    enables memory, pids and cpu and we may create children in it."""
    own_path = mount / own.strip("/")
    for candidate in (own_path, own_path.parent):
        if not candidate.is_relative_to(mount):
            continue
        try:
            enabled = set((candidate / "cgroup.subtree_control").read_text(encoding="utf-8").split())
        except OSError:
            continue
        if enabled >= REQUIRED_CONTROLLERS and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return None


@functools.cache
def delegated_cgroup() -> Path | None:
    """The delegated parent cgroup on this host, or None (then rlimits alone apply); probed once."""
    mount, own = _cgroup2_mount(), _own_cgroup()
    if mount is None or own is None:
        return None
    parent = find_delegated(mount, own)
    if parent is None:
        return None
    probe = parent / f"berrys-sbx-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError:
        return None
    return parent


class SnippetCgroup:
    """One snippet's cgroup: created with its limits, every process in it killed, then removed."""

    def __init__(self, parent: Path, *, memory_mb: int, nproc: int) -> None:
        self.path = parent / f"berrys-sbx-{os.getpid()}-{next(_counter)}"
        self.path.mkdir(mode=0o755)
        self._write("memory.max", str(memory_mb * 1024 * 1024))
        with contextlib.suppress(OSError):  # no swap accounting on this host: memory.max still holds
            self._write("memory.swap.max", "0")
        self._write("pids.max", str(nproc))
        self._write("cpu.max", "100000 100000")  # one CPU at most

    @property
    def procs_file(self) -> str:
        """The file a process writes ``0`` to, to move itself in (before it starts the sandbox)."""
        return str(self.path / "cgroup.procs")

    def _write(self, name: str, value: str) -> None:
        (self.path / name).write_text(value, encoding="utf-8")

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the snippet for going over memory.max."""
        with contextlib.suppress(OSError, ValueError):
            for line in (self.path / "memory.events").read_text(encoding="utf-8").splitlines():
                name, _, count = line.partition(" ")
                if name == "oom_kill":
                    return int(count) > 0
        return False

    def close(self) -> None:
        """Kill whatever is still in the cgroup, then remove it."""
        with contextlib.suppress(OSError):
            self._write("cgroup.kill", "1")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                self.path.rmdir()
                return
            time.sleep(0.02)
