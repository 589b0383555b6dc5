"""The python tool's sandbox: limits really enforced, nothing of the worker leaks in, and the
worker (this test process) survives every snippet."""

from __future__ import annotations

import os

import psutil
import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall, ToolCreate, ToolKind
from berrys_app.services.tools import execute_tool, register_tool
from berrys_app.services.tools.sandbox import SandboxLimits, run_python

FAST = {"cpu_s": 1, "wall_s": 4, "memory_mb": 256, "max_output_bytes": 10_000, "nproc": 16}


def _fast_python(session: Session, world, name: str = "quick_python", **overrides) -> None:
    """A team tool with tight limits, so the tests are quick (same sandbox as the built-in)."""
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name=name,
            kind=ToolKind.python,
            parameters_schema={"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
            config={**FAST, **overrides},
        ),
    )


def _all_sandbox_processes() -> set[psutil.Process]:
    return {p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real >= 200_000}


@pytest.fixture(autouse=True)
def _earlier_sandboxes() -> None:
    """Sandbox processes alive before the test (e.g. another test run on the same machine) are not its leftovers."""
    global _before
    _before = _all_sandbox_processes()


_before: set[psutil.Process] = set()


def _sandbox_processes() -> list[psutil.Process]:
    """Sandbox processes this test left behind."""
    return sorted(_all_sandbox_processes() - _before, key=lambda p: p.pid)


async def _run(world, code: str, key: str):
    return await execute_tool(world.ctx(key, allowed=["quick_python"]), "quick_python", {"code": code})


async def test_happy_path_prints_result(session: Session, world) -> None:
    result = await execute_tool(world.ctx(), "python", {"code": "print(sum(range(10)))"})
    assert result.ok and result.content.strip() == "45"


async def test_ten_gigabytes_is_a_memory_error_and_the_worker_survives(session: Session, world) -> None:
    _fast_python(session, world)
    result = await _run(world, "x = bytearray(10 * 1024 ** 3)\nprint(len(x))", "k:mem")
    assert (result.ok, result.error_code) == (False, "sandbox_memory_limit")
    assert "256 MB" in result.content
    session.expire_all()
    assert session.exec(select(ToolCall).where(ToolCall.call_key == "k:mem")).one().error_code == "sandbox_memory_limit"
    after = await _run(world, "print('still here')", "k:mem2")
    assert after.ok and after.content.strip() == "still here"


async def test_fork_bomb_is_contained_and_cleaned_up(session: Session, world) -> None:
    _fast_python(session, world)
    result = await _run(world, "import os\nwhile True:\n    os.fork()", "k:fork")
    assert not result.ok
    assert result.error_code in {"sandbox_process_limit", "timeout"}
    assert _sandbox_processes() == []
    assert (await _run(world, "print(1)", "k:fork2")).ok


async def test_cpu_and_wall_time_limits(session: Session, world) -> None:
    _fast_python(session, world)
    # CPU: a generous wall limit, so only the 1 s CPU limit can end the spin even on a busy machine
    _fast_python(session, world, "spin_python", cpu_s=1, wall_s=120)
    spin = await execute_tool(world.ctx(allowed=["spin_python"]), "spin_python", {"code": "while True:\n    pass"})
    assert spin.error_code == "sandbox_cpu_limit"
    assert "more than 1 s of CPU" in spin.content
    sleeper = await _run(world, "import time\ntime.sleep(60)", "k:wall")
    assert sleeper.error_code == "timeout"
    assert "longer than 4 s" in sleeper.content
    assert _sandbox_processes() == []


async def test_background_children_are_killed_with_the_group() -> None:
    code = "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\nprint('started')"
    result = await run_python(code, limits=SandboxLimits(**FAST))
    assert result.reason == "ok" and result.stdout.strip() == "started"
    assert _sandbox_processes() == []


async def test_no_secrets_in_env_and_no_database(session: Session, world, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "worker-secret-value")
    monkeypatch.setenv("ENCRYPTION_KEY", "worker-encryption-key")
    assert os.environ["DATABASE_URL"] and os.environ["REDIS_URL"]
    code = (
        "import os, json, socket\n"
        "print(json.dumps(sorted(os.environ)))\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 5432), timeout=1); print('DB REACHABLE')\n"
        "except OSError as exc:\n"
        "    print('db blocked', exc.errno)\n"
        "print('uid', os.getuid())\n"
    )
    result = await run_python(code, limits=SandboxLimits(**FAST))
    assert result.reason == "ok", result.stderr
    env_names = result.stdout.splitlines()[0]
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEY", "BERRYS"):
        assert name not in env_names
    assert "DB REACHABLE" not in result.stdout
    assert result.network_isolated
    if os.geteuid() == 0:  # root workers drop the snippet to a throw-away unprivileged uid
        assert f"uid {result.sandbox_uid}" in result.stdout and result.sandbox_uid >= 200_000


async def test_output_cap_and_scratch_dir(session: Session, world) -> None:
    _fast_python(session, world)
    flood = await _run(world, "print('x' * 1_000_000)", "k:flood")
    assert flood.error_code == "sandbox_output_limit"
    scratch = await run_python(
        "import os\nopen('out.txt', 'w').write('hello')\nprint(os.getcwd(), open('out.txt').read())",
        limits=SandboxLimits(**FAST),
    )
    cwd, text = scratch.stdout.split()
    assert text == "hello" and "berrys-sbx-" in cwd
    assert not os.path.exists(cwd)  # removed afterwards
    litter = await run_python(
        "import os\nopen('/tmp/berrys-litter.txt', 'w').write('x')\nos.mkdir('/tmp/berrys-litter-dir')",
        limits=SandboxLimits(**FAST),
    )
    assert litter.reason == "ok", litter.stderr
    if litter.sandbox_uid is not None:  # a throw-away uid's files in shared temp dirs are removed too
        assert not os.path.exists("/tmp/berrys-litter.txt") and not os.path.exists("/tmp/berrys-litter-dir")
