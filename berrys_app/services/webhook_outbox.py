"""The webhook outbox: deliveries written in the transaction of the events that cause them.

``events`` calls ``stage`` just before a session commits, with the JSON messages of the events
it is about to publish. Only a few kinds concern webhooks (``SOURCE_KINDS``); a commit without
them costs a set lookup per event, no query. For the others, one ``INSERT ... SELECT`` per commit
adds a delivery for every enabled endpoint of each event's team subscribed to its type -- in the same
transaction, so a committed event always has its deliveries (the workers send them later).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

SOURCE_KINDS = frozenset(
    {
        "project.created",
        "project.status_changed",
        "approval.requested",
        "task.failed",
        "task.waiting",
        "model.budget_exceeded",
    }
)
FINAL_STATUSES = ("completed", "failed", "cancelled")  # project.status_changed -> project.<status>

# every delivery of one commit's events in one statement: a project's request that moves it through
# several statuses (a plan submitted and auto-approved: four) costs one round trip, not one each
_STAGE_SQL = text(
    """
    INSERT INTO webhook_deliveries
        (id, endpoint_id, team_id, event_id, event_type, payload, status, attempts, retry_base,
         next_attempt_at, last_error, created_at)
    SELECT gen_random_uuid(), w.id, w.team_id, m.event_id, m.event_type, m.payload, 'pending', 0, 0,
           now(), '', now()
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS m(event_id bigint, event_type text, payload jsonb, team_id uuid, project_id uuid)
    JOIN webhook_endpoints w
      ON w.enabled
     AND w.team_id = COALESCE(m.team_id, (SELECT p.team_id FROM projects p WHERE p.id = m.project_id))
     AND w.event_types @> jsonb_build_array(m.event_type)
    ON CONFLICT DO NOTHING
    """
)


def event_types(message: dict[str, Any]) -> list[str]:
    """The public types an event is delivered as (a status change to a final status is also
    ``project.completed`` / ``project.failed`` / ``project.cancelled``)."""
    kind = message["kind"]
    if kind == "project.status_changed":
        to = (message.get("payload") or {}).get("to")
        return [kind, f"project.{to}"] if to in FINAL_STATUSES else [kind]
    return [kind]


def body(message: dict[str, Any], event_type: str) -> dict[str, Any]:
    """The Standard Webhooks payload shape: type, timestamp, data (the event as REST shows it)."""
    return {"type": event_type, "timestamp": message.get("created_at"), "data": message}


def stage(session: Session, messages: Sequence[dict[str, Any]]) -> None:
    """Add the deliveries of these events (their ``events.to_message`` shape) to the session's transaction."""
    rows = [
        {
            "event_id": message["id"],
            "event_type": event_type,
            "payload": body(message, event_type),
            "team_id": message.get("team_id"),
            "project_id": message.get("project_id"),
        }
        for message in messages
        if message["kind"] in SOURCE_KINDS and (message.get("team_id") or message.get("project_id"))
        for event_type in event_types(message)
    ]
    if rows:
        session.execute(_STAGE_SQL, {"rows": json.dumps(rows, default=str)})
