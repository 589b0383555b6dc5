"""arq ``WorkerSettings`` tuned for Berrys (arq's defaults are wrong for us, see ARCHITECTURE).

``BerrysWorker`` overrides arq 0.25's ``main`` and ``start_jobs`` (a wake list instead of a 2 ms
poll, one claim for a whole read): stock arq, measured side by side, cost 3x the worker CPU per
task (docs/architecture.md, "The queue"). It is the one place that touches arq's internals
(``_poll_iteration``, ``sem``, ``tasks``), pinned to that version.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from signal import Signals
from typing import Any
from urllib.parse import parse_qs, urlparse

from arq.connections import RedisSettings, create_pool
from arq.constants import in_progress_key_prefix
from arq.worker import Worker

from berrys_app import gc_tuning, queue, tracing
from berrys_app.engine import runtime
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
    tracing.setup("worker")
    # the pool, publisher and runner of this process; each job makes it active (``workers.jobs``)
    ctx["runtime"] = runtime.open_runtime()
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
    worker_runtime: runtime.Runtime | None = ctx.get("runtime")
    if worker_runtime is not None:
        await worker_runtime.runner.stopped(get_settings().shutdown_release_s)
    await mcp.close_links()  # MCP sessions end cleanly (stdio servers exit) instead of at teardown
    await asyncio.to_thread(tracing.flush)  # the last spans leave before the process does
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
    if worker_runtime is not None:
        await worker_runtime.close()


async def after_job_end(ctx: dict[str, Any]) -> None:
    ctx["jobs"]["done"] += 1  # the per-job ctx copy shares this dict with the worker's own ctx


# Claim queued jobs for this worker: each id still in the queue (due by ARGV[2]) and not in progress
# elsewhere gets its in-progress key (arq's own checks); returns the claimed ids with their scores.
_CLAIM = """
local claimed = {}
for i = 3, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[2])
     and redis.call('SET', KEYS[2] .. ARGV[i], '1', 'NX', 'PX', ARGV[1]) then
    claimed[#claimed + 1] = ARGV[i]
    claimed[#claimed + 1] = score
  end
end
return claimed
"""


class BerrysWorker(Worker):
    """arq's worker, woken by enqueues instead of polling every ``poll_delay``.

    arq polls its queue every ``poll_delay`` (2 ms here): latency is low, but an idle or waiting
    worker spends a core's fraction on ``ZRANGEBYSCORE`` calls the machine needs elsewhere.
    Between polls this worker blocks on the wake list (an enqueue pushes a token per
    ``local_tasks`` jobs due now, ``queue.wake_tokens``), so it polls at once when work arrives and
    every ``worker_wake_wait_s`` otherwise. A poll on that timer takes only jobs older than
    ``worker_unwoken_min_age_ms``: a batch belongs to the worker its token woke (it runs the batch's
    dependents itself), and a timer poll that happened to run meanwhile used to split it.
    Burst mode (tests) keeps arq's loop.
    """

    _woken = True

    def handle_sig(self, signum: Signals) -> None:
        """arq's shutdown, after telling the task runs to give their tasks back as they stop: a task
        left leased by a stopped worker waited for its lease to expire (``lease_s``) before another
        worker could run it."""
        worker_runtime: runtime.Runtime | None = self.ctx.get("runtime")
        if not self.burst and worker_runtime is not None:
            worker_runtime.runner.stop()
        super().handle_sig(signum)

    async def main(self) -> None:
        if self.burst:
            return await super().main()
        if self._pool is None:
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
        wake_wait_s = get_settings().worker_wake_wait_s
        while True:
            self._picked = 0
            await self._poll_iteration()
            if self._picked < self.queue_read_limit:
                self._woken = await self.pool.blpop([wake], timeout=wake_wait_s) is not None
            else:  # a full read may have left jobs behind: poll again
                self._woken = True

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's ``start_jobs`` with the claim of all free slots' jobs in one round trip.

        arq claims job by job (WATCH, EXISTS, ZSCORE, MULTI/PSETEX: four round trips each, while the
        jobs already started compete for the loop): a project's twenty first tasks took ~40 ms to
        start. ``_CLAIM`` makes the same checks -- still queued, not in progress elsewhere -- and sets
        the same in-progress keys, atomically, for the whole read.
        """
        self._picked = len(job_ids)
        if not job_ids:
            return
        await self.sem.acquire()  # as arq: wait for one free slot, then take what is free now
        slots = 1
        while slots < len(job_ids) and not self.sem.locked():
            await self.sem.acquire()
            slots += 1
        now_ms = int(time.time() * 1000)
        claimed = await self.pool.eval(
            _CLAIM,
            2,
            self.queue_name,
            in_progress_key_prefix,
            int(self.in_progress_timeout_s * 1000),
            now_ms if self._woken else now_ms - get_settings().worker_unwoken_min_age_ms,  # due by then
            *job_ids[:slots],
        )
        for _ in range(slots - len(claimed) // 2):  # taken elsewhere, finished meanwhile, or too fresh
            self.sem.release()
        for job_id_b, score in zip(claimed[::2], claimed[1::2], strict=True):
            job_id = job_id_b.decode() if isinstance(job_id_b, bytes) else job_id_b
            task = self.loop.create_task(self.run_job(job_id, int(float(score))))
            task.add_done_callback(lambda _: self.sem.release())
            self.tasks[job_id] = task


def _max_jobs() -> int:
    """The jobs one poll starts (the batch a wake token stands for) plus spare slots for the jobs
    that are not part of it -- aggregation, planning, cron, a straggler queued just ahead: with no
    spare, one such job left a batch's last task for a later poll (a first task started ~120 ms late)."""
    settings = get_settings()
    return settings.worker_max_jobs + settings.worker_spare_slots


def build_worker(*, burst: bool = False, poll_delay: float | None = None, max_jobs: int | None = None) -> Worker:
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
        max_jobs=max_jobs or _max_jobs(),
        keep_result=0,
        job_serializer=queue.serialize,
        job_deserializer=queue.deserialize,
        handle_signals=not burst,
        # burst (tests): a job waits for the follow-ups it runs itself. "jobs" is a dict shared by
        # reference: arq hands each job a shallow copy of ctx, so a plain int counted in the copy.
        ctx={"burst": burst, "jobs": {"done": 0}},
    )
