"""A task's transcript (dashboard drawer, REST): recorded model and tool calls, oldest first.

Read-only view over the model layer's ``model_calls`` and the tool layer's
``tool_calls`` (keyed by the agent loop's call keys), after the engine has
authorised the caller for the task. Agent text stays plain text: the drawer
renders it with ``rx.text``, never as HTML.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func
from sqlmodel import Session, col, select

from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.events import Event
from berrys_app.domain.models import ModelCall
from berrys_app.domain.tools import ToolCall
from berrys_app.services import projects
from berrys_app.services.authz import Actor

TEXT_LIMIT = 4000


def task_transcript(
    session: Session, actor: Actor, *, project_id: uuid.UUID, task_id: uuid.UUID
) -> list[dict[str, str]]:
    """Entries ``{kind: model|tool, title, text}`` in the order they happened."""

    projects.get_task(session, actor, project_id, task_id)  # NotFound/Forbidden for the wrong caller
    entries: list[tuple[object, dict[str, str]]] = []
    # the tables directly, not the model layer's package: importing it pulls in litellm (seconds)
    calls = session.exec(
        select(ModelCall).where(ModelCall.task_id == task_id).order_by(col(ModelCall.created_at)).limit(200)
    )
    for call in calls:
        text = call.content or ""
        if call.tool_calls:
            text += ("\n" if text else "") + "\n".join(
                f"→ {tc.get('name')}({json.dumps(tc.get('arguments', {}))[:500]})" for tc in call.tool_calls
            )
        if call.error:
            text += f"\n[{call.error}] {call.error_message or ''}"
        title = f"model · {call.model} · {call.prompt_tokens}+{call.completion_tokens} tokens"
        entries.append((call.created_at, {"kind": "model", "title": title, "text": text[:TEXT_LIMIT]}))
    tool_rows = session.exec(select(ToolCall).where(ToolCall.task_id == task_id).order_by(col(ToolCall.started_at)))
    for row in tool_rows:
        args = json.dumps(row.arguments)[:800]
        title = f"tool · {row.tool_name} · {row.status}" + (f" ({row.error_code})" if row.error_code else "")
        entries.append(
            (row.started_at, {"kind": "tool", "title": title, "text": f"{args}\n{row.content}"[:TEXT_LIMIT]})
        )
    entries.sort(key=lambda item: item[0])
    return [entry for _, entry in entries]


ERROR_KINDS = (EventKind.TASK_RETRYING, EventKind.TASK_FAILED, EventKind.TASK_WAITING)


def error_entry(kind: str, payload: dict, at: str = "") -> dict[str, str]:
    """One failed attempt (or wait) as the drawer lists it."""
    what = {
        EventKind.TASK_RETRYING: "failed, retrying",
        EventKind.TASK_FAILED: "failed",
        EventKind.TASK_WAITING: "waiting",
    }.get(kind, kind)
    number = payload.get("failures")
    label = f"attempt {number} {what}" if number else what
    text = payload.get("error") or payload.get("message") or payload.get("reason") or ""
    return {"title": label, "text": str(text)[:2000], "at": at}


def task_errors(session: Session, actor: Actor, *, project_id: uuid.UUID, task_id: uuid.UUID) -> list[dict[str, str]]:
    """Every failed attempt's error of a task, oldest first (the task row keeps only the last)."""

    projects.get_task(session, actor, project_id, task_id)  # NotFound/Forbidden for the wrong caller
    rows = session.exec(
        select(Event)
        .where(Event.project_id == project_id, Event.task_id == task_id, col(Event.kind).in_(ERROR_KINDS))
        .order_by(col(Event.id))
        .limit(100)
    )
    return [
        error_entry(row.kind, row.payload or {}, row.created_at.isoformat() if row.created_at else "") for row in rows
    ]


def project_tool_calls(
    session: Session, actor: Actor, *, project_id: uuid.UUID, page: int, per_page: int
) -> tuple[list[ToolCall], int]:
    """The project's tool calls, newest first (arguments as recorded: secrets already redacted)."""
    projects.get_project(session, actor, project_id)  # NotFound/Forbidden for the wrong caller
    where = ToolCall.project_id == project_id
    total = session.exec(select(func.count()).select_from(ToolCall).where(where)).one()
    rows = session.exec(
        select(ToolCall)
        .where(where)
        .order_by(col(ToolCall.started_at).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), int(total)
