"""Redis-backed rate limits: the counters live in Redis, so they hold across processes.

A fixed window per key (INCR + EXPIRE in one round trip). Buckets are keyed by
the window number, so every process agrees on the window without coordination.
"""

from __future__ import annotations

import math
import time

from berrys_app.keys import RATE_LIMIT_PREFIX
from berrys_app.redis_client import sync_redis
from berrys_app.services.errors import RateLimited
from berrys_app.settings import get_settings


def hit(key: str, *, limit: int, window_s: int) -> int:
    """Count one request for ``key``; raise ``RateLimited`` once ``limit`` is passed in this window.

    Returns the requests left in the window.
    """
    now = time.time()
    bucket = int(now // window_s)
    redis_key = f"{RATE_LIMIT_PREFIX}{key}:{bucket}"
    pipe = sync_redis().pipeline(transaction=False)
    pipe.incr(redis_key)
    # the key is per window, so refreshing its TTL on every hit is harmless (and EXPIRE ... NX
    # needs Redis 7, while the embedded server is Redis 6.2)
    pipe.expire(redis_key, window_s + 1)
    count, _ = pipe.execute()
    if int(count) > limit:
        retry_after = max(1, math.ceil((bucket + 1) * window_s - now))
        raise RateLimited(
            f"too many requests; retry in {retry_after} s",
            retry_after_s=retry_after,
            details={"limit": limit, "window_s": window_s},
        )
    return limit - int(count)


def hit_auth(ip: str | None) -> None:
    """Brute-force protection for login/register/refresh: per client IP."""
    settings = get_settings()
    hit(f"auth:ip:{ip or 'unknown'}", limit=settings.rate_limit_auth, window_s=settings.rate_limit_window_s)


def hit_actor(identity: str) -> None:
    """Per API key or user, for every authenticated request."""
    settings = get_settings()
    hit(f"api:{identity}", limit=settings.rate_limit_api, window_s=settings.rate_limit_window_s)
