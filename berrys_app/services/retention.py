"""Retention: trim a year of engine traffic without losing a project's story or its costs.

After ``BERRYS_RETENTION_DAYS`` (0 = keep everything, the default), a daily worker cron
- deletes the old *engine-traffic* events (task, model, tool, agent ... events); the people-level
  ones that make a project's timeline - ``project.*``, ``plan.*``, ``deliverable.*``, comments,
  members, approvals (``collab.FEED_PREFIXES``) - stay, so every project still shows how it was
  created, planned, approved, finished and delivered;
- clears the *excerpts* of old model calls (reply text, tool calls, parsed output, error text) of
  finished projects only: the rows stay with their model, tokens and cost, so usage charts,
  project totals and budgets add up exactly as before; a project that may still run keeps its
  excerpts, since a resumed task replays its recorded calls instead of repeating them. An answered
  call's reply is never NULL (an empty reply is ''), so NULL marks a trimmed answer: a replay of
  such a project is refused (``trimmed_answers``, ``forks.fork_project``);
- clears the excerpts of old *tool calls* of finished projects the same way (what the model saw,
  the arguments): the rows stay with tool, status, error code, attempts, duration and artifact
  path, so the project's tool-call list, counts and trace keep every call.

The *audit log* is evidence and has its own setting, ``BERRYS_AUDIT_RETENTION_DAYS`` (0, the
default: kept forever); when set, entries older than that are deleted.

Batches of ``BATCH`` rows, each its own short transaction, so the tables stay writable meanwhile.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import TextClause, text
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import ProjectStatus
from berrys_app.services.collab import FEED_PREFIXES

log = logging.getLogger(__name__)
BATCH = 5_000
FINAL = (ProjectStatus.completed.value, ProjectStatus.failed.value, ProjectStatus.cancelled.value)

_KEEP = " OR ".join(f"kind LIKE '{prefix}%'" for prefix in FEED_PREFIXES)
_DELETE_EVENTS = text(
    f"""DELETE FROM events WHERE id IN (
            SELECT id FROM events WHERE created_at < :cutoff AND NOT ({_KEEP}) LIMIT :batch)"""
)
_CLEAR_EXCERPTS = text(
    """UPDATE model_calls SET content = NULL, parsed = NULL, error_message = NULL, tool_calls = '[]'::jsonb
       WHERE id IN (
            SELECT c.id FROM model_calls c JOIN projects p ON p.id = c.project_id
            WHERE c.created_at < :cutoff AND p.status = ANY(:final)
              AND (c.content IS NOT NULL OR c.parsed IS NOT NULL OR c.error_message IS NOT NULL
                   OR c.tool_calls <> '[]'::jsonb)
            LIMIT :batch)"""
)


# answers a replay of the project would play back (its tasks with these keys, in any plan version,
# and its final report) that retention trimmed. A trimmed tool call is older than the model call
# that asked for it, so a project whose tool results were trimmed has trimmed answers too.
_TRIMMED_ANSWERS = text(
    """SELECT count(*) FROM model_calls c LEFT JOIN tasks t ON t.id = c.task_id
       WHERE c.project_id = :project AND c.status = 'ok' AND c.content IS NULL
         AND (t.key = ANY(:keys) OR c.call_key LIKE 'project:%:aggregate:%')"""
)
_CLEAR_TOOL_EXCERPTS = text(
    """UPDATE tool_calls SET content = '', arguments = '{}'::jsonb
       WHERE id IN (
            SELECT c.id FROM tool_calls c JOIN projects p ON p.id = c.project_id
            WHERE c.started_at < :cutoff AND p.status = ANY(:final)
              AND (c.content <> '' OR c.arguments <> '{}'::jsonb)
            LIMIT :batch)"""
)
_DELETE_AUDIT = text(
    "DELETE FROM audit_entries WHERE id IN (SELECT id FROM audit_entries WHERE created_at < :cutoff LIMIT :batch)"
)


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime | None
    events_deleted: int = 0
    excerpts_cleared: int = 0
    tool_excerpts_cleared: int = 0
    audit_cutoff: datetime | None = None
    audit_deleted: int = 0


def _drain(statement: TextClause, cutoff: datetime, batch: int) -> int:
    total = 0
    while True:
        with session_scope() as session:
            done = session.execute(statement, {"cutoff": cutoff, "batch": batch, "final": list(FINAL)}).rowcount or 0
        total += done
        if done < batch:
            return total


def trimmed_answers(session: Session, project_id: uuid.UUID, *, task_keys: list[str]) -> int:
    """How many recorded answers of these tasks (and of the final report) retention cleared."""
    return int(session.execute(_TRIMMED_ANSWERS, {"project": project_id, "keys": task_keys}).scalar_one())


def purge(days: int, *, audit_days: int = 0, now: datetime | None = None, batch: int = BATCH) -> RetentionReport:
    """Apply the retention of ``days`` to engine traffic and ``audit_days`` to the audit log (0 or
    less: keep that part) and say what it removed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days) if days > 0 else None
    audit_cutoff = now - timedelta(days=audit_days) if audit_days > 0 else None
    report = RetentionReport(
        cutoff=cutoff,
        events_deleted=_drain(_DELETE_EVENTS, cutoff, batch) if cutoff else 0,
        excerpts_cleared=_drain(_CLEAR_EXCERPTS, cutoff, batch) if cutoff else 0,
        tool_excerpts_cleared=_drain(_CLEAR_TOOL_EXCERPTS, cutoff, batch) if cutoff else 0,
        audit_cutoff=audit_cutoff,
        audit_deleted=_drain(_DELETE_AUDIT, audit_cutoff, batch) if audit_cutoff else 0,
    )
    if cutoff or audit_cutoff:
        log.info("retention: %s", report)
    return report
