"""Live updates: Redis pub/sub -> the browsers watching, via ``app.modify_state``.

Each web process runs one listener (a lifespan task). Pages subscribe their
client token to a topic (``system``, ``project:<id>``) for the signed-in user; every
committed event is pushed to the subscribed states' ``_on_live`` method (backend-only:
a browser cannot call it). Subscribing and every delivery ask the same access check
(``services.live_access``), so a removed member or an outsider with an id gets nothing.
Nothing polls the DB.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import reflex as rx

from berrys_app import gc_tuning
from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import events_channel
from berrys_app.observability import metrics
from berrys_app.services import events, live_access, presence
from berrys_app.services.authz import Actor
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

# topic -> {client_token: (state class, the signed-in user it was subscribed for)}
_SUBSCRIBERS: dict[str, dict[str, tuple[type[rx.State], Actor]]] = defaultdict(dict)
# worker_id -> monotonic time of the last heartbeat seen by this process
_LAST_BEAT: dict[str, float] = {}
_STALE: set[str] = set()
# client_token -> monotonic time its websocket was first seen gone (closed tabs stay subscribed
# otherwise, and each delivery would keep reading, and refreshing tokens, for a dead tab)
_GONE_SINCE: dict[str, float] = {}
ORPHAN_GRACE_S = 30.0
# client_token -> (the nav's state class, the signed-in user, "team:<id>"): the pending-approvals
# badge of every tab, whatever page it shows (a tab's page subscription is one topic only)
_BADGES: dict[str, tuple[type[rx.State], Actor, str]] = {}
BADGE_KINDS = (EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_DECIDED)
_DELIVERING: contextvars.ContextVar[bool] = contextvars.ContextVar("berrys_live_delivering", default=False)
metrics.live_subscribers_from(lambda: sum(len(tokens) for tokens in list(_SUBSCRIBERS.values())))


def subscribe(topic: str, token: str, state_cls: type[rx.State], user_id: str, session_id: str = "") -> bool:
    """Deliver ``topic`` messages to ``state_cls._on_live`` for this browser tab of ``user_id``
    signed in with login ``session_id``, if that user may see the topic and the login has not
    ended (checked now and again at every delivery); False otherwise.

    A tab shows one page at a time, so subscribing drops the tab's previous
    subscription (and its presence on a project it left)."""
    if not token:
        return False
    actor = _actor_for(user_id, session_id)
    if not live_access.may_receive(actor, topic, fresh=True) or actor is None:
        unsubscribe(topic, token)
        return False
    for old_topic, subscribers in list(_SUBSCRIBERS.items()):
        if old_topic != topic and subscribers.pop(token, None) is not None and old_topic.startswith("project:"):
            _leave_project(old_topic.split(":", 1)[1], token)
    _SUBSCRIBERS[topic][token] = (state_cls, actor)
    return True


def watch_badge(token: str, state_cls: type[rx.State], user_id: str, session_id: str, team_id: str) -> bool:
    """Push approval changes of ``team_id`` to this tab's nav badge (``state_cls._on_badge``),
    with the same checks as a page subscription (now and at every delivery)."""
    actor = _actor_for(user_id, session_id)
    topic = f"team:{team_id}"
    if not token or actor is None or not live_access.may_receive(actor, topic, fresh=True):
        _BADGES.pop(token, None)
        return False
    _BADGES[token] = (state_cls, actor, topic)
    return True


async def _deliver_badges(app: Any, message: dict[str, Any], connected: Any) -> None:
    """An approval was opened or decided: the badges of the team's tabs count again."""
    topic = f"team:{message.get('team_id')}"
    for token, (state_cls, actor, watched) in list(_BADGES.items()):
        if watched != topic or not still_open(token, connected):
            continue
        if not await _still_allowed(actor, topic):
            _BADGES.pop(token, None)
            continue
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
                state = await root.get_state(state_cls)
                await asyncio.to_thread(_apply_badge, state, message)
        except Exception:
            log.warning("dropping the badge of live subscriber %s", token, exc_info=True)
            _BADGES.pop(token, None)


def _apply_badge(state: rx.State, message: dict[str, Any]) -> None:
    _DELIVERING.set(True)
    state._on_badge(message)


def _actor_for(user_id: str, session_id: str = "") -> Actor | None:
    try:
        return Actor(
            user_id=uuid.UUID(user_id), label=user_id, session_id=uuid.UUID(session_id) if session_id else None
        )
    except (TypeError, ValueError):
        return None


def _leave_project(project_id: str, token: str) -> None:

    try:
        presence.leave(project_id, token)
    except Exception:  # presence is cosmetic: never break navigation
        log.warning("could not update presence", exc_info=True)


def unsubscribe(topic: str, token: str) -> None:
    _SUBSCRIBERS.get(topic, {}).pop(token, None)


def is_subscribed(topic: str, token: str) -> bool:
    """Whether this tab still receives ``topic`` (a tab that navigated away was dropped)."""
    return token in _SUBSCRIBERS.get(topic, {})


def topics_for(message: dict[str, Any]) -> list[str]:
    """Which topics a message belongs to."""
    topics = ["all"]
    if message.get("kind", "").startswith("worker."):
        topics.append("system")
    if message.get("project_id"):
        topics.append(f"project:{message['project_id']}")
    if message.get("team_id"):
        topics.append(f"team:{message['team_id']}")
    if message.get("kind") == EventKind.COMMENT_MENTION:  # a person's own inbox, whatever team they view
        topics.append(f"user:{(message.get('payload') or {}).get('user_id')}")
    return topics


async def deliver(app: Any, session_state: type[rx.State], message: dict[str, Any]) -> None:
    """Push one message to every subscribed tab of this process's Reflex ``app``. The app and
    the tabs' root ``session_state`` are passed in: they import this module, not the reverse."""
    connected = _connected_tokens(app)
    live_access.observe(message)
    if message.get("kind") == EventKind.SESSION_ENDED:  # for this process only, never shown
        await _end_session(app, str((message.get("payload") or {}).get("session_id") or ""))
        return
    if message.get("kind") in MEMBERSHIP_KINDS:
        await _reauthorise(app, session_state, message)
    if message.get("kind") in BADGE_KINDS and message.get("team_id"):
        await _deliver_badges(app, message, connected)
    for topic in topics_for(message):
        for token, (state_cls, actor) in list(_SUBSCRIBERS.get(topic, {}).items()):
            if not still_open(token, connected):
                continue
            if not await _still_allowed(actor, topic):
                await _revoke(app, topic, token, state_cls)
                continue
            try:
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
                    state = await root.get_state(state_cls)
                    # off the event loop: a handler may read the DB, every other tab keeps updating
                    await asyncio.to_thread(_apply, state, message)
            except Exception:
                log.warning("dropping live subscriber %s on %s", token, topic, exc_info=True)
                unsubscribe(topic, token)


def _apply(state: rx.State, message: dict[str, Any]) -> None:
    """Run a page's ``_on_live`` marked as a delivery (what it reads is not the user's request)."""
    _DELIVERING.set(True)
    state._on_live(message)


def delivering() -> bool:
    """Whether the code running is a live delivery rather than an event the browser sent."""
    return _DELIVERING.get()


async def _still_allowed(actor: Actor, topic: str) -> bool:
    """The delivery-time check (cached for at most a second; a miss reads the DB off the loop)."""
    answer = live_access.known(actor, topic)
    if answer is None:
        answer = await asyncio.to_thread(live_access.may_receive, actor, topic)
    return answer


async def _revoke(app: Any, topic: str, token: str, state_cls: type[rx.State]) -> None:
    """This tab may no longer see ``topic``: unsubscribe it, and let its page forget what it
    shows (an ``access.lost`` message, the last one the tab gets for the topic)."""
    _drop(topic, token)
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
            state = await root.get_state(state_cls)
            await asyncio.to_thread(
                _apply, state, events.transient_message(EventKind.ACCESS_LOST, {"topic": topic}, None)
            )
    except Exception:
        log.warning("could not close the page of live subscriber %s", token, exc_info=True)


def _drop(topic: str, token: str) -> None:
    """This tab may no longer see ``topic``: no more deliveries, and it is no viewer there."""
    if _SUBSCRIBERS.get(topic, {}).pop(token, None) is not None and topic.startswith("project:"):
        _leave_project(topic.removeprefix("project:"), token)


async def _end_session(app: Any, session_id: str) -> None:
    """A login ended (signed out in another tab, revoked in the Sessions list): its tabs stop
    receiving now, not when their access token expires."""
    for topic, subscribers in list(_SUBSCRIBERS.items()):
        for token, (state_cls, actor) in list(subscribers.items()):
            if session_id and str(actor.session_id) == session_id:
                await _revoke(app, topic, token, state_cls)
    for token, (_, actor, _) in list(_BADGES.items()):
        if session_id and str(actor.session_id) == session_id:
            _BADGES.pop(token, None)


MEMBERSHIP_KINDS = (EventKind.MEMBER_REMOVED, EventKind.MEMBER_ROLE_CHANGED)


async def _reauthorise(app: Any, session_state: type[rx.State], message: dict[str, Any]) -> None:
    """A membership changed: the tabs of that person follow at once. Their role (and what the
    page offers) is updated, and each of their subscriptions is checked again: what they may
    no longer see stops now (and their name leaves the project's viewers)."""

    user_id = str((message.get("payload") or {}).get("user_id") or "")
    if not message.get("team_id") or not user_id:
        return
    for topic, subscribers in list(_SUBSCRIBERS.items()):
        for token, (state_cls, actor) in list(subscribers.items()):
            if str(actor.user_id) != user_id:
                continue
            if not await asyncio.to_thread(live_access.may_receive, actor, topic, fresh=True):
                await _revoke(app, topic, token, state_cls)
            try:
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=session_state)) as root:
                    tab = await root.get_state(session_state)
                    if tab.user_id == user_id:
                        tab._apply_membership(message)
            except Exception:
                log.warning("could not re-authorise live subscriber %s", token, exc_info=True)


def _connected_tokens(app: Any) -> Any:
    """The client tokens with a websocket on this process (None when Reflex cannot tell)."""
    namespace = getattr(app, "event_namespace", None)
    return getattr(namespace, "token_to_sid", None) if namespace is not None else None


def still_open(token: str, connected: Any, *, now: float | None = None) -> bool:
    """Whether to deliver to ``token``. A tab without a websocket is skipped; once it has been
    gone for ``ORPHAN_GRACE_S`` (not a reconnect), all its subscriptions are dropped."""
    if connected is None or token in connected:
        _GONE_SINCE.pop(token, None)
        return True
    now = time.monotonic() if now is None else now
    since = _GONE_SINCE.setdefault(token, now)
    if now - since >= ORPHAN_GRACE_S:
        drop_token(token)
    return False


def drop_token(token: str) -> None:
    """Forget every subscription of one tab (closed, or no longer allowed to see them)."""
    _GONE_SINCE.pop(token, None)
    _BADGES.pop(token, None)
    for topic, subscribers in list(_SUBSCRIBERS.items()):
        if subscribers.pop(token, None) is not None and topic.startswith("project:"):
            _leave_project(topic.split(":", 1)[1], token)


def _track_heartbeat(message: dict[str, Any]) -> None:
    if message.get("kind") == EventKind.WORKER_HEARTBEAT:
        wid = message["payload"]["worker_id"]
        if message["payload"].get("stopped"):
            _LAST_BEAT.pop(wid, None)
        else:
            _LAST_BEAT[wid] = time.monotonic()
        _STALE.discard(wid)


async def _stale_watchdog(rx_app: Any, session_state: type[rx.State]) -> None:
    """Turn a worker stale when its heartbeats stop (killed workers send nothing)."""
    stale_after = get_settings().heartbeat_stale_s
    while True:
        await asyncio.sleep(0.25)
        now = time.monotonic()
        for wid, seen in list(_LAST_BEAT.items()):
            if wid not in _STALE and now - seen > stale_after:
                _STALE.add(wid)
                await deliver(
                    rx_app,
                    session_state,
                    events.transient_message(
                        EventKind.WORKER_STALE, {"worker_id": wid, "at": datetime.now(UTC).isoformat()}, None
                    ),
                )


async def _warm_imports() -> None:
    """Import the heavy service packages (litellm via the model layer) off the event loop at
    startup, so the first page that needs them does not freeze every browser for seconds; then
    settle the heap again, or every later full collection walks what they loaded (gc_tuning)."""
    import importlib

    for module in ("berrys_app.services.models", "berrys_app.services.tools"):
        try:
            await asyncio.to_thread(importlib.import_module, module)
        except Exception:
            log.warning("could not pre-import %s", module, exc_info=True)
    gc_tuning.settle_heap()


async def listen_forever(rx_app: Any, session_state: type[rx.State]) -> None:
    """The lifespan task: subscribe to the events channel and fan out, reconnecting on errors.
    ``rx_app`` (the Reflex app) and ``session_state`` (the tabs' root state) are bound where the
    task is registered: both import this module, so it must not import them back."""
    import redis.asyncio as aioredis

    watchdog = asyncio.create_task(_stale_watchdog(rx_app, session_state))
    warmup = asyncio.create_task(_warm_imports())
    try:
        while True:
            try:
                client = aioredis.Redis.from_url(get_settings().require_redis_url(), decode_responses=True)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(events_channel())
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        for message in events.unpack(raw["data"]):
                            _track_heartbeat(message)
                            await deliver(rx_app, session_state, message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live listener lost Redis; reconnecting", exc_info=True)
                await asyncio.sleep(1)
    finally:
        warmup.cancel()
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
