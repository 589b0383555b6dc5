"""Run python-tool snippets the way a worker does, as root (this process, when the tests run as
root: CI, containers) or as a non-root worker (``./berrys up`` as a user): a child process
started with ``setpriv`` as ``NON_ROOT_UID``, which imports the same sandbox code and runs the
same ``run_python``. Every sandbox attack test runs under both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from berrys_app.services.tools.sandbox import SandboxLimits, run_python
from berrys_app.settings import get_settings

NON_ROOT_UID = 54_321  # a uid with no account: a worker that is neither root nor nobody
WORKERS = ["as_root", "as_non_root"]
REPO = Path(__file__).resolve().parents[2]
FAST = {"cpu_s": 2, "wall_s": 20, "memory_mb": 256, "max_output_bytes": 100_000, "nproc": 16}

# The child imports the sandbox without the tools package's __init__ (the registry, Redis...):
# the system interpreter it may run on lacks some of their dependencies, and the sandbox needs none.
_CHILD = """
import asyncio, dataclasses, json, sys, types
import berrys_app.services
tools = types.ModuleType("berrys_app.services.tools")
tools.__path__ = [berrys_app.services.__path__[0] + "/tools"]
sys.modules["berrys_app.services.tools"] = tools
from berrys_app.services.tools.sandbox import SandboxLimits, run_python
codes, limits, one_by_one = json.loads(sys.argv[1]), SandboxLimits(**json.loads(sys.argv[2])), sys.argv[3] == "1"
async def main():
    if one_by_one:
        return [await run_python(code, limits=limits) for code in codes]
    return await asyncio.gather(*(run_python(code, limits=limits) for code in codes))
print(json.dumps([dataclasses.asdict(r) for r in asyncio.run(main())]))
"""


def non_root_python() -> str:
    """An interpreter the non-root worker can run: the tests' own, else the system's (same
    CPython minor version, so the venv's compiled packages load)."""
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK) and _reachable_by_others(candidate):
            return candidate
    pytest.fail("no Python interpreter a non-root worker could run")


def _reachable_by_others(path: str) -> bool:
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in [real, *real.parents])


def _site_packages() -> list[str]:
    return [p for p in sys.path if p.endswith("site-packages")]


def run_as(
    worker: str,
    codes: list[str],
    *,
    limits: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    python: str | None = None,
    one_by_one: bool = False,
) -> list[dict[str, Any]]:
    """Run ``codes`` concurrently (or ``one_by_one``) in one worker (``as_root``: this process; ``as_non_root``: a
    worker process of ``NON_ROOT_UID``); each result as ``dataclasses.asdict(SandboxResult)``."""
    limits = {**FAST, **(limits or {})}
    if worker == "as_non_root" and os.geteuid() == 0:
        return _run_in_non_root_worker(codes, limits, env or {}, python or non_root_python(), one_by_one)
    old = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    get_settings.cache_clear()
    try:

        async def run_all() -> list[Any]:
            if one_by_one:
                return [await run_python(c, limits=SandboxLimits(**limits)) for c in codes]
            return await asyncio.gather(*(run_python(c, limits=SandboxLimits(**limits)) for c in codes))

        return [dataclasses.asdict(r) for r in asyncio.run(run_all())]
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def _run_in_non_root_worker(
    codes: list[str], limits: dict[str, Any], env: dict[str, str], python: str, one_by_one: bool
) -> list[dict[str, Any]]:
    args = [json.dumps(codes), json.dumps(limits), "1" if one_by_one else "0"]
    return run_child_as_non_root(_CHILD, args, env=env, python=python)


def run_child_as_non_root(child: str, args: list[str], *, env: dict[str, str], python: str | None = None) -> Any:
    """Run ``child`` (Python source importing the repo's code) as the non-root worker's uid;
    the JSON it prints last."""
    # the code and the venv are reached through open directory fds (``/proc/self/fd/N``): a
    # checkout under a directory other uids cannot traverse (e.g. /root) stays importable
    fds = [os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in [str(REPO), *_site_packages()]]
    child_env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join(f"/proc/self/fd/{fd}" for fd in fds),
        "HOME": env.get("HOME", "/nonexistent"),
        "DATABASE_URL": "postgresql://worker-secret@127.0.0.1/x",  # the worker's own secrets
        **env,
    }
    setpriv = ["setpriv", f"--reuid={NON_ROOT_UID}", f"--regid={NON_ROOT_UID}", "--clear-groups"]
    try:
        done = subprocess.run(
            [*setpriv, python or non_root_python(), "-c", child, *args],
            cwd="/",
            env=child_env,
            pass_fds=fds,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for fd in fds:
            os.close(fd)
    assert done.returncode == 0, f"non-root worker failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def owned_dir(path: Path, worker: str) -> Path:
    """``path`` created and owned by the worker's uid (root, or the non-root worker's)."""
    path.mkdir(parents=True, exist_ok=True)
    if worker == "as_non_root" and os.geteuid() == 0:
        for p in [path, *path.rglob("*")]:
            os.chown(p, NON_ROOT_UID, NON_ROOT_UID)
    return path
