"""Throughput of whole projects over REST: C concurrent clients, each its own user with an API key.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/throughput.py [--clients 60] [--seconds 30] [--workers 2] [--redis-db 12]

Each client loops until the time is up: create a project (``scripted/echo``, auto-approve) ->
submit a hand-made 3-task plan (two parallel tasks, one joining both; auto-approve starts it) ->
``execute`` if it still waits -> read ``/events/stream`` (SSE, backlog from 0, no polling) until
``project.status_changed`` to a final status -> fetch the deliverables. The clients are aiohttp
sessions (see ``client_loop``). The latency of one project
is create -> completed seen on the stream.

The stack is the production launcher (``python -m berrys_app up``: Reflex prod + Granian + the arq
workers it starts) on a fresh database of this machine's PostgreSQL and a flushed Redis db, as
``tests/e2e/stack.py`` starts it. Each client is its own user; the per-user API limit is raised
(``--rate-limit``): at the default 1,200/min one client alone is refused above ~3 projects/s.

Prints projects/s, p50/p95/p99, errors by kind, the most PostgreSQL connections seen
(``pg_stat_activity`` of the bench database, sampled every 100 ms), CPU seconds per project of the
web processes, the workers, the PostgreSQL backends (psutil) and this load generator itself
(``bench_client``: it shares the cores), next to the targets of issue 23,
and the load average before and after: on a shared machine the figures are depressed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402

TARGETS = {"projects/s (C=60)": ">= 100", "p95 (C=60)": "<= 1.5 s", "p50 (C=1)": "<= 150 ms", "pg connections": "<= 50"}
FINAL = {"completed", "failed", "cancelled"}
PLAN = {
    "summary": "two in parallel, one joins",
    "tasks": [
        {"id": "a", "title": "Left half", "description": "say left"},
        {"id": "b", "title": "Right half", "description": "say right"},
        {"id": "c", "title": "Join", "description": "join both", "depends_on": ["a", "b"]},
    ],
}


class Failure(Exception):
    """One project that did not go through: ``kind`` is what the error table counts."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


async def _call(http: aiohttp.ClientSession, method: str, url: str, step: str, **kw: Any) -> Any:
    """One request; its JSON body, or a ``Failure`` named for the step."""
    try:
        async with http.request(method, url, **kw) as response:
            if response.status >= 400:
                raise Failure(f"{step}: HTTP {response.status}")
            return await response.json()
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise Failure(f"{step}: {type(exc).__name__}") from exc


async def _wait_final(http: aiohttp.ClientSession, project_id: str) -> str:
    """Read the SSE stream (backlog from the start, then live) until the project is final."""
    url = f"/api/v1/projects/{project_id}/events/stream"
    try:
        async with http.get(url, params={"after": "0"}) as stream:
            if stream.status != 200:
                raise Failure(f"stream: HTTP {stream.status}")
            kind = ""
            async for raw in stream.content:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "project.status_changed":
                    to = json.loads(line[6:])["payload"]["to"]
                    if to in FINAL:
                        return to
                elif line.startswith("data: ") and kind == "stream.closed":
                    raise Failure("stream: closed by server")
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise Failure(f"stream: {type(exc).__name__}") from exc
    raise Failure("stream: ended before a final status")


async def one_project(http: aiohttp.ClientSession, team_id: str, n: int) -> None:
    body = {"team_id": team_id, "name": f"bench {n}", "model": "scripted/echo", "auto_approve": True}
    project = await _call(http, "POST", "/api/v1/projects", "create", json=body)
    pid = project["id"]
    planned = await _call(http, "POST", f"/api/v1/projects/{pid}/plan", "plan", json=PLAN)
    if planned["project"]["status"] == "ready":
        await _call(http, "POST", f"/api/v1/projects/{pid}/execute", "execute")
    final = await _wait_final(http, pid)
    if final != "completed":
        raise Failure(f"project {final}")
    deliverables = await _call(http, "GET", f"/api/v1/projects/{pid}/deliverables", "deliverables")
    if not deliverables.get("items", deliverables):
        raise Failure("deliverables: empty")


async def client_loop(base: str, key: str, team_id: str, until: float, out: dict) -> None:
    """One client: up to 4 connections of its own (as a browser or an SDK would hold), projects
    back to back. aiohttp rather than httpx: the load generator shares the 2 cores with the
    stack, and httpx cost 3.7x its CPU (10.1 against 2.7 ms per project at C=60, measured side by side)."""
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=4)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, headers=headers, timeout=timeout, connector=connector) as http:
        n = 0
        while time.monotonic() < until:
            n += 1
            started = time.monotonic()
            try:
                await one_project(http, team_id, n)
            except Failure as exc:
                out["errors"][exc.kind] += 1
                await asyncio.sleep(0.2)  # do not spin on a refusing server
            else:
                out["latencies"].append(time.monotonic() - started)


def make_clients(base: str, count: int) -> list[tuple[str, str]]:
    """``count`` verified users, each with an API key made over REST and its personal team id."""
    from sqlmodel import select

    from berrys_app.db import session_scope
    from berrys_app.domain.accounts import TeamMember
    from berrys_app.services import auth, tokens

    password_hash = auth.hash_password("bench password 1")
    out = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for i in range(count):
            with session_scope() as session:
                user = auth.create_user(
                    session,
                    email=f"bench{i}-{uuid.uuid4().hex[:6]}@example.com",
                    password_hash=password_hash,
                    verified=True,
                )
                session.flush()
                team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
                user_id = user.id
            jwt = tokens.issue_access_token(user_id)
            made = http.post(
                "/api/v1/api-keys",
                json={"name": "bench", "scopes": ["projects:read", "projects:write"]},
                headers={"Authorization": f"Bearer {jwt}"},
            )
            made.raise_for_status()
            out.append((made.json()["key"], str(team_id)))
    return out


class Sampler(threading.Thread):
    """Most connections to the bench database (pg_stat_activity), every 100 ms, and who held them
    then (by ``application_name``: process and pool, e.g. ``berrys-web-sessions``)."""

    def __init__(self, admin_url: str, db_name: str) -> None:
        super().__init__(daemon=True)
        self.admin_url, self.db_name = admin_url, db_name
        self.max_connections = 0
        self.at_max: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.wait(0.1):
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1",
                    (self.db_name,),
                ).fetchall()
                total = sum(count for _, count in rows)
                if total > self.max_connections:
                    self.max_connections, self.at_max = total, {name or "?": count for name, count in rows}


def cpu_by_role(root_pid: int, admin_url: str, db_name: str) -> dict[str, float]:
    """CPU seconds so far of the launcher's process tree (workers vs the rest = web) and of the
    database's backends."""
    from bench.pg_cpu import backend_cpu_s

    roles = {"web": 0.0, "workers": 0.0}
    root = psutil.Process(root_pid)
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            role = "workers" if "workers" in " ".join(proc.cmdline()) else "web"
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        roles[role] += times.user + times.system + times.children_user + times.children_system
    roles["postgres"] = backend_cpu_s(admin_url, db_name)
    return roles


def db_counters(admin_url: str, db_name: str) -> dict[str, int]:
    """Transactions and rows of the bench database so far (``pg_stat_database``): per project, the
    statement traffic the engine costs PostgreSQL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted"
            " FROM pg_stat_database WHERE datname = %s",
            (db_name,),
        ).fetchone()
    keys = ("commits", "rollbacks", "rows_returned", "rows_fetched", "rows_inserted", "rows_updated", "rows_deleted")
    return dict(zip(keys, row or (0,) * len(keys), strict=True))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(stack, *, clients: int, seconds: float, admin_url: str, db_name: str, keys: list[tuple[str, str]]) -> dict:
    out: dict = {"latencies": [], "errors": collections.Counter()}
    sampler = Sampler(admin_url, db_name)
    sampler.start()
    launcher = stack.launcher_pid
    cpu_before = cpu_by_role(launcher, admin_url, db_name)
    counters_before = db_counters(admin_url, db_name)
    load_before = os.getloadavg()[0]
    bench_cpu_before = time.process_time()
    started = time.monotonic()

    async def all_clients() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(client_loop(stack.base_url, k, t, until, out) for k, t in keys[:clients]))

    asyncio.run(all_clients())
    elapsed = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    cpu_after = cpu_by_role(launcher, admin_url, db_name)
    cpu_after["bench_client"] = time.process_time() - bench_cpu_before
    cpu_before["bench_client"] = 0.0
    time.sleep(0.6)  # pg_stat_database is flushed by the backends at most every 500 ms
    counters = {k: v - counters_before[k] for k, v in db_counters(admin_url, db_name).items()}
    done = len(out["latencies"]) or 1
    lat = out["latencies"]
    result = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "projects": len(lat),
        "projects_per_s": round(len(lat) / elapsed, 2),
        "p50_ms": round(_pct(lat, 0.50) * 1000),
        "p95_ms": round(_pct(lat, 0.95) * 1000),
        "p99_ms": round(_pct(lat, 0.99) * 1000),
        "mean_ms": round(statistics.fmean(lat) * 1000) if lat else None,
        "errors": dict(out["errors"]),
        "pg_connections_max": sampler.max_connections,
        "pg_connections_at_max": sampler.at_max,
        "cpu_s_per_project": {k: round((cpu_after[k] - cpu_before[k]) / done, 4) for k in cpu_after},
        "db_per_project": {k: round(v / done, 1) for k, v in counters.items()},
        "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 60], help="one run per value")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="a C=4 run first, not reported")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=100_000,
        help="BERRYS_RATE_LIMIT_API of the stack (the default 1,200/min refuses one client above ~3 projects/s)",
    )
    args = parser.parse_args()
    os.environ["BERRYS_RATE_LIMIT_API"] = str(args.rate_limit)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from berrys_app.db import dispose
    from berrys_app.settings import libpq_url
    from tests.e2e.stack import running_stack

    admin_url = libpq_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{args.redis_db}"
    print(f"# targets (issue 23): {TARGETS}; load average now {os.getloadavg()}", flush=True)
    with running_stack(
        admin_url=admin_url,
        redis_url=redis_url,
        data_dir=Path(tempfile.mkdtemp(prefix="berrys-tp-")),
        workers=args.workers,
    ) as stack:
        db_name = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]
        keys = make_clients(stack.base_url, max(args.clients))
        dispose()  # the bench's own pooled connection (the users it made) is not the platform's
        if args.warmup > 0:
            run(stack, clients=min(4, len(keys)), seconds=args.warmup, admin_url=admin_url, db_name=db_name, keys=keys)
        for clients in args.clients:
            run(stack, clients=clients, seconds=args.seconds, admin_url=admin_url, db_name=db_name, keys=keys)


if __name__ == "__main__":
    main()
