"""Append events in the caller's transaction; publish them to Redis after commit.

The row is the audit log and the timeline; the Redis message is only transport
for live updates, so a lost publish never loses history (clients catch up with
``?after=``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from berrys_app.domain.events import Event
from berrys_app.keys import events_channel
from berrys_app.redis_client import sync_redis
from berrys_app.services import webhook_outbox

log = logging.getLogger(__name__)
_PENDING = "berrys_pending_events"
_WRITTEN = "berrys_written_messages"
_READY = "berrys_ready_messages"


def emit(
    session: Session,
    kind: str,
    *,
    project_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    actor: str = "system",
    payload: dict[str, Any] | None = None,
) -> Event:
    """Add an event row to the session; it is published once the session commits."""
    row = Event(
        kind=kind,
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


def publish_transient(kind: str, payload: dict[str, Any], *, project_id: uuid.UUID | None = None) -> None:
    """Publish a live-only message (heartbeats, token streams) that is not worth a row."""

    message = {
        "id": None,
        "kind": kind,
        "project_id": str(project_id) if project_id else None,
        "payload": payload,
    }
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
    """The JSON shape of an event on the wire (Redis, SSE, REST)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "team_id": str(row.team_id) if row.team_id else None,
        "project_id": str(row.project_id) if row.project_id else None,
        "task_id": str(row.task_id) if row.task_id else None,
        "actor": row.actor,
        "payload": row.payload,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


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
    if not messages:
        return

    try:
        sync_redis().publish(events_channel(), pack(messages))
    except Exception:
        log.warning("could not publish %d events", len(messages), exc_info=True)


@sa_event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WRITTEN, None)
    session.info.pop(_READY, None)
