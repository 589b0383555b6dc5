"""Who may receive a live topic: the one check behind every subscription and every delivery.

Dashboard tabs (``ui.live``) and the SSE stream ask ``may_receive`` when they subscribe and
again for every message they deliver, so a removed member or an outsider with an id gets
nothing. The answer is the REST one (``projects.get_project`` / ``authz.require_role``),
cached for at most ``Settings.live_access_cache_s`` so a stream of model tokens does not read the database
for each token; membership events clear the cache at once (``forget``). A session token's
login (``Actor.session_id``) must not have ended: after a logout or a revoke in one tab,
the other tabs and SSE streams of that login get nothing more (``EventKind.SESSION_ENDED``
clears the cache too).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.accounts import Role
from berrys_app.services import projects, sessions
from berrys_app.services.authz import PROJECTS_READ, Actor, require_role
from berrys_app.services.errors import ServiceError
from berrys_app.settings import get_settings

_CACHE_MAX = 20_000
# (user id, session id, topic) -> (monotonic expiry, allowed)
_cache: dict[tuple[str, str, str], tuple[float, bool]] = {}


def may_receive(actor: Actor | None, topic: str, *, fresh: bool = False) -> bool:
    """Whether ``actor`` may see the messages of ``topic`` (``project:<id>``, ``team:<id>``,
    ``user:<id>``, ``system``). ``fresh`` skips the cache (a new subscription)."""
    if actor is None or (actor.user_id is None and not actor.is_system):
        return False
    if actor.is_system:
        return True
    cached = _cache.get(_key(actor, topic))
    if cached is not None and not fresh and cached[0] > time.monotonic():
        return cached[1]
    with session_scope() as session:
        return admit(session, actor, topic)


def admit(session: Session, actor: Actor, topic: str) -> bool:
    """``may_receive`` afresh in the caller's session, the answer cached: a new subscription that
    has just read the project in its own transaction (the SSE stream) checks and fills the cache there."""
    if actor.is_system:
        return True
    allowed = _check(session, actor, topic)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[_key(actor, topic)] = (time.monotonic() + get_settings().live_access_cache_s, allowed)
    return allowed


def known(actor: Actor, topic: str) -> bool | None:
    """The cached answer while it is fresh, else None (no I/O: safe on the event loop)."""
    if actor.is_system:
        return True
    cached = _cache.get(_key(actor, topic))
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def _key(actor: Actor, topic: str) -> tuple[str, str, str]:
    return (str(actor.user_id), str(actor.session_id or ""), topic)


def forget() -> None:
    """A membership or role changed somewhere: the next delivery asks the database again."""
    _cache.clear()


# events that change who may see what: each listener passes every message to ``observe``
MEMBERSHIP_PREFIXES = ("member.", "invitation.", "team.", "session.")


def observe(message: dict[str, Any]) -> None:
    """Called with every message a live listener reads, before delivering it: a membership
    event (published in order with the others) clears the cache, so what follows it is
    checked against the new membership."""
    if str(message.get("kind", "")).startswith(MEMBERSHIP_PREFIXES):
        forget()


def _check(session: Session, actor: Actor, topic: str) -> bool:
    if actor.user_id is None:
        return False
    if actor.session_id is not None and sessions.is_ended(session, actor.session_id):
        return False  # logged out or revoked: nothing more on any topic
    return _topic_allowed(session, actor, topic)


def _topic_allowed(session: Session, actor: Actor, topic: str) -> bool:
    kind, _, ident = topic.partition(":")
    if kind in ("system", "all") and not ident:
        return True  # signed-in people only (checked above)
    if kind == "user":
        return ident == str(actor.user_id)
    if kind not in ("project", "team"):
        return False
    try:
        target = uuid.UUID(ident)
    except ValueError:
        return False
    try:
        if kind == "project":
            projects.get_project(session, actor, target)
        else:
            require_role(session, actor, target, Role.viewer, scope=PROJECTS_READ, what="team")
    except ServiceError:
        return False
    return True
