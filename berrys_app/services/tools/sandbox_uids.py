"""Throw-away uids for snippets of a root worker: never the worker's, never shared.

A uid is held by an exclusive ``flock`` on a lock file of its own in a host-wide root-only
directory (``/run/berrys-sandbox-uids``; the data dir where /run is not writable), so two
concurrent snippets (in this worker or another worker process on the host) can never hold the
same one; a uid that names an account, or still has a process (e.g. one left by a killed
worker), is skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pwd
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil

UID_BASE = 200_000
UID_SPAN = 50_000
_cursor = itertools.count(os.getpid() % UID_SPAN)  # workers on one host start apart
_cursor_lock = threading.Lock()


class NoFreeUid(RuntimeError):
    """Every uid of the range is held or busy."""


def processes_of(uid: int) -> list[psutil.Process]:
    """Live processes running as ``uid`` (zombies are skipped: they run nothing, and a host whose
    pid 1 does not reap would otherwise keep a uid busy forever)."""
    found = []
    for proc in psutil.process_iter(["uids", "status"]):
        with contextlib.suppress(psutil.Error, TypeError, AttributeError):
            if (
                uid in (proc.info["uids"].real, proc.info["uids"].effective)
                and proc.info["status"] != psutil.STATUS_ZOMBIE
            ):
                found.append(proc)
    return found


def _names_an_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _next_candidate() -> int:
    with _cursor_lock:
        return UID_BASE + next(_cursor) % UID_SPAN


def lock_dir(fallback: Path) -> Path:
    """The first of ``/run/berrys-sandbox-uids`` and ``fallback`` that is (or can be made) a
    directory of ours that nobody else may write."""
    for candidate in (Path("/run/berrys-sandbox-uids"), fallback):
        with contextlib.suppress(OSError):
            candidate.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(candidate)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022:
                return candidate
    raise NoFreeUid(f"no private directory for the sandbox uid locks (tried /run and {fallback})")


@contextlib.contextmanager
def throwaway_uid(fallback_lock_dir: Path, *, attempts: int = 200) -> Iterator[int]:
    """Hold a free uid of the range for the duration of the ``with`` block."""
    locks = lock_dir(fallback_lock_dir)
    for _ in range(attempts):
        uid = _next_candidate()
        if uid == os.getuid() or _names_an_account(uid):
            continue
        fd = os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            if processes_of(uid):
                continue
            yield uid
            return
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    raise NoFreeUid(f"no free sandbox uid in {UID_BASE}..{UID_BASE + UID_SPAN - 1}")


def kill_uid(uid: int, *, own_child: int) -> None:
    """Kill every process of a throw-away uid (whatever escaped the process group).

    ``own_child`` is killed but not waited for: asyncio reaps it (and keeps its exit code).
    """
    for _ in range(5):
        found = processes_of(uid)
        for proc in found:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        others = [p for p in found if p.pid != own_child]
        if not others:
            return
        psutil.wait_procs(others, timeout=1)
