"""Presence: who else has a project open right now.

A Redis hash per project (browser tab token -> "name|unix time") shared by every
web process; each join/leave publishes the current names as a live-only
``presence.changed`` message on the project's topic. Entries older than
``STALE_S`` are ignored (a tab closed without saying goodbye).
"""

from __future__ import annotations

import time

from berrys_app.keys import PRESENCE_PREFIX
from berrys_app.services.events import publish_transient

STALE_S = 15 * 60


def _key(project_id: str) -> str:
    return f"{PRESENCE_PREFIX}{project_id}"


def viewers(project_id: str) -> list[str]:
    """Distinct names of the people viewing the project, sorted."""
    from berrys_app.redis_client import sync_redis

    now = time.time()
    names = set()
    for raw in sync_redis().hvals(_key(project_id)):
        name, _, stamp = raw.rpartition("|")
        if name and now - float(stamp or 0) < STALE_S:
            names.add(name)
    return sorted(names)


def _announce(project_id: str) -> list[str]:
    names = viewers(project_id)
    publish_transient("presence.changed", {"viewers": names}, project_id=project_id)  # type: ignore[arg-type]
    return names


def join(project_id: str, token: str, name: str) -> list[str]:
    """Mark this tab as viewing; returns (and broadcasts) the viewer names."""
    from berrys_app.redis_client import sync_redis

    client = sync_redis()
    client.hset(_key(project_id), token, f"{name}|{time.time():.0f}")
    client.expire(_key(project_id), STALE_S)
    return _announce(project_id)


def leave(project_id: str, token: str) -> list[str]:
    from berrys_app.redis_client import sync_redis

    sync_redis().hdel(_key(project_id), token)
    return _announce(project_id)
