"""CPU per REST call of one project's life, in-process: create, plan (auto-approve), SSE catch-up.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/route_cpu.py [--projects 100] [--redis-db 7]

``bench/throughput.py`` measures whole projects under 60 clients, but on 2 shared cores its CPU per
project moves +-30 % from one run to the next: a change worth 5 % of the web process's CPU cannot be
seen there. This drives the API app (``create_api``, its lifespan) over ASGI in one process, one
request at a time and no workers, and prints each call's median CPU (``time.process_time``: every
thread of the process, the httpx client's share included, the same on both sides of an A/B). Run it
on both trees, alternating. The SSE stream is read with ``follow=false`` (its backlog, then the end).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.throughput import PLAN  # noqa: E402  (the path above first; the same 3-task plan)

WARMUP = 20


async def drive(app, token: str, team_id: uuid.UUID, projects: int) -> dict[str, list[float]]:
    from berrys_app.api.app import process_resources

    cpu: dict[str, list[float]] = {"create": [], "plan": [], "stream": []}
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        process_resources(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers) as client,
    ):
        for n in range(WARMUP + projects):
            marks = [time.process_time()]
            body = {"team_id": str(team_id), "name": f"p{n}", "model": "scripted/echo", "auto_approve": True}
            made = await client.post("/api/v1/projects", json=body)
            assert made.status_code == 201, made.text
            marks.append(time.process_time())
            project = made.json()["id"]
            planned = await client.post(f"/api/v1/projects/{project}/plan", json=PLAN)
            assert planned.status_code == 202, planned.text
            marks.append(time.process_time())
            url = f"/api/v1/projects/{project}/events/stream"
            stream = await client.get(url, params={"after": "0", "follow": "false"})
            assert stream.status_code == 200 and "project.status_changed" in stream.text, stream.text
            marks.append(time.process_time())
            if n >= WARMUP:
                for values, start, end in zip(cpu.values(), marks, marks[1:], strict=False):
                    values.append(end - start)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--redis-db", type=int, default=7)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_route_cpu_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = admin.rsplit("/", 1)[0] + f"/{name}"
    os.environ["REDIS_URL"] = (
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{args.redis_db}"
    )
    os.environ["BERRYS_RATE_LIMIT_API"] = "1000000"
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()

    from sqlmodel import Session, SQLModel, create_engine, select

    import berrys_app.domain  # noqa: F401
    from berrys_app.api.app import create_api
    from berrys_app.db import dispose
    from berrys_app.domain.accounts import TeamMember
    from berrys_app.services import auth, tokens

    try:
        engine = create_engine(os.environ["DATABASE_URL"])
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = auth.create_user(session, email="bench@example.com", name="Bench")
            session.commit()
            team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
        engine.dispose()
        cpu = asyncio.run(drive(create_api(), tokens.issue_access_token(user.id, ttl_s=3600), team_id, args.projects))
        medians = {call: round(statistics.median(values) * 1000, 2) for call, values in cpu.items()}
        print(f"CPU per call, median of {args.projects} (ms): {medians}; load average {os.getloadavg()[0]:.1f}")
    finally:
        dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
