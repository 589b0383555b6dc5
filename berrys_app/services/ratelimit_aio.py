"""The per-actor API rate limit (``ratelimit.hit_actor``) for code running on the event loop.

Same Redis keys, limit, window and moving-window script as the sync limiter, so a request counted
here and one counted by ``ratelimit`` share one window. Its asyncio Redis connections belong to
one event loop: the web process opens the limiter in its lifespan (``lifespan``: one loop for the
process's life) and closes it at shutdown; a caller outside that lifespan (a test's client without
it) gets a limiter of its own for the one request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from berrys_app.keys import RATE_LIMIT_PREFIX
from berrys_app.services.ratelimit import api_limit
from berrys_app.settings import get_settings

_PROCESS: MovingWindowRateLimiter | None = None  # the web process's (``lifespan``)


def _pool() -> aioredis.ConnectionPool:
    return aioredis.Redis.from_url(get_settings().require_redis_url()).connection_pool  # knows unix sockets


def _limiter(pool: aioredis.ConnectionPool) -> MovingWindowRateLimiter:
    storage = RedisStorage(
        "async+redis://", implementation="redispy", connection_pool=pool, key_prefix=RATE_LIMIT_PREFIX
    )
    return MovingWindowRateLimiter(storage)


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """The web process's limiter for as long as the block runs (its lifespan)."""
    global _PROCESS
    pool = _pool()
    _PROCESS = _limiter(pool)
    try:
        yield
    finally:
        _PROCESS = None
        await pool.disconnect()


async def try_hit_actor(identity: str) -> bool:
    """Count one request for the API key or user ``identity`` if the limit allows it; ``False``
    (nothing counted) when it is exhausted — the caller then answers as ``ratelimit`` does."""
    settings = get_settings()
    item = RateLimitItemPerSecond(api_limit(identity), settings.rate_limit_window_s)
    if _PROCESS is not None:
        return await _PROCESS.hit(item, f"api:{identity}")
    pool = _pool()
    try:
        return await _limiter(pool).hit(item, f"api:{identity}")
    finally:
        await pool.disconnect()
