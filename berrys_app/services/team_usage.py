"""A team's model usage across all its projects, aggregated in PostgreSQL (the Models page).

One grouped query per view instead of a usage query per project: the page costs the same
for a team with 5 projects or 5,000, and no project is left out.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.services.authz import PROJECTS_READ, Actor, require_role

_BY_MODEL = text(
    """SELECT c.model, SUM(c.cost_usd) AS cost, SUM(c.prompt_tokens) AS prompt, SUM(c.completion_tokens) AS completion,
              COUNT(*) AS calls
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE p.team_id = :team AND c.status <> 'running'
       GROUP BY c.model ORDER BY c.model"""
)
_BY_DAY = text(
    """SELECT date_trunc('day', c.created_at) AS day, SUM(c.cost_usd) AS cost,
              SUM(c.prompt_tokens + c.completion_tokens) AS tokens
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE p.team_id = :team AND c.status <> 'running'
       GROUP BY 1 ORDER BY 1"""
)


def team_usage(session: Session, actor: Actor, team_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Cost and tokens of every project of the team, by model and by day (viewers may read)."""
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    by_model = [
        {
            "model": row.model,
            "cost_usd": float(row.cost),
            "prompt_tokens": int(row.prompt),
            "completion_tokens": int(row.completion),
            "tokens": int(row.prompt) + int(row.completion),
            "calls": int(row.calls),
        }
        for row in session.execute(_BY_MODEL, {"team": team_id}).all()
    ]
    by_day = [
        {"day": row.day.date().isoformat(), "cost_usd": float(row.cost), "tokens": int(row.tokens)}
        for row in session.execute(_BY_DAY, {"team": team_id}).all()
    ]
    return {"by_model": by_model, "by_day": by_day}
