"""Benchmark of the REST API: authenticated ``GET /api/v1/projects/{id}/tasks`` (500 tasks).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/api.py [--requests 2000] [--concurrency 32] [--workers 1] [--redis-db 12]

Creates a scratch database (dropped at the end), seeds a project whose approved plan has
500 tasks, serves ``create_api()`` with uvicorn (``--workers`` processes) and drives it with
an asyncio httpx client at the given concurrency. Prints requests/s, p50 and p99 next to the
target from ARCHITECTURE.md (p99 <= 50 ms at c=32). The client runs on the same machine and
shares its cores with the server, so the figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_P99_MS = 50.0
TASKS = 500


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def _seed(db_url: str) -> tuple[str, str]:
    """A user, a project with an approved 500-task plan; returns (project id, access token)."""
    from sqlmodel import Session, SQLModel, create_engine, select

    import berrys_app.domain  # noqa: F401
    from berrys_app.domain.accounts import TeamMember
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects
    from berrys_app.services.authz import Actor

    engine = create_engine(db_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = auth.create_user(session, email="bench@example.com", name="Bench")
        session.commit()
        team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
        actor = Actor(user_id=user.id, label=user.email)
        project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Bench"))
        tasks = [
            {
                "id": f"t{i}",
                "title": f"Task {i}",
                "description": "Summarise the findings of the previous step in two paragraphs.",
                "depends_on": [f"t{i - 1}"] if i % 20 else [],
            }
            for i in range(TASKS)
        ]
        projects.submit_plan(session, actor, project.id, {"summary": "bench", "tasks": tasks})
        projects.approve_plan(session, actor, project.id)
        session.commit()
        token = auth.issue_access_token(user.id, ttl_s=3600)
        return str(project.id), token


async def _load(url: str, token: str, *, requests: int, concurrency: int) -> tuple[list[float], float, int]:
    """aiohttp (C parser) as the client: it shares the cores with the server, so keep it lean."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    remaining = requests
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:
        async with http.get(url) as first:
            body = await first.json()
            assert first.status == 200 and len(body["data"]) == TASKS, str(body)[:300]
        for _ in range(concurrency * 2):  # warm-up: connections, caches
            async with http.get(url) as r:
                await r.read()

        async def worker() -> None:
            nonlocal errors, remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with http.get(url) as r:
                    payload = await r.read()
                latencies.append((time.perf_counter() - started) * 1000)
                if r.status != 200 or not payload.startswith(b'{"data":['):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--redis-db", type=int, default=12)
    args = parser.parse_args()

    import psycopg

    from berrys_app.settings import normalise_db_url

    admin_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{args.redis_db}"
    plain = normalise_db_url(admin_url).replace("postgresql+psycopg://", "postgresql://")
    name = f"berrys_bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = normalise_db_url(_with_database(plain, name))
    data_dir = tempfile.mkdtemp(prefix="berrys-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "BERRYS_DATA_DIR": data_dir,
        "BERRYS_RATE_LIMIT_API": "1000000",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "BERRYS_DATA_DIR")})
    server = None
    try:
        project_id, token = _seed(db_url)
        from tests.api.servers import free_port, wait_until_up

        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "berrys_app.api.app:create_api",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health/live", proc=server)
        url = f"{base}/api/v1/projects/{project_id}/tasks"
        latencies, elapsed, errors = asyncio.run(
            _load(url, token, requests=args.requests, concurrency=args.concurrency)
        )
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"GET /api/v1/projects/{{id}}/tasks  tasks={TASKS} concurrency={args.concurrency} workers={args.workers}")
        print(f"  requests        {len(latencies)} ({errors} errors)")
        print(f"  requests/s      {len(latencies) / elapsed:8.1f}")
        print(f"  p50 latency     {p50:8.1f} ms")
        print(
            f"  p99 latency     {p99:8.1f} ms   target <= {TARGET_P99_MS:.0f} ms   {'OK' if p99 <= TARGET_P99_MS else 'MISSED'}"
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        from berrys_app.db import dispose_all

        dispose_all()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
