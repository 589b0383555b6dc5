"""Append events in the caller's transaction; publish them to Redis after commit.

The row is the audit log and the timeline; the Redis message is only transport
for live updates, so a lost publish never loses history (clients catch up with
``?after=``). Jobs a transaction makes due go the same way (``send_after_commit``): a worker
never sees uncommitted rows, and a rolled-back transaction queues nothing. Kinds and payloads are ``domain.event_kinds``: a payload its kind's
model refuses is a bug in the emitter, raised here rather than shipped to every reader.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from berrys_app.db.reads import fetch_all
from berrys_app.domain.event_kinds import MESSAGE_COLUMNS, EventKind
from berrys_app.domain.event_payloads import check_payload
from berrys_app.domain.events import Event
from berrys_app.keys import events_channel
from berrys_app.queue import Job, dispatch
from berrys_app.redis_client import sync_redis
from berrys_app.services import webhook_outbox

log = logging.getLogger(__name__)
_PENDING = "berrys_pending_events"
_WRITTEN = "berrys_written_messages"
_READY = "berrys_ready_messages"
_JOBS = "berrys_pending_jobs"
_CALLBACKS = "berrys_after_commit"


def emit(
    session: Session,
    kind: EventKind,
    *,
    project_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    actor: str = "system",
    payload: dict[str, Any] | None = None,
) -> Event:
    """Add an event row to the session; it is published once the session commits."""
    check_payload(kind, payload or {})
    row = Event(
        kind=EventKind(kind).value,
        project_id=project_id,
        team_id=team_id,
        task_id=task_id,
        actor_id=actor_id,
        actor=actor,
        payload=payload or {},
    )
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)
    return row


def emit_written(session: Session, messages: Sequence[str]) -> None:
    """Publish, once the session commits, events a statement of its transaction inserted itself
    (their JSON texts, ``to_message``'s shape): a set-based INSERT instead of one ORM row each."""
    session.info.setdefault(_WRITTEN, []).extend(messages)


def transient_message(kind: EventKind, payload: dict[str, Any], project_id: uuid.UUID | None) -> dict[str, Any]:
    """A live-only message (no row, so no id): checked like an event's payload."""
    check_payload(kind, payload)
    return {
        "id": None,
        "kind": EventKind(kind).value,
        "project_id": str(project_id) if project_id else None,
        "payload": payload,
    }


def send_after_commit(session: Session, jobs: Sequence[Job]) -> None:
    """Enqueue ``jobs`` once the caller's transaction commits (after its events); dropped on rollback.

    If Redis refuses them the rows still say what is due: the reconciler enqueues ready tasks,
    lost planning and aggregation jobs from PostgreSQL.
    """
    session.info.setdefault(_JOBS, []).extend(jobs)


def call_after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the caller's transaction commits (a process cache to clear); not on rollback."""
    session.info.setdefault(_CALLBACKS, []).append(callback)


def publish_transient(kind: EventKind, payload: dict[str, Any], *, project_id: uuid.UUID | None = None) -> None:
    """Publish a live-only message (heartbeats, token streams) that is not worth a row."""
    message = transient_message(kind, payload, project_id)
    try:
        sync_redis().publish(events_channel(), json.dumps(message, default=str))
    except Exception:  # transport only: never fail the caller
        log.warning("could not publish %s", kind, exc_info=True)


def pack(messages: Sequence[str]) -> str:
    """One Redis message for several JSON messages: the text itself for one, else a JSON array.

    A worker completing twenty tasks publishes their ~60 events in one PUBLISH instead of sixty:
    fewer commands to encode, send and fan out on every side (``unpack`` reads both shapes).
    """
    return messages[0] if len(messages) == 1 else "[" + ",".join(messages) + "]"


def unpack(data: str | bytes) -> list[dict[str, Any]]:
    """The messages of one published Redis message (see ``pack``)."""
    decoded = json.loads(data)
    return decoded if isinstance(decoded, list) else [decoded]


def to_message(row: Event) -> dict[str, Any]:
    """The JSON shape of an event on the wire (Redis, SSE, REST): ``MESSAGE_COLUMNS``, as the
    engine's statements return them with ``row_to_json`` (ids and times as text)."""
    values = {name: getattr(row, name) for name in MESSAGE_COLUMNS}
    for name in ("team_id", "project_id", "task_id"):
        values[name] = str(values[name]) if values[name] else None
    values["created_at"] = row.created_at.isoformat() if row.created_at else None
    return values


def list_events(
    session: Session,
    *,
    project_id: uuid.UUID | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[Event]:
    """Events after a cursor, oldest first."""
    query = select(Event).where(col(Event.id) > after)
    if project_id is not None:
        query = query.where(Event.project_id == project_id)
    return list(session.exec(query.order_by(col(Event.id)).limit(limit)))


# the wire shape (``to_message``) rendered by PostgreSQL, as the engine's statements publish it
_BACKLOG_SQL = f"""
    SELECT id, kind, row_to_json(e)::text AS message
      FROM (SELECT {", ".join(MESSAGE_COLUMNS)} FROM events
             WHERE project_id = %(project_id)s AND id > %(after)s ORDER BY id LIMIT %(limit)s) e
"""


def backlog(project_id: uuid.UUID, *, after: int, limit: int = 500) -> list[tuple[int, str, str]]:
    """A project's events after a cursor, oldest first, as ``(id, kind, message JSON)``: an SSE
    stream's catch-up. One statement on the autocommit pool, the JSON made by the database: a
    session (checkout ping, BEGIN, COMMIT), ORM rows and ``json.dumps`` per stream cost the web
    process ~5 % of its CPU at 60 clients (bench/throughput.py, py-spy)."""
    return fetch_all(_BACKLOG_SQL, {"project_id": project_id, "after": after, "limit": limit})  # type: ignore[return-value]


def list_recent(session: Session, *, project_id: uuid.UUID, limit: int = 200) -> list[Event]:
    """The project's newest events, newest first (the dashboard timeline; ``list_events``
    pages forward from a cursor, so its first page is the oldest history)."""
    query = select(Event).where(Event.project_id == project_id).order_by(col(Event.id).desc()).limit(limit)
    return list(session.exec(query))


@sa_event.listens_for(Session, "before_commit")
def _flush_before_commit(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    written = session.info.pop(_WRITTEN, None)
    if rows:
        session.flush()  # assigns ids so the published message carries the cursor
        # webhooks out: their deliveries commit with the events (an outbox), never after them
        webhook_outbox.stage(session, [to_message(row) for row in rows if row.kind in webhook_outbox.SOURCE_KINDS])
    messages = [json.dumps(to_message(row), default=str) for row in rows or ()]
    if written:  # rows added before such a statement were flushed first: ids stay in order
        messages = sorted([*messages, *written], key=lambda m: json.loads(m)["id"])
    if messages:
        session.info[_READY] = messages


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    messages = session.info.pop(_READY, None)
    jobs = session.info.pop(_JOBS, None)
    callbacks = session.info.pop(_CALLBACKS, None)
    if messages:
        try:
            sync_redis().publish(events_channel(), pack(messages))
        except Exception:
            log.warning("could not publish %d events", len(messages), exc_info=True)
    if jobs:
        try:
            dispatch(jobs)
        except Exception:  # the reconciler enqueues what the rows say is due
            log.warning("could not enqueue %d jobs", len(jobs), exc_info=True)
    for callback in callbacks or ():
        callback()


@sa_event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WRITTEN, None)
    session.info.pop(_READY, None)
    session.info.pop(_JOBS, None)
    session.info.pop(_CALLBACKS, None)
