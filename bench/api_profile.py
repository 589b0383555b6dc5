"""Where the server spends its CPU on ``GET /api/v1/projects/{id}/tasks`` (500 tasks).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/api_profile.py [--requests 500] [--concurrency 8] [--bare] [--top 40]

Seeds a scratch database like ``bench/api.py``, builds the production ASGI app in-process
(the Reflex app with the REST API mounted, as ``berrys up`` serves it; ``--bare`` = only
``create_api()``) and calls it directly over ASGI — no HTTP client or socket in the
profile — under cProfile. Prints CPU per request and the top functions by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _bench_api():
    """``bench/api.py`` as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_api", ROOT / "bench" / "api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _call(app, path: str, token: str, query: bytes) -> tuple[int, int]:
    """One GET straight through the ASGI app; returns (status, body bytes)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 3000),
    }
    status = 0
    size = 0

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(scope, receive, send)
    return status, size


async def _drive(app, path: str, token: str, *, requests: int, concurrency: int, query: bytes) -> None:
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, _ = await _call(app, path, token, query)
            assert status == 200, status

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--bare", action="store_true", help="profile create_api() without the Reflex wrapper")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument(
        "--cpu", action="store_true", help="profile CPU time (time.process_time), not wall time: waits do not count"
    )
    parser.add_argument("--no-settle", action="store_true", help="skip the startup gc.freeze() (gc_tuning)")
    parser.add_argument(
        "--inline", action="store_true", help="run sync handlers inline, so cProfile (main thread only) sees them"
    )
    args = parser.parse_args()
    if args.inline:
        _run_sync_inline()

    bench = _bench_api()
    scratch = bench.Scratch(redis_db=args.redis_db)
    try:
        env = scratch.env
        os.environ.update(env)
        project_id, token = bench.seed(env["DATABASE_URL"])
        app = _build(bare=args.bare)
        if not args.no_settle:
            from berrys_app.gc_tuning import settle_heap

            settle_heap()  # what the app's lifespan does at startup
        path = f"/api/v1/projects/{project_id}/tasks"

        async def run() -> None:
            status, size = await _call(app, path, token, b"")
            print(f"first response: {status}, {size} bytes")
            await _drive(app, path, token, requests=50, concurrency=args.concurrency, query=b"")  # warm-up
            started, cpu = time.perf_counter(), time.process_time()
            await _drive(app, path, token, requests=args.requests, concurrency=args.concurrency, query=b"")
            wall, used = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"{args.requests} requests unprofiled: {wall * 1000 / args.requests:.2f} ms wall, "
                f"{used * 1000 / args.requests:.2f} ms CPU per request"
            )
            if args.top <= 0:
                return
            profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
            profiler.enable()
            await _drive(app, path, token, requests=args.requests, concurrency=args.concurrency, query=b"")
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)

        asyncio.run(run())
    finally:
        scratch.close()


def _run_sync_inline() -> None:
    """Replace the thread-pool hop by a direct call: the profile then covers the sync code too."""
    import anyio.to_thread

    async def run_sync(func, *args, **_kwargs):
        return func(*args)

    anyio.to_thread.run_sync = run_sync


def _build(*, bare: bool):
    if bare:
        from berrys_app.api.app import create_api

        return create_api()
    from berrys_app.launcher.cli import tool_path

    os.environ["PATH"] = tool_path()  # bun for the Reflex compile (never Reflex's own installer)
    os.environ.setdefault("REFLEX_ENV_MODE", "prod")
    os.environ.setdefault("REFLEX_WEB_WORKDIR", tempfile.mkdtemp(prefix="berrys-bench-web-"))
    os.chdir(ROOT)
    from berrys_app.berrys_app import app

    return app()


if __name__ == "__main__":
    main()
