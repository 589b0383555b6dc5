"""Redis connections (sync and async), one pool per URL per process."""

from __future__ import annotations

from functools import lru_cache

import redis
import redis.asyncio as aioredis

from berrys_app.settings import get_settings


@lru_cache(maxsize=8)
def sync_redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def sync_redis() -> redis.Redis:
    """A sync client for the configured ``REDIS_URL`` (used after DB commits)."""
    return sync_redis_for(get_settings().require_redis_url())


def async_redis() -> aioredis.Redis:
    """A new asyncio client (asyncio clients are bound to one event loop)."""
    return aioredis.Redis.from_url(get_settings().require_redis_url(), decode_responses=True)
