"""Issue 17, finding 2: a team admin asks for limits far above what the operator allows (16 GB,
512 processes, an hour) and runs a fork bomb, a memory bomb and a sleeper. Registration is
refused with a message naming the cap; a config stored before the cap (or written to the
database directly) is clamped when it runs; the worker keeps its own processes and memory."""

from __future__ import annotations

import psutil
import pytest
from sqlmodel import Session

from berrys_app.domain.tools import Tool, ToolKind
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.tools import execute_tool
from berrys_app.services.tools.registry import check_config
from berrys_app.settings import get_settings
from tests.security.sandbox_harness import WORKERS, run_as
from tests.tools.conftest import world  # noqa: F401  (the team, its admin and a project)

CAPS = {"BERRYS_SANDBOX_MAX_NPROC": "8", "BERRYS_SANDBOX_MAX_MEMORY_MB": "256", "BERRYS_SANDBOX_MAX_WALL_S": "4"}
GREEDY = {"nproc": 512, "memory_mb": 16_384, "wall_s": 3600, "cpu_s": 600, "fsize_mb": 1024}

FORK_BOMB = """
import os, time
started = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        started += 1
except OSError as exc:
    print("refused after", started, exc.errno)
print("started", started)
"""
MEMORY_BOMB = "x = bytearray(600 * 1024 ** 2)\nprint('allocated', len(x))"
SLEEPER = "import time\ntime.sleep(20)\nprint('woke up')"


@pytest.mark.parametrize("worker", WORKERS)
def test_fork_memory_and_time_bombs_are_held_to_the_caps(worker: str) -> None:
    me = psutil.Process()
    children_before, rss_before = len(me.children(recursive=True)), me.memory_info().rss
    fork, memory, sleeper = run_as(worker, [FORK_BOMB, MEMORY_BOMB, SLEEPER], limits=GREEDY, env=CAPS)
    started = int(fork["stdout"].split("started", 1)[1].split()[0]) if "started" in fork["stdout"] else 0
    assert started <= 8, f"the fork bomb started {started} processes (cap 8)"
    assert "allocated" not in memory["stdout"] and "MemoryError" in memory["stderr"], memory
    assert sleeper["timed_out"] and "woke up" not in sleeper["stdout"], sleeper
    assert sleeper["duration_ms"] < 15_000
    assert len(me.children(recursive=True)) == children_before
    assert me.memory_info().rss - rss_before < 64 * 1024**2


@pytest.fixture
def caps(monkeypatch: pytest.MonkeyPatch):
    for name, value in CAPS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("key", "value", "env"),
    [
        ("nproc", 512, "BERRYS_SANDBOX_MAX_NPROC"),
        ("memory_mb", 16_384, "BERRYS_SANDBOX_MAX_MEMORY_MB"),
        ("wall_s", 3600, "BERRYS_SANDBOX_MAX_WALL_S"),
    ],
)
def test_registration_above_a_cap_is_refused_naming_it(caps, key: str, value: int, env: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_config("python", {key: value})
    assert env in refused.value.message and f"config.{key}" in refused.value.message


async def test_a_stored_config_above_the_caps_is_clamped_when_it_runs(session: Session, world, caps) -> None:  # noqa: F811
    # written before the operator lowered the caps, or straight into the database
    session.add(
        Tool(
            name="greedy_python",
            kind=ToolKind.python.value,
            team_id=world.team_id,
            parameters_schema={"type": "object", "properties": {"code": {"type": "string"}}},
            config=GREEDY,
        )
    )
    session.commit()
    ctx = world.ctx(allowed=["greedy_python"])
    memory = await execute_tool(ctx, "greedy_python", {"code": MEMORY_BOMB})
    assert (memory.ok, memory.error_code) == (False, "sandbox_memory_limit")
    assert "256 MB" in memory.content
    fork = await execute_tool(world.ctx(allowed=["greedy_python"]), "greedy_python", {"code": FORK_BOMB})
    assert fork.ok and int(fork.content.split("started", 1)[1].split()[0]) <= 8, fork.content
