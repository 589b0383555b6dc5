"""Model usage summed per team, UTC day and model for the *closed* days: what the Models page reads
instead of every call of a year (``team_usage``; issue 23: 1 s for 200,000 calls).

Filled by a worker cron (``workers/jobs.roll_up_usage``), never on the model-call hot path: every
concurrent call of a team would queue on its day's row. A day is closed when
- it ended at least ``GRACE`` ago. A row's ``created_at`` is its call's start, and it can be written
  or changed up to a call's timeout later (an in-process call is inserted with its answer; a
  reservation the reconciler settled as lost takes the real outcome if the worker answers after
  all; a fork copies calls in a transaction that may have begun before midnight). The longest
  timeout a model entry may set is 1 h;
- none of its calls is still ``running`` (a reservation: its tokens and cost are not known). A
  reservation the reconciler settles days later keeps its day, and every later one, open until then.

Each run recomputes (delete + insert) every day from ``RECHECK_DAYS`` before the old watermark up
to the new one, so re-running a day replaces it and a row written later than ``GRACE`` is still
counted. Days from the watermark on are read from ``model_calls`` by ``team_usage``. A call leaves
the sums only with its project (``forget_project``, in the project's deletion); retention deletes
no call and clears no number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow

GRACE = timedelta(hours=2)  # also in alembic/versions/0028 (its backfill)
RECHECK_DAYS = 2
FIRST_DAY = date(1970, 1, 1)  # where the first run starts when nothing was rolled up yet

# the rollup and a project's deletion change the same rows: one at a time (each statement of the
# second then sees what the first committed)
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('berrys:usage_rollup', 0))")
_CLOSED_BEFORE = text("SELECT closed_before FROM usage_rollup_state WHERE id = 1")
_OLDEST_RUNNING = text(
    "SELECT min(created_at) FROM model_calls WHERE status = 'running' AND created_at >= :start AND created_at < :end"
)
_DELETE_DAYS = text("DELETE FROM model_usage_daily WHERE day >= :first AND day < :until")
_ROLL = text(
    """INSERT INTO model_usage_daily (team_id, day, model, calls, prompt_tokens, completion_tokens, cost_usd)
       SELECT p.team_id, (c.created_at AT TIME ZONE 'UTC')::date, c.model, count(*), sum(c.prompt_tokens),
              sum(c.completion_tokens), sum(c.cost_usd)
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE c.created_at >= :start AND c.created_at < :end AND c.status <> 'running'
       GROUP BY 1, 2, 3"""
)
_SAVE = text(
    """INSERT INTO usage_rollup_state (id, closed_before, rolled_at) VALUES (1, :until, now())
       ON CONFLICT (id) DO UPDATE SET closed_before = EXCLUDED.closed_before, rolled_at = EXCLUDED.rolled_at"""
)
_FORGET = text(
    """WITH gone AS (
           SELECT (created_at AT TIME ZONE 'UTC')::date AS day, model, count(*) AS calls,
                  sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                  sum(cost_usd) AS cost_usd
           FROM model_calls WHERE project_id = :project AND status <> 'running' AND created_at < :end
           GROUP BY 1, 2)
       UPDATE model_usage_daily d
       SET calls = d.calls - g.calls, prompt_tokens = d.prompt_tokens - g.prompt_tokens,
           completion_tokens = d.completion_tokens - g.completion_tokens, cost_usd = d.cost_usd - g.cost_usd
       FROM gone g WHERE d.team_id = :team AND d.day = g.day AND d.model = g.model"""
)
_DROP_EMPTY = text("DELETE FROM model_usage_daily WHERE team_id = :team AND calls = 0")


@dataclass(frozen=True)
class RollupReport:
    first: date | None  # the first day recomputed (None: nothing to do)
    closed_before: date | None
    rows: int = 0


def start_of(day: date) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time(), UTC)


def closed_before(session: Session) -> date | None:
    """The watermark: every day before it is in ``model_usage_daily`` (None: nothing rolled up yet)."""
    return session.execute(_CLOSED_BEFORE).scalar()


def roll_up(*, now: datetime | None = None) -> RollupReport:
    """Sum the newly closed days (and recompute the last ``RECHECK_DAYS`` before them); one transaction."""
    now = now or utcnow()
    with session_scope() as session:
        session.execute(_LOCK)
        previous = closed_before(session)
        first = previous - timedelta(days=RECHECK_DAYS) if previous else FIRST_DAY
        until = (now - GRACE).astimezone(UTC).date()
        oldest = session.execute(_OLDEST_RUNNING, {"start": start_of(first), "end": start_of(until)}).scalar()
        if oldest is not None:
            until = min(until, oldest.astimezone(UTC).date())
        if previous is not None:
            until = max(until, previous)  # a closed day is never reopened
        if until <= first:
            return RollupReport(first=None, closed_before=previous)
        session.execute(_DELETE_DAYS, {"first": first, "until": until})
        rows = session.execute(_ROLL, {"start": start_of(first), "end": start_of(until)}).rowcount or 0
        session.execute(_SAVE, {"until": until})
    return RollupReport(first=first, closed_before=until, rows=rows)


def forget_project(session: Session, *, project_id: uuid.UUID, team_id: uuid.UUID) -> None:
    """Take a project's calls out of the closed days' sums, in its deletion's transaction (the
    deletion cascades to its calls, and ``team_usage`` sums only the calls that exist)."""
    session.execute(_LOCK)
    until = closed_before(session)
    if until is None:
        return
    session.execute(_FORGET, {"project": project_id, "team": team_id, "end": start_of(until)})
    session.execute(_DROP_EMPTY, {"team": team_id})
