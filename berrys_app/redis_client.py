"""Redis connections: sync clients, one pool per URL per process; asyncio clients, owned by
whoever opened them.

An asyncio client is bound to the event loop that connected it, so it is never looked up by
loop: a worker's runtime (``engine.runtime``) opens one in arq's ``on_startup`` and makes it
current for each job's duration (``using_async``: a context variable, inherited by the tasks the
job starts). Code outside a runtime (a test, a script) gets a client of its own for the block
(``async_client``), closed after it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator
from functools import lru_cache

import redis
import redis.asyncio as aioredis

from berrys_app.context_scope import set_for_block
from berrys_app.settings import get_settings

_ASYNC: contextvars.ContextVar[aioredis.Redis | None] = contextvars.ContextVar("berrys_async_redis", default=None)


@lru_cache(maxsize=8)
def sync_redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def sync_redis() -> redis.Redis:
    """A sync client for the configured ``REDIS_URL`` (used after DB commits)."""
    return sync_redis_for(get_settings().require_redis_url())


def new_async() -> aioredis.Redis:
    """An asyncio client for the configured ``REDIS_URL`` (connects on first use, on that loop)."""
    return aioredis.Redis.from_url(get_settings().require_redis_url(), decode_responses=True)


def using_async(client: aioredis.Redis) -> contextlib.AbstractContextManager[aioredis.Redis]:
    """Make ``client`` the current asyncio client for the block (and the tasks it starts): a job."""
    return set_for_block(_ASYNC, client)


@contextlib.asynccontextmanager
async def async_client() -> AsyncIterator[aioredis.Redis]:
    """The current asyncio client, or one of this block's own (closed after it)."""
    client = _ASYNC.get()
    if client is not None:
        yield client
        return
    own = new_async()
    try:
        yield own
    finally:
        await own.aclose()
