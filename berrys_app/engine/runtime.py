"""A worker's runtime: the long-lived asyncio state of one worker process, built once, passed
explicitly.

arq's ``on_startup`` builds it (``open_runtime``) and keeps it in ``ctx["runtime"]``; each job
takes it from ``ctx``, makes it active for the job's duration and hands the engine its runner
(``runner.run_task(runtime.runner, ...)``); ``on_shutdown`` closes it. Tests and bench scripts
that drive the engine in-process build one the same way (``running``).

It owns:

- ``pool``: the async database pool (``db.aio``): lease and completion statements, read-ahead,
  the model calls' rows;
- ``redis``: an asyncio Redis client: the publisher's pipelines, the scripted provider's steps;
- ``publisher``: events, token streams and follow-up jobs sent in pipelines (``hot_publish``);
- ``runner``: this worker's runs, with its speculation state and group commits (``runner``).

The engine gets the runner as a parameter. Calls deep inside a task run -- a model call's rows,
its token stream, a provider's Redis round trip, made by services several layers below the job --
reach the pool, the client and the publisher through context variables that ``active`` sets for
the job's duration; the asyncio tasks the job starts (the runs it spawns, the group commits'
writers, the publisher's flush) inherit them. A runtime parameter through every service signature
(agent loop -> models -> accounting, budgets, streaming -> provider) would make each service
carry a worker's concern; a context variable is scoped to the job and set in one place. Nothing
is looked up by event loop: a runtime's objects are only reachable from the jobs of the loop that
built it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from berrys_app import redis_client
from berrys_app.db import aio
from berrys_app.engine.runner import Runner
from berrys_app.services import hot_publish


@dataclass
class Runtime:
    """One worker's pool, Redis client, publisher and runner."""

    pool: aio.AsyncPool
    redis: aioredis.Redis
    publisher: hot_publish.Publisher
    runner: Runner = field(default_factory=Runner)

    @contextlib.contextmanager
    def active(self) -> Iterator[Runtime]:
        """The pool, client and publisher are the current ones in the block (a job's duration)."""
        with aio.using(self.pool), redis_client.using_async(self.redis), hot_publish.using(self.publisher):
            yield self

    async def close(self) -> None:
        """Send what the publisher still holds, then close the connections (a worker's shutdown)."""
        with contextlib.suppress(Exception):
            await self.publisher.flushed()
        await self.pool.close()
        await self.redis.aclose()


def open_runtime() -> Runtime:
    """A runtime on the configured database and Redis (connections open on first use, on the
    event loop that uses them: the one running arq's ``on_startup``)."""
    client = redis_client.new_async()
    return Runtime(pool=aio.new_pool(), redis=client, publisher=hot_publish.Publisher(client))


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[Runtime]:
    """A runtime, active for the block and closed after it (tests and bench scripts)."""
    runtime = open_runtime()
    try:
        with runtime.active():
            yield runtime
    finally:
        await runtime.close()
