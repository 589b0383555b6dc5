"""Benchmark of the tool layer: what one tool call costs on top of the tool itself.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/tools.py [--calls 200] [--redis-db 13]

Prints, each with its target:
1. ``execute_tool`` of ``project_files`` list (validate, record running + done, event) p50/p95;
2. a replayed call (same call_key) p50;
3. the ``python`` sandbox (fork, rlimits, uid switch, netns, ``print(1)``) p50;
4. a pooled MCP stdio call p50 (first call starts the server; not counted).

Creates a scratch database (dropped at the end); Redis keys are prefixed, nothing is flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _line(label: str, value: float, target: float) -> None:
    verdict = "OK" if value <= target else "MISS"
    print(f"{label:<48} {value:8.2f} ms   target <= {target:g} ms   {verdict}")


async def run(calls: int) -> None:
    from sqlmodel import Session

    from berrys_app.db import get_engine
    from berrys_app.domain.accounts import Role, Team, TeamMember, User
    from berrys_app.domain.projects import Project
    from berrys_app.domain.tools import McpServerCreate
    from berrys_app.services.authz import Actor
    from berrys_app.services.tools import ToolContext, execute_tool, register_mcp_server
    from berrys_app.services.tools.mcp import close_links

    with Session(get_engine()) as session:
        team, user = Team(name="bench"), User(email=f"b{uuid.uuid4().hex[:6]}@example.com")
        session.add_all([team, user])
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=user.id, role=Role.admin.value))
        project = Project(name="bench", team_id=team.id)
        session.add(project)
        session.commit()
        project_id, team_id, admin = project.id, team.id, Actor(user_id=user.id, label="bench")

    def ctx(key: str, allowed: list[str]) -> ToolContext:
        return ToolContext(project_id=project_id, task_id=None, agent_id=None, allowed_tools=allowed, call_key=key)

    async def timed(key: str, name: str, args: dict, allowed: list[str]) -> float:
        started = time.perf_counter()
        result = await execute_tool(ctx(key, allowed), name, args)
        assert result.ok, result.content
        return (time.perf_counter() - started) * 1000

    await timed("warm", "project_files", {"action": "list"}, ["project_files"])
    fresh = [await timed(f"b:{i}", "project_files", {"action": "list"}, ["project_files"]) for i in range(calls)]
    replay = [await timed(f"b:{i}", "project_files", {"action": "list"}, ["project_files"]) for i in range(calls)]
    sandbox = [await timed(f"p:{i}", "python", {"code": "print(1)"}, ["python"]) for i in range(max(10, calls // 10))]

    with Session(get_engine()) as session:
        data = McpServerCreate(
            name="bench", transport="stdio", command=sys.executable, args=[str(ROOT / "tests/tools/mcp_server_app.py")]
        )
        server = await register_mcp_server(session, admin, team_id=team_id, data=data)
        assert server.status == "ok", server.last_error
    await timed("m:warm", "bench__add", {"a": 1, "b": 2}, ["bench__add"])
    mcp = [await timed(f"m:{i}", "bench__add", {"a": i, "b": 1}, ["bench__add"]) for i in range(calls)]
    await close_links()

    print(f"tool layer, {calls} calls each (machine: {os.cpu_count()} cores)")
    _line("execute_tool project_files list p50", _pct(fresh, 0.5), 10)
    _line("execute_tool project_files list p95", _pct(fresh, 0.95), 25)
    _line("replayed call (same call_key) p50", _pct(replay, 0.5), 2)
    _line("python sandbox print(1) end-to-end p50", _pct(sandbox, 0.5), 150)
    _line("MCP stdio tool call, pooled connection, p50", _pct(mcp, 0.5), 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args()

    import psycopg
    from sqlalchemy import create_engine, pool
    from sqlmodel import SQLModel

    import berrys_app.domain  # noqa: F401
    from berrys_app.settings import get_settings, normalise_db_url

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = f"berrys_bench_tools_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        db_url = normalise_db_url(_with_database(admin, name))
        engine = create_engine(db_url, poolclass=pool.NullPool)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        os.environ["DATABASE_URL"] = db_url
        os.environ["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{args.redis_db}"
        os.environ["BERRYS_CHANNEL_NAMESPACE"] = f"berrys-bench-{uuid.uuid4().hex[:6]}"
        # the stdio MCP server of the bench: "<this interpreter> <script>" (an operator argv template)
        os.environ["BERRYS_MCP_STDIO_COMMANDS"] = json.dumps([[sys.executable, "{script}"]])
        get_settings.cache_clear()
        asyncio.run(run(args.calls))
    finally:
        from tests.probes import dispose_all

        dispose_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
