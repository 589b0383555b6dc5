"""arq's stock ``Worker``, configured for Berrys through its public parameters (arq's defaults are
wrong for us, see ARCHITECTURE): JSON jobs, a 2 ms poll, no results kept, our startup/shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qs, urlparse

from arq.connections import RedisSettings
from arq.worker import Worker

from berrys_app import gc_tuning, queue
from berrys_app.engine import runner
from berrys_app.services import hot_publish
from berrys_app.services.tools import mcp
from berrys_app.settings import get_settings
from workers import heartbeat
from workers.jobs import CRON_JOBS, JOBS


def redis_settings_from_url(url: str) -> RedisSettings:
    """arq settings for ``redis://`` and ``unix://`` (embedded Redis) URLs."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        db = int(parse_qs(parsed.query).get("db", ["0"])[0])
        return RedisSettings(unix_socket_path=parsed.path, database=db)
    return RedisSettings.from_dsn(url)


async def on_startup(ctx: dict[str, Any]) -> None:
    hot_publish.enable()  # events, token streams and follow-up jobs leave in pipelines from this loop
    await open_connections(ctx["redis"], _max_jobs())
    gc_tuning.settle_heap()  # litellm & co.: a full collection of the startup heap stalled every task ~0.1 s
    wid = heartbeat.worker_id()
    ctx["worker_id"] = wid
    ctx["lease_holder"] = heartbeat.lease_holder(wid)
    ctx["heartbeat_task"] = asyncio.create_task(heartbeat.heartbeat_loop(wid, ctx))


async def open_connections(client: Any, count: int) -> None:
    """Connect ``count`` connections of the arq pool now.

    Every job arq starts takes a connection for its own MULTI/EXEC, so a burst of twenty jobs (a
    project's first tasks) opened the connections it lacked in the middle of the burst: the
    first model call of such a project started ~10 ms after the claim instead of ~2 ms.
    """
    pool = client.connection_pool
    connections = [await pool.get_connection() for _ in range(count)]
    for connection in connections:
        await pool.release(connection)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    """Tell the task runs to give their tasks back as they stop, and wait for them: a task left
    leased by a stopped worker waited for its lease to expire (``lease_s``) before another worker
    could run it. arq calls this right after a SIGTERM/SIGINT cancelled its jobs."""
    if not ctx.get("burst"):
        runner.stop_local_runs()
    await runner.local_runs_stopped(get_settings().shutdown_release_s)
    await mcp.close_links()  # MCP sessions end cleanly (stdio servers exit) instead of at teardown
    task = ctx.get("heartbeat_task")
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(Exception):
        await asyncio.to_thread(
            heartbeat.beat,
            ctx["worker_id"],
            jobs_done=ctx["jobs"]["done"],
            stopped=True,
        )


async def after_job_end(ctx: dict[str, Any]) -> None:
    ctx["jobs"]["done"] += 1  # the per-job ctx copy shares this dict with the worker's own ctx


def _max_jobs() -> int:
    settings = get_settings()
    return settings.worker_max_jobs + settings.worker_spare_slots


def build_worker(*, burst: bool = False, poll_delay: float | None = None, max_jobs: int | None = None) -> Worker:
    """A configured arq worker (the CLI and the test fixture both use this)."""
    settings = get_settings()
    return Worker(
        functions=JOBS,
        cron_jobs=[] if burst else CRON_JOBS,  # burst drains the queue; a 1 s cron would keep it non-empty
        queue_name=settings.queue_name,
        redis_settings=redis_settings_from_url(settings.require_redis_url()),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        after_job_end=after_job_end,
        burst=burst,
        poll_delay=settings.poll_delay_s if poll_delay is None else poll_delay,
        job_timeout=settings.job_timeout_s,
        max_jobs=max_jobs or _max_jobs(),
        keep_result=0,
        job_serializer=queue.serialize,
        job_deserializer=queue.deserialize,
        handle_signals=not burst,
        # burst (tests): a job waits for the follow-ups it runs itself. "jobs" is a dict shared by
        # reference: arq hands each job a shallow copy of ctx, so a plain int counted in the copy.
        ctx={"burst": burst, "jobs": {"done": 0}},
    )
