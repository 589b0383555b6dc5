"""Sync Redis connections, one pool per URL per process (an asyncio client is bound to one event
loop, so each user of one makes its own)."""

from __future__ import annotations

from functools import lru_cache

import redis

from berrys_app.settings import get_settings


@lru_cache(maxsize=8)
def sync_redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def sync_redis() -> redis.Redis:
    """A sync client for the configured ``REDIS_URL`` (used after DB commits)."""
    return sync_redis_for(get_settings().require_redis_url())
