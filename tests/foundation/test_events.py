"""Events are rows in the caller's transaction and are published only after commit."""

from __future__ import annotations

import json

import redis
from sqlmodel import Session

from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import events_channel
from berrys_app.services import events


def _subscriber(redis_url: str):
    pubsub = redis.Redis.from_url(redis_url, decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    return pubsub


def test_event_is_published_after_commit_with_its_id(session: Session, redis_url: str) -> None:
    pubsub = _subscriber(redis_url)
    row = events.emit(session, EventKind.WORKER_PING, payload={"note": "1"})
    assert pubsub.get_message(timeout=0.2) is None  # nothing before commit
    session.commit()
    message = pubsub.get_message(timeout=2)
    body = json.loads(message["data"])
    assert body["kind"] == "worker.ping"
    assert body["payload"] == {"note": "1"}
    assert body["id"] == row.id and row.id is not None


def test_the_events_of_one_commit_leave_in_one_message_in_order(session: Session, redis_url: str) -> None:
    pubsub = _subscriber(redis_url)
    first = events.emit(session, EventKind.PROJECT_CREATED, payload={"name": "first"})
    second = events.emit(session, EventKind.WORKER_PING, payload={"note": "2"})
    session.commit()
    message = pubsub.get_message(timeout=2)
    unpacked = events.unpack(message["data"])
    assert [(m["id"], m["kind"]) for m in unpacked] == [(first.id, "project.created"), (second.id, "worker.ping")]
    assert unpacked[1]["payload"] == {"note": "2"}
    assert pubsub.get_message(timeout=0.3) is None  # one PUBLISH, not one per event


def test_rolled_back_event_is_neither_stored_nor_published(session: Session, redis_url: str) -> None:
    pubsub = _subscriber(redis_url)
    events.emit(session, EventKind.WORKER_PING, payload={"note": "rolled back"})
    session.rollback()
    session.commit()
    assert pubsub.get_message(timeout=0.3) is None
    assert events.list_events(session) == []


def test_list_events_after_cursor(session: Session) -> None:
    first = events.emit(session, EventKind.WORKER_PING, payload={"note": "a"})
    events.emit(session, EventKind.PROJECT_CREATED, payload={"name": "b"})
    session.commit()
    assert [e.kind for e in events.list_events(session, after=first.id)] == ["project.created"]


def _insert_event(session: Session, kind: str) -> str:
    """An event row inserted by a statement, returned as its JSON text (as the engine's SQL does)."""
    from sqlalchemy import text

    return session.execute(
        text(
            "INSERT INTO events (kind, actor, payload, created_at) VALUES (:k, 'system', '{}', now()) "
            "RETURNING row_to_json(events)::text"
        ),
        {"k": kind},
    ).scalar_one()


def test_statement_written_events_leave_with_the_commit_in_id_order(session: Session, redis_url: str) -> None:
    pubsub = _subscriber(redis_url)
    before = events.emit(session, EventKind.WORKER_PING, payload={"note": "before"})
    session.flush()  # as start_project: rows added earlier get the smaller ids
    events.emit_written(session, [_insert_event(session, "task.ready")])
    after = events.emit(session, EventKind.PROJECT_CREATED, payload={"name": "after"})
    assert pubsub.get_message(timeout=0.2) is None  # nothing before commit
    session.commit()
    unpacked = events.unpack(pubsub.get_message(timeout=2)["data"])
    assert [m["kind"] for m in unpacked] == ["worker.ping", "task.ready", "project.created"]
    assert unpacked[0]["id"] == before.id and unpacked[2]["id"] == after.id
    assert before.id < unpacked[1]["id"] < after.id


def test_statement_written_events_of_a_rolled_back_transaction_are_not_published(
    session: Session, redis_url: str
) -> None:
    pubsub = _subscriber(redis_url)
    events.emit_written(session, [_insert_event(session, "task.ready")])
    session.rollback()
    session.commit()
    assert pubsub.get_message(timeout=0.3) is None
    assert events.list_events(session) == []
