"""Retention: trim a year of engine traffic without losing a project's story or its costs.

After ``BERRYS_RETENTION_DAYS`` (0 = keep everything, the default), a daily worker cron
- deletes the old *engine-traffic* events (task, model, tool, agent ... events); the people-level
  ones that make a project's timeline - ``project.*``, ``plan.*``, ``deliverable.*``, comments,
  members, approvals (``collab.FEED_PREFIXES``) - stay, so every project still shows how it was
  created, planned, approved, finished and delivered;
- clears the *excerpts* of old model calls (reply text, tool calls, parsed output, error text) of
  finished projects only: the rows stay with their model, tokens and cost, so usage charts,
  project totals and budgets add up exactly as before; a project that may still run keeps its
  excerpts, since a resumed task replays its recorded calls instead of repeating them.

Batches of ``BATCH`` rows, each its own short transaction, so the tables stay writable meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import TextClause, text

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


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime | None
    events_deleted: int = 0
    excerpts_cleared: int = 0


def _drain(statement: TextClause, cutoff: datetime, batch: int) -> int:
    total = 0
    while True:
        with session_scope() as session:
            done = session.execute(statement, {"cutoff": cutoff, "batch": batch, "final": list(FINAL)}).rowcount or 0
        total += done
        if done < batch:
            return total


def purge(days: int, *, now: datetime | None = None, batch: int = BATCH) -> RetentionReport:
    """Apply the retention of ``days`` (0 or less: do nothing) and say what it removed."""
    if days <= 0:
        return RetentionReport(cutoff=None)
    cutoff = (now or utcnow()) - timedelta(days=days)
    report = RetentionReport(
        cutoff=cutoff,
        events_deleted=_drain(_DELETE_EVENTS, cutoff, batch),
        excerpts_cleared=_drain(_CLEAR_EXCERPTS, cutoff, batch),
    )
    log.info("retention before %s: %s", cutoff.isoformat(), report)
    return report
