"""A team's model usage across all its projects, aggregated in PostgreSQL (the Models page).

The closed days come from their per-day sums (``usage_rollup``: a few rows per day, whatever the
number of calls), the days since from the calls themselves (a ``created_at`` range: the BRIN
index). The result is the sum over every settled call of the team's projects, as if every call
were read: the page costs about the same for a team with a week of history or ten years.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.services import usage_rollup
from berrys_app.services.authz import PROJECTS_READ, Actor, require_role

# the closed days' sums, then every settled call since (UTC days throughout). Both sides are cut at
# the watermark read before: a rollup committing in between moves it but changes no sum before it.
_USAGE = """WITH usage AS (
    SELECT day, model, calls, prompt_tokens, completion_tokens, cost_usd
    FROM model_usage_daily WHERE team_id = :team AND day < :closed
    UNION ALL
    SELECT (c.created_at AT TIME ZONE 'UTC')::date, c.model, 1, c.prompt_tokens, c.completion_tokens, c.cost_usd
    FROM model_calls c JOIN projects p ON p.id = c.project_id
    WHERE p.team_id = :team AND c.created_at >= :since AND c.status <> 'running')
"""
_BY_MODEL = text(
    _USAGE
    + """SELECT model, SUM(cost_usd) AS cost, SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion,
              SUM(calls) AS calls
       FROM usage GROUP BY model ORDER BY model"""
)
_BY_DAY = text(
    _USAGE
    + """SELECT day, SUM(cost_usd) AS cost, SUM(prompt_tokens + completion_tokens) AS tokens
       FROM usage GROUP BY day ORDER BY day"""
)


def team_usage(session: Session, actor: Actor, team_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Cost and tokens of every project of the team, by model and by UTC day (viewers may read)."""
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    closed = usage_rollup.closed_before(session) or usage_rollup.FIRST_DAY
    params = {"team": team_id, "closed": closed, "since": usage_rollup.start_of(closed)}
    by_model = [
        {
            "model": row.model,
            "cost_usd": float(row.cost),
            "prompt_tokens": int(row.prompt),
            "completion_tokens": int(row.completion),
            "tokens": int(row.prompt) + int(row.completion),
            "calls": int(row.calls),
        }
        for row in session.execute(_BY_MODEL, params).all()
    ]
    by_day = [
        {"day": row.day.isoformat(), "cost_usd": float(row.cost), "tokens": int(row.tokens)}
        for row in session.execute(_BY_DAY, params).all()
    ]
    return {"by_model": by_model, "by_day": by_day}
