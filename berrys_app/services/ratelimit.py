"""Redis-backed rate limits: the counters live in Redis, so they hold across processes.

A moving window (the ``limits`` library: a timestamp log per key, checked and appended by one
Lua script). Unlike fixed windows there is no boundary at which a burst of twice the limit gets
through, or at which a caller's count silently resets.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from berrys_app.keys import RATE_LIMIT_PREFIX
from berrys_app.redis_client import sync_redis_for
from berrys_app.services.errors import RateLimited
from berrys_app.settings import get_settings


@lru_cache(maxsize=8)
def _limiter_for(redis_url: str) -> MovingWindowRateLimiter:
    # share the app's connection pool (it already knows unix-socket URLs of the embedded Redis)
    pool = sync_redis_for(redis_url).connection_pool
    storage = RedisStorage("redis://", connection_pool=pool, key_prefix=RATE_LIMIT_PREFIX)
    return MovingWindowRateLimiter(storage)


def hit(key: str, *, limit: int, window_s: int) -> None:
    """Count one request for ``key``; raise ``RateLimited`` if ``limit`` requests were already
    counted in the last ``window_s`` seconds (a refused request is not counted)."""
    limiter = _limiter_for(get_settings().require_redis_url())
    item = RateLimitItemPerSecond(limit, window_s)
    if limiter.hit(item, key):
        return
    reset_at = limiter.get_window_stats(item, key).reset_time
    retry_after = min(window_s, max(1, math.ceil(reset_at - time.time())))
    raise RateLimited(
        f"too many requests; retry in {retry_after} s",
        retry_after_s=retry_after,
        details={"limit": limit, "window_s": window_s},
    )


def hit_auth(ip: str | None) -> None:
    """Brute-force protection for login/register/refresh: per client IP."""
    settings = get_settings()
    hit(f"auth:ip:{ip or 'unknown'}", limit=settings.rate_limit_auth, window_s=settings.rate_limit_window_s)


def hit_actor(identity: str) -> None:
    """Per API key or user, for every authenticated request."""
    settings = get_settings()
    hit(f"api:{identity}", limit=settings.rate_limit_api, window_s=settings.rate_limit_window_s)
