"""Benchmark of the REST API: authenticated ``GET /api/v1/projects/{id}/tasks`` (500 tasks).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/api.py [--requests 3000] [--concurrency 32] [--workers 1] \\
        [--stack prod|bare] [--gzip] [--etag] [--redis-db 12]

What is measured, and why it is fair:

- the production stack: ``--stack prod`` (default) serves ``berrys_app.berrys_app:app`` — the
  Reflex app with the REST API mounted (``api_transformer``), all its middlewares — with
  Granian, exactly as ``berrys up`` (``reflex run --env prod``) does, one worker process by
  default as there (Reflex starts more only with its Redis state manager, ``REFLEX_REDIS_URL``);
  ``--stack bare`` serves only ``create_api()`` with uvicorn, for comparison;
- authenticated with a real access JWT, rate limiting on (Redis round trip per request, limit
  raised so the bench is not refused);
- the route returns the whole plan in one page (it does not page: ``meta.per_page`` = total),
  so each response carries all 500 tasks (~0.3 MB of JSON); the first one is checked;
- a minimal HTTP/1.1 keep-alive client on raw asyncio sockets, ``--concurrency`` connections,
  one request in flight each: it parses only the status line and Content-Length, so it costs
  far less CPU than the server (its CPU per request is printed: it shares the 2 cores);
- ``--gzip`` also measures clients that send ``Accept-Encoding: gzip`` (as browsers, httpx and
  requests do): the same full 200 response, compressed once per change of the tasks (~17 KB);
- ``--etag`` also measures conditional requests (``If-None-Match`` -> 304, no body).

Prints requests/s, p50/p99 and server/PostgreSQL/client CPU per request next to the target from
ARCHITECTURE.md (p99 <= 50 ms at c=32), and the load average (the figures are only
meaningful on a quiet machine).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_P99_MS = 50.0
# load before measuring: every connection and cache, and the server's startup work (its lifespan
# imports litellm in a thread and then freezes the heap: the first seconds' tail is not steady state)
WARM_UP_S = 3.0
TASKS = 500


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


class Scratch:
    """A scratch database (dropped by ``close``) and the environment pointing at it."""

    def __init__(self, *, redis_db: int) -> None:
        import psycopg

        from berrys_app.settings import libpq_url, normalise_db_url

        admin_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{redis_db}"
        self._plain = libpq_url(admin_url)
        self._name = f"berrys_bench_api_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self._plain, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._name}"')
        self.env = {
            "DATABASE_URL": normalise_db_url(_with_database(self._plain, self._name)),
            "REDIS_URL": redis_url,
            "BERRYS_DATA_DIR": tempfile.mkdtemp(prefix="berrys-bench-"),
            "BERRYS_RATE_LIMIT_API": "100000000",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }

    def backend_cpu(self) -> float:
        """CPU seconds used so far by the PostgreSQL backends of the scratch database (the server's pools)."""
        from bench.pg_cpu import backend_cpu_s

        return backend_cpu_s(self._plain, self._name)

    def close(self) -> None:
        import psycopg

        from tests.probes import dispose_all

        dispose_all()
        with psycopg.connect(self._plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')


def seed(db_url: str) -> tuple[str, str]:
    """A user, a project with an approved 500-task plan; returns (project id, access token)."""
    from sqlmodel import Session, SQLModel, create_engine, select

    import berrys_app.domain  # noqa: F401
    from berrys_app.domain.accounts import TeamMember
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, tokens
    from berrys_app.services.authz import Actor
    from berrys_app.usecases import project_lifecycle

    engine = create_engine(db_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = auth.create_user(session, email="bench@example.com", name="Bench")
        session.commit()
        team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
        actor = Actor(user_id=user.id, label=user.email)
        project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Bench"))
        session.commit()
        tasks = [
            {
                "id": f"t{i}",
                "title": f"Task {i}",
                "description": "Summarise the findings of the previous step in two paragraphs.",
                "depends_on": [f"t{i - 1}"] if i % 20 else [],
            }
            for i in range(TASKS)
        ]
        project_lifecycle.submit_plan(session, actor, project.id, {"summary": "bench", "tasks": tasks})
        session.commit()
        project_lifecycle.approve_plan(session, actor, project.id)
        session.commit()
        token = tokens.issue_access_token(user.id, ttl_s=3600)
    engine.dispose()
    return str(project.id), token


def _server_argv(stack: str, port: int, workers: int) -> list[str]:
    if stack == "prod":  # what `reflex run --env prod` runs (Granian, since gunicorn is not installed)
        return [
            str(Path(sys.executable).parent / "granian"),
            "--interface", "asgi", "--factory", "berrys_app.berrys_app:app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--log-level", "warning",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--factory", "berrys_app.api.app:create_api",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def start_server(stack: str, workers: int, env: dict[str, str], data_dir: str) -> tuple[subprocess.Popen, str]:
    from berrys_app.launcher.cli import tool_path
    from tests.api.servers import free_port, wait_until_up

    port = free_port()
    server_env = {
        **os.environ,
        **env,
        "PATH": tool_path(),  # bun for the Reflex compile (never Reflex's own installer)
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_WEB_WORKDIR": str(Path(data_dir) / "web"),
        "REFLEX_STATES_WORKDIR": str(Path(data_dir) / "states"),
        "BERRYS_PORT": str(port),
    }
    server = subprocess.Popen(_server_argv(stack, port, workers), cwd=ROOT, env=server_env)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/health/live", proc=server, timeout_s=300)
    return server, base


# --- a minimal keep-alive HTTP/1.1 client --------------------------------------------------


class _Conn(asyncio.Protocol):
    """One connection, one request at a time; parses status + Content-Length only."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.keep_body = False
        self.head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.buffer[:end]).lower() + b"\r\n"
        status = int(head[9:12])
        length = 0
        marker = head.find(b"\r\ncontent-length:")
        if marker >= 0:
            length = int(head[marker + 17 : head.find(b"\r\n", marker + 2)])
        elif b"transfer-encoding: chunked" in head:
            raise RuntimeError("chunked responses are not supported by this client")
        self.head = head
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[end + 4 : total]) if self.keep_body else bytes(self.buffer[end + 4 : end + 14])
        del self.buffer[:total]
        waiter, self.waiter = self.waiter, None
        waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    async def request(self, raw: bytes, *, keep_body: bool = False) -> tuple[int, bytes]:
        assert self.transport is not None
        self.keep_body = keep_body
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def _request(path: str, token: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n{extra}\r\n".encode()


async def _load(
    port: int,
    raw: bytes,
    *,
    requests: int,
    concurrency: int,
    expect: tuple[int, bytes],
    server_cpu: Callable[[], float],
    db_cpu: Callable[[], float],
) -> tuple[list[float], float, int, float, float, float]:
    """(latencies ms, elapsed s, errors, client CPU s, server CPU s, PostgreSQL CPU s) for
    ``requests`` sent over ``concurrency`` connections, after ``WARM_UP_S`` of the same load."""
    loop = asyncio.get_running_loop()
    conns = [(await loop.create_connection(_Conn, "127.0.0.1", port))[1] for _ in range(concurrency)]
    warm_until = time.perf_counter() + WARM_UP_S

    async def warm(conn: _Conn) -> None:
        while time.perf_counter() < warm_until:
            await conn.request(raw)

    await asyncio.gather(*(warm(conn) for conn in conns))
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker(conn: _Conn) -> None:
        nonlocal errors, remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, head = await conn.request(raw)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != expect[0] or not head.startswith(expect[1]):
                errors += 1

    cpu, server_before, db_before = time.process_time(), server_cpu(), db_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(worker(conn) for conn in conns))
    elapsed = time.perf_counter() - started
    cpu, server_used, db_used = time.process_time() - cpu, server_cpu() - server_before, db_cpu() - db_before
    for conn in conns:
        assert conn.transport is not None
        conn.transport.close()
    return latencies, elapsed, errors, cpu, server_used, db_used


async def _first(port: int, path: str, token: str) -> tuple[str, dict]:
    """The first response, checked in full: 500 tasks; returns its ETag and body."""
    _, conn = await asyncio.get_running_loop().create_connection(_Conn, "127.0.0.1", port)
    status, body = await conn.request(_request(path, token), keep_body=True)
    assert conn.transport is not None
    conn.transport.close()
    payload = json.loads(body)
    assert status == 200 and len(payload["data"]) == TASKS, body[:300]
    lines = conn.head.decode().split("\r\n")
    etag = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("etag:")), "")
    return etag, payload


def _server_cpu(server: subprocess.Popen) -> float:
    import psutil

    proc = psutil.Process(server.pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _report(
    label: str,
    latencies: list[float],
    elapsed: float,
    errors: int,
    client_cpu: float,
    server_cpu: float,
    db_cpu: float,
) -> None:
    latencies.sort()
    count = len(latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[min(count - 1, int(count * 0.99))]
    verdict = "OK" if p99 <= TARGET_P99_MS else "MISSED"
    print(f"  {label}")
    print(f"    requests        {count} ({errors} errors)")
    print(f"    requests/s      {count / elapsed:8.1f}")
    print(f"    p50 latency     {p50:8.1f} ms")
    print(f"    p99 latency     {p99:8.1f} ms   target <= {TARGET_P99_MS:.0f} ms   {verdict}")
    print(
        f"    CPU/request     server {server_cpu * 1000 / count:.2f} ms, PostgreSQL {db_cpu * 1000 / count:.2f} ms, "
        f"client {client_cpu * 1000 / count:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (production default: 1)")
    parser.add_argument("--stack", choices=("prod", "bare"), default="prod")
    parser.add_argument("--gzip", action="store_true", help="also measure Accept-Encoding: gzip")
    parser.add_argument("--etag", action="store_true", help="also measure If-None-Match -> 304")
    parser.add_argument("--redis-db", type=int, default=12)
    args = parser.parse_args()

    scratch = Scratch(redis_db=args.redis_db)
    os.environ.update({k: scratch.env[k] for k in ("DATABASE_URL", "REDIS_URL", "BERRYS_DATA_DIR")})
    server = None
    try:
        project_id, token = seed(scratch.env["DATABASE_URL"])
        server, base = start_server(args.stack, args.workers, scratch.env, scratch.env["BERRYS_DATA_DIR"])
        port = int(base.rsplit(":", 1)[1])
        path = f"/api/v1/projects/{project_id}/tasks"
        etag, payload = asyncio.run(_first(port, path, token))
        size = len(json.dumps(payload, separators=(",", ":")))
        print(
            f"GET /api/v1/projects/{{id}}/tasks  tasks={TASKS} (one page, ~{size // 1024} KB) "
            f"concurrency={args.concurrency} stack={args.stack} workers={args.workers}"
        )
        runs = [("200 full responses (identity)", _request(path, token), (200, b'{"data":['))]
        if args.gzip:
            runs.append(
                ("200 full responses (gzip)", _request(path, token, "Accept-Encoding: gzip\r\n"), (200, b"\x1f\x8b"))
            )
        if args.etag:
            runs.append(("304 If-None-Match", _request(path, token, f"If-None-Match: {etag}\r\n"), (304, b"")))
        for label, raw, expect in runs:
            probe = functools.partial(_server_cpu, server)
            figures = asyncio.run(
                _load(
                    port,
                    raw,
                    requests=args.requests,
                    concurrency=args.concurrency,
                    expect=expect,
                    server_cpu=probe,
                    db_cpu=scratch.backend_cpu,
                )
            )
            _report(label, *figures)
        print(f"  load average    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores; quiet < 0.5)")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        scratch.close()


if __name__ == "__main__":
    main()
