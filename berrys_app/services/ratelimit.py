"""Redis-backed rate limits: the counters live in Redis, so they hold across processes.

A moving window (the ``limits`` library: a timestamp log per key, checked and appended by one
Lua script). Unlike fixed windows there is no boundary at which a burst of twice the limit gets
through, or at which a caller's count silently resets.
"""

from __future__ import annotations

import hashlib
import math
import time
from functools import lru_cache
from typing import NoReturn

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
    if not limiter.hit(item, key):
        _refuse(limiter, item, key, "too many requests")


def _refuse(limiter: MovingWindowRateLimiter, item: RateLimitItemPerSecond, key: str, what: str) -> NoReturn:
    window_s = item.get_expiry()
    reset_at = limiter.get_window_stats(item, key).reset_time
    retry_after = min(window_s, max(1, math.ceil(reset_at - time.time())))
    raise RateLimited(
        f"{what}; retry in {retry_after} s",
        retry_after_s=retry_after,
        details={"limit": item.amount, "window_s": window_s},
    )


def hit_auth(ip: str | None) -> None:
    """Brute-force protection for login/register/refresh/OIDC: per client IP (through trusted
    proxies only, ``proxies``)."""
    settings = get_settings()
    hit(f"auth:ip:{ip or 'unknown'}", limit=settings.rate_limit_auth, window_s=settings.rate_limit_window_s)


def _account(email: str) -> tuple[MovingWindowRateLimiter, RateLimitItemPerSecond, str]:
    settings = get_settings()
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]  # no addresses in Redis
    item = RateLimitItemPerSecond(settings.rate_limit_account, settings.rate_limit_window_s)
    return _limiter_for(settings.require_redis_url()), item, f"auth:account:{digest}"


def check_account(email: str) -> None:
    """Refuse a password attempt on an account with too many recent failures, from any IP
    (one attacker rotating addresses cannot keep guessing one password)."""
    limiter, item, key = _account(email)
    if not limiter.test(item, key):
        _refuse(limiter, item, key, "too many failed sign-ins for this account")


def count_account_failure(email: str) -> None:
    """One failed password attempt on this account (successes are not counted)."""
    limiter, item, key = _account(email)
    limiter.hit(item, key)


def hit_mail_account(email: str) -> None:
    """Identity mails (verification, reset) asked for one address, from any IP: nobody can
    flood a mailbox through Berrys. Counted whether or not the address has an account."""
    settings = get_settings()
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    hit(f"mail:account:{digest}", limit=settings.rate_limit_mail_account, window_s=settings.rate_limit_window_s)


def api_limit(identity: str) -> int:
    """Requests per window for one API key or user id: its override, else ``BERRYS_RATE_LIMIT_API``."""
    settings = get_settings()
    return settings.rate_limit_api_overrides.get(identity, settings.rate_limit_api)


def hit_actor(identity: str) -> None:
    """Per API key or user, for every authenticated request."""
    hit(f"api:{identity}", limit=api_limit(identity), window_s=get_settings().rate_limit_window_s)


def _hook_refusals(ip: str | None) -> tuple[MovingWindowRateLimiter, RateLimitItemPerSecond, str]:
    settings = get_settings()
    item = RateLimitItemPerSecond(settings.rate_limit_auth, settings.rate_limit_window_s)
    return _limiter_for(settings.require_redis_url()), item, f"hook:ip:{ip or 'unknown'}"


def check_hook_refusals(ip: str | None) -> None:
    """Refuse inbound webhook calls from an address with too many recent wrong tokens (before the
    token is even compared): no guessing, and the trigger's run log cannot be flooded."""
    limiter, item, key = _hook_refusals(ip)
    if not limiter.test(item, key):
        _refuse(limiter, item, key, "too many refused webhook calls from this address")


def count_hook_refusal(ip: str | None) -> None:
    limiter, item, key = _hook_refusals(ip)
    limiter.hit(item, key)
