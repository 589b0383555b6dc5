"""Event publishing and job enqueueing for the engine's hot path, on the worker's event loop.

The statements that write events return them as JSON text; they go to Redis after the statement
committed, with the jobs the statement made due. Everything handed over during one turn of the
event loop leaves in one pipeline -- its events as one message (``events.pack``) -- plus one for
the jobs' queue entries, from a coroutine: no thread, so no GIL hand-offs between the loop and a
sender (they cost more than the round trips).

Jobs leave at once (another worker may be idle). Live updates alone (events, token streams) wait
up to ``Settings.live_batch_s`` for company: model calls end in bursts (a DAG level), and sending (and
encoding) a burst's messages then competed for the CPU with starting the next calls.

If the process dies before a flush, the rows are the record: live clients catch up from the
events table and the reconciler re-enqueues ready tasks.

A worker's runtime (``engine.runtime``) owns its ``Publisher`` and makes it current for each job's
duration (``using``: a context variable, inherited by the tasks the job starts -- the engine's
statements and the model layer's token stream reach it there without a parameter through every
service). Elsewhere (a request handler, a test without a runtime) ``send`` sends at once, so
nothing waits in a loop that may end before it flushes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from berrys_app import queue
from berrys_app.context_scope import set_for_block
from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import events_channel
from berrys_app.queue import Job
from berrys_app.redis_client import sync_redis
from berrys_app.services import events as events_service
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

# Live updates with no job to go with them wait ``Settings.live_batch_s`` for more (8 ms: the UI's
# worker event -> DOM p95 was 42 ms against 100 ms). W with 200 ms calls, interleaved A/B of 8 runs
# each: median 2.0550 -> 2.0501 s.


def publish_now(events: Sequence[str] | None) -> None:
    """Publish event JSON texts synchronously (callers without an event loop)."""
    if not events:
        return
    try:
        sync_redis().publish(events_channel(), events_service.pack(events))
    except Exception:  # transport only: the rows are the record
        log.warning("could not publish %d events", len(events), exc_info=True)


class Publisher:
    """Collects events and jobs during a loop turn; one coroutine sends them (on ``client``'s loop)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self.events: list[str | dict[str, Any]] = []  # JSON texts, or live-only messages encoded on sending
        self.jobs: list[Job] = []
        self.flushing: asyncio.Task[None] | None = None
        self.hurry: asyncio.Future[None] | None = None  # set when jobs arrive while live updates wait

    def send(self, events: Sequence[str | dict[str, Any]] | None, jobs: Sequence[Job]) -> None:
        if events:
            self.events.extend(events)
        if jobs:
            self.jobs.extend(jobs)
            if self.hurry is not None and not self.hurry.done():
                self.hurry.set_result(None)
        if (self.events or self.jobs) and (self.flushing is None or self.flushing.done()):
            self.flushing = asyncio.get_running_loop().create_task(self._flush(), name="berrys-publish")

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the rest of this loop turn add to the batch
        if not self.jobs:  # live updates only: wait a little for company, unless jobs come
            self.hurry = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(get_settings().live_batch_s):
                    await self.hurry
            self.hurry = None
        while self.events or self.jobs:
            events, self.events = self.events, []
            jobs, self.jobs = self.jobs, []
            try:
                await self._send(events, jobs)
            except Exception:
                log.warning("could not publish %d events / enqueue %d jobs", len(events), len(jobs), exc_info=True)

    async def _send(self, events: list[str | dict[str, Any]], jobs: list[Job]) -> None:
        pipe = self.client.pipeline(transaction=False)
        if events:
            texts = [e if isinstance(e, str) else json.dumps(e, default=str) for e in events]
            pipe.publish(events_channel(), events_service.pack(texts))
        now_ms = int(time.time() * 1000)
        staged = queue.stage_jobs(pipe, jobs, now_ms)
        replies = await pipe.execute()
        if not staged:
            return
        pipe = self.client.pipeline(transaction=False)
        queue.queue_staged(pipe, staged, replies[1 if events else 0 :], now_ms)
        await pipe.execute()

    async def flushed(self) -> None:
        """Wait until what it was handed has been sent (a worker's shutdown, tests)."""
        while self.flushing is not None and not self.flushing.done():
            await asyncio.shield(self.flushing)

    def pending(self) -> int:
        """Events and jobs not sent yet (tests)."""
        return len(self.events) + len(self.jobs)


_CURRENT: contextvars.ContextVar[Publisher | None] = contextvars.ContextVar("berrys_publisher", default=None)


def using(publisher: Publisher) -> contextlib.AbstractContextManager[Publisher]:
    """Send through ``publisher`` in the block (and the tasks it starts): a worker's job."""
    return set_for_block(_CURRENT, publisher)


def send(events: Sequence[str] | None, jobs: Sequence[Job] = ()) -> None:
    """Publish ``events`` and enqueue ``jobs``: soon through the current publisher, else now."""
    publisher = _CURRENT.get()
    if publisher is not None:
        publisher.send(events, jobs)
        return
    publish_now(events)
    if jobs:
        queue.dispatch(jobs)


def publish_transient(kind: EventKind, payload: dict[str, Any], *, project_id: uuid.UUID | None = None) -> None:
    """``events.publish_transient`` (live-only messages such as token streams), batched with the
    hot path's events by the current publisher instead of a blocking round trip per message."""
    publisher = _CURRENT.get()
    if publisher is None:
        events_service.publish_transient(kind, payload, project_id=project_id)
        return
    message = events_service.transient_message(kind, payload, project_id)
    publisher.send([message], ())  # encoded when sent, after the burst it came in
