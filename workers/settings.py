"""arq ``WorkerSettings`` tuned for Berrys (arq's defaults are wrong for us, see ARCHITECTURE)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qs, urlparse

from arq.connections import RedisSettings
from arq.worker import Worker

from berrys_app import gc_tuning, queue
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
    from berrys_app.services import hot_publish

    hot_publish.enable()  # events, token streams and follow-up jobs leave in pipelines from this loop
    gc_tuning.settle_heap()  # litellm & co.: a full collection of the startup heap stalled every task ~0.1 s
    wid = heartbeat.worker_id()
    ctx["worker_id"] = wid
    ctx["jobs_done"] = 0
    ctx["heartbeat_task"] = asyncio.create_task(heartbeat.heartbeat_loop(wid, ctx))


async def on_shutdown(ctx: dict[str, Any]) -> None:
    task = ctx.get("heartbeat_task")
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(Exception):
        await asyncio.to_thread(
            heartbeat.beat,
            ctx["worker_id"],
            jobs_done=ctx.get("jobs_done", 0),
            stopped=True,
        )


async def after_job_end(ctx: dict[str, Any]) -> None:
    ctx["jobs_done"] = ctx.get("jobs_done", 0) + 1


WAKE_WAIT_S = 0.05  # the longest a worker sleeps between polls when no enqueue woke it (deferred jobs, cron)


class BerrysWorker(Worker):
    """arq's worker, woken by enqueues instead of polling every ``poll_delay``.

    arq polls its queue every ``poll_delay`` (2 ms here): latency is low, but an idle or waiting
    worker spends a core's fraction on ``ZRANGEBYSCORE`` calls the machine needs elsewhere.
    Between polls this worker blocks on the wake list (``queue.enqueue_many`` pushes a token per
    job due now), so it polls at once when work arrives and every ``WAKE_WAIT_S`` otherwise.
    Burst mode (tests) keeps arq's loop.
    """

    async def main(self) -> None:
        if self.burst:
            return await super().main()
        if self._pool is None:
            from arq.connections import create_pool

            self._pool = await create_pool(
                self.redis_settings,
                job_deserializer=self.job_deserializer,
                job_serializer=self.job_serializer,
                default_queue_name=self.queue_name,
                expires_extra_ms=self.expires_extra_ms,
            )
        self.ctx["redis"] = self.pool
        if self.on_startup:
            await self.on_startup(self.ctx)
        wake = queue.wake_key()
        while True:
            self._picked = 0
            await self._poll_iteration()
            if self._picked < self.queue_read_limit:  # a full read may have left jobs behind: poll again
                await self.pool.blpop([wake], timeout=WAKE_WAIT_S)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        self._picked = len(job_ids)
        await super().start_jobs(job_ids)


def build_worker(*, burst: bool = False, poll_delay: float | None = None, max_jobs: int = 20) -> Worker:
    """A configured arq worker (the CLI and the test fixture both use this)."""
    settings = get_settings()
    return BerrysWorker(
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
        max_jobs=max_jobs,
        keep_result=0,
        job_serializer=queue.serialize,
        job_deserializer=queue.deserialize,
        handle_signals=not burst,
        ctx={"burst": burst},  # burst (tests): a job waits for the follow-ups it runs itself
    )
