"""Presence on a project: join/leave, heartbeats, and tabs that closed without a goodbye (real Redis)."""

from __future__ import annotations

import json
import time

import redis

from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import events_channel
from berrys_app.services import presence


def _announced(pubsub) -> list[list[str]]:
    """Viewer lists broadcast so far: everything up to a marker published now (no timing guesses)."""
    from berrys_app.services.events import publish_transient

    publish_transient(EventKind.WORKER_STALE, {"worker_id": "marker", "at": "now"})
    found = []
    while True:
        message = pubsub.get_message(timeout=10)
        assert message is not None, "the marker never arrived"
        if message["type"] != "message":
            continue
        body = json.loads(message["data"])
        if body["kind"] == EventKind.WORKER_STALE:
            return found
        found.append(body["payload"]["viewers"])


def _subscribe(redis_url: str):
    pubsub = redis.Redis.from_url(redis_url, decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    return pubsub


def test_join_heartbeat_and_leave_announce_only_changes(redis_url: str) -> None:
    pubsub = _subscribe(redis_url)
    assert presence.join("p1", "tab-a", "Ada") == ["Ada"]
    assert presence.join("p1", "tab-b", "Bob") == ["Ada", "Bob"]
    assert _announced(pubsub) == [["Ada"], ["Ada", "Bob"]]
    assert presence.heartbeat("p1", "tab-a", "Ada") == ["Ada", "Bob"]
    assert _announced(pubsub) == []  # nothing changed: no broadcast every 20 s per tab
    assert presence.leave("p1", "tab-b") == ["Ada"]
    assert _announced(pubsub) == [["Ada"]]


def test_a_tab_without_heartbeats_is_dropped_at_the_next_heartbeat_of_another(redis_url: str) -> None:
    presence.join("p2", "closed-tab", "Cleo")
    presence.join("p2", "open-tab", "Dan")
    pubsub = _subscribe(redis_url)
    later = time.time() + presence.STALE_S + 1  # the closed tab sent nothing since
    assert presence.heartbeat("p2", "open-tab", "Dan", now=later) == ["Dan"]
    assert _announced(pubsub) == [["Dan"]]  # the others' pages drop Cleo
    assert presence.viewers("p2", now=later) == ["Dan"]


def test_a_tab_that_was_stale_itself_comes_back_with_its_heartbeat(redis_url: str) -> None:
    presence.join("p3", "sleepy-tab", "Eve")
    later = time.time() + presence.STALE_S + 1  # a laptop lid closed for a while
    assert presence.heartbeat("p3", "sleepy-tab", "Eve", now=later) == ["Eve"]
    assert presence.viewers("p3", now=later) == ["Eve"]
