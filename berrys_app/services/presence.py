"""Presence: who else has a project open right now.

A Redis hash per project (browser tab token -> "name|unix time") shared by every
web process; each join/leave publishes the current names as a live-only
``presence.changed`` message on the project's topic. An open project page sends a
heartbeat every ``HEARTBEAT_S``; an entry without one for ``STALE_S`` is a tab that
closed without saying goodbye (no unmount event reaches the server): it is removed,
and the viewers are announced again, at the next heartbeat of any other tab.
"""

from __future__ import annotations

import time
import uuid

from sqlmodel import Session

from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import PRESENCE_PREFIX
from berrys_app.redis_client import sync_redis
from berrys_app.services import projects
from berrys_app.services.authz import Actor
from berrys_app.services.events import publish_transient

HEARTBEAT_S = 20
STALE_S = 120  # browsers run timers of background tabs only once a minute: allow two missed minutes


def _key(project_id: str) -> str:
    return f"{PRESENCE_PREFIX}{project_id}"


def _scan(project_id: str, now: float) -> tuple[list[str], list[str]]:
    """(distinct live names sorted, tokens of stale entries)."""

    names: set[str] = set()
    stale: list[str] = []
    for token, raw in sync_redis().hgetall(_key(project_id)).items():
        name, _, stamp = raw.rpartition("|")
        try:
            fresh = now - float(stamp or 0) < STALE_S
        except ValueError:
            fresh = False
        if name and fresh:
            names.add(name)
        else:
            stale.append(token)
    return sorted(names), stale


def viewers(project_id: str, *, now: float | None = None) -> list[str]:
    """Distinct names of the people viewing the project, sorted (stale entries dropped)."""

    names, stale = _scan(project_id, time.time() if now is None else now)
    if stale:
        sync_redis().hdel(_key(project_id), *stale)
    return names


def _announce(project_id: str, names: list[str]) -> list[str]:
    publish_transient(EventKind.PRESENCE_CHANGED, {"viewers": names}, project_id=project_id)  # type: ignore[arg-type]
    return names


def join(project_id: str, token: str, name: str) -> list[str]:
    """Mark this tab as viewing; returns (and broadcasts) the viewer names."""

    client = sync_redis()
    client.hset(_key(project_id), token, f"{name}|{time.time():.0f}")
    client.expire(_key(project_id), STALE_S)
    return _announce(project_id, viewers(project_id))


def heartbeat(project_id: str, token: str, name: str, *, now: float | None = None) -> list[str]:
    """This tab is still open: refresh its entry, drop stale ones; broadcast only if the names changed."""

    now = time.time() if now is None else now
    client = sync_redis()
    before, stale = _scan(project_id, now)
    stale = [other for other in stale if other != token]  # this tab may have been stale itself (a sleeping laptop)
    added = client.hset(_key(project_id), token, f"{name}|{now:.0f}")
    client.expire(_key(project_id), STALE_S)
    if stale:
        client.hdel(_key(project_id), *stale)
    names, _ = _scan(project_id, now)
    if added or names != before:
        _announce(project_id, names)
    return names


def leave(project_id: str, token: str) -> list[str]:

    sync_redis().hdel(_key(project_id), token)
    return _announce(project_id, viewers(project_id))


def project_viewers(session: Session, actor: Actor, project_id: uuid.UUID) -> list[str]:
    """``viewers`` for a caller who may see the project (REST; the dashboard's own tab joined it)."""
    projects.get_project(session, actor, project_id)  # NotFound/Forbidden for the wrong caller
    return viewers(str(project_id))
