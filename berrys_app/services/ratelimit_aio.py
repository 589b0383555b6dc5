"""The per-actor API rate limit (``ratelimit.hit_actor``) for code running on the event loop.

Same Redis keys, limit, window and moving-window script as the sync limiter, so a request counted
here and one counted by ``ratelimit`` share one window. asyncio Redis clients belong to one event
loop, so there is one limiter per loop and Redis URL.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from berrys_app.keys import RATE_LIMIT_PREFIX
from berrys_app.loop_local import LoopLocal
from berrys_app.services.ratelimit import api_limit
from berrys_app.settings import get_settings

_LIMITERS: LoopLocal[tuple[str, MovingWindowRateLimiter] | None] = LoopLocal(lambda: None)


def _limiter() -> MovingWindowRateLimiter:
    url = get_settings().require_redis_url()
    found = _LIMITERS.existing()
    if found is None or found[0] != url:
        pool = aioredis.Redis.from_url(url).connection_pool  # knows unix-socket URLs (embedded Redis)
        storage = RedisStorage(
            "async+redis://", implementation="redispy", connection_pool=pool, key_prefix=RATE_LIMIT_PREFIX
        )
        found = _LIMITERS.set((url, MovingWindowRateLimiter(storage)))
    return found[1]


async def try_hit_actor(identity: str) -> bool:
    """Count one request for the API key or user ``identity`` if the limit allows it; ``False``
    (nothing counted) when it is exhausted — the caller then answers as ``ratelimit`` does."""
    settings = get_settings()
    item = RateLimitItemPerSecond(api_limit(identity), settings.rate_limit_window_s)
    return await _limiter().hit(item, f"api:{identity}")
