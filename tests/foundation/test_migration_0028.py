"""Migration 0028 on existing calls: the closed days are summed per team, UTC day and model, and the
watermark stops at the oldest call still running (its day, and every later one, stays open)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import create_engine, pool, text

from alembic import command
from tests.foundation.test_migrations import _config, empty_db  # noqa: F401  (fixture)

_PROJECT = text(
    """INSERT INTO projects (id, team_id, name, description, max_agents, auto_approve, max_task_attempts,
           max_replans, objectives, status, plan_version, replans_used, sinks_remaining, created_at, updated_at)
       VALUES (:id, :team, 'P', '', 5, false, 3, 2, '[]'::jsonb, 'completed', 1, 0, 0, now(), now())"""
)
_CALL = text(
    """INSERT INTO model_calls (id, project_id, model, status, attempt, fallback_used, prompt_tokens,
           completion_tokens, cost_usd, reserved_tokens, reserved_usd, latency_ms, tool_calls, created_at)
       VALUES (gen_random_uuid(), :project, :model, :status, 1, false, :prompt, 5, :cost, 0, 0, 1, '[]'::jsonb, :at)"""
)
_RAW = text(
    """SELECT p.team_id, (c.created_at AT TIME ZONE 'UTC')::date AS day, c.model, count(*), sum(c.prompt_tokens),
              sum(c.completion_tokens), sum(c.cost_usd)
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE c.status <> 'running' AND c.created_at < :before GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
)


def test_closed_days_are_backfilled_up_to_the_oldest_running_call(empty_db: str) -> None:  # noqa: F811
    cfg = _config(empty_db)
    command.upgrade(cfg, "0027")
    engine = create_engine(empty_db, poolclass=pool.NullPool)
    today = datetime.now(UTC).date()
    teams = [uuid.uuid4(), uuid.uuid4()]
    with engine.begin() as conn:
        for n, team in enumerate(teams):
            project = uuid.uuid4()
            conn.execute(text("INSERT INTO teams (id, name, created_at) VALUES (:id, 'T', now())"), {"id": team})
            conn.execute(_PROJECT, {"id": project, "team": team})
            for ago, model, status in [(30, "m/a", "ok"), (30, "m/b", "error"), (9, "m/a", "ok"), (0, "m/a", "ok")]:
                at = datetime.combine(today - timedelta(days=ago), time(23, 59, 59), UTC)
                params = {"project": project, "model": model, "status": status, "prompt": 10 + ago + n, "at": at}
                conn.execute(_CALL, {**params, "cost": "0.000000000123"})
            if n == 0:
                at = datetime.combine(today - timedelta(days=5), time(12), UTC)
                conn.execute(
                    _CALL, {"project": project, "model": "m/a", "status": "running", "prompt": 1, "at": at, "cost": "0"}
                )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        closed = conn.execute(text("SELECT closed_before FROM usage_rollup_state")).scalar_one()
        summed = conn.execute(
            text(
                "SELECT team_id, day, model, calls, prompt_tokens, completion_tokens, cost_usd"
                " FROM model_usage_daily ORDER BY 1, 2, 3"
            )
        ).all()
        before = datetime.combine(closed, time(), UTC)
        raw = conn.execute(_RAW, {"before": before}).all()
    engine.dispose()
    assert closed == today - timedelta(days=5)
    assert [tuple(row) for row in summed] == [tuple(row) for row in raw]
    assert len(summed) == 6  # two teams x (30 days ago: m/a, m/b; 9 days ago: m/a); today is not closed
