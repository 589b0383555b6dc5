"""Seed one team with a year of data in a few set-based statements (generate_series, no ORM).

Used by ``bench/data_volume.py`` (2,000 projects, 100,000 tasks, 1,000,000 events, 200,000 model
calls) and, smaller, by ``tests/foundation/test_list_query_plans.py`` (the plans must not scan the big
tables), then sums the closed days of model usage as the worker's hourly rollup does. The first project holds ``big_project_tasks`` tasks (the 500-task project page); the rest
are spread evenly. Times spread over the last 365 days, oldest first, as ids grow.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg

from berrys_app.services import usage_rollup

KINDS = [
    "task.started",
    "task.completed",
    "model.usage",
    "tool.completed",
    "project.status_changed",
    "plan.approved",
    "comment.created",
]


@dataclass(frozen=True)
class Volume:
    projects: int = 2_000
    tasks: int = 100_000
    events: int = 1_000_000
    model_calls: int = 200_000
    audit: int = 50_000
    approvals: int = 10_000
    big_project_tasks: int = 500


def project_id(salt: str, index: int) -> uuid.UUID:
    """The id of seeded project ``index`` (0 is the big one), as the SQL below derives it."""
    import hashlib

    return uuid.UUID(hashlib.md5(f"{salt}p{index}".encode()).hexdigest())


def seed(conn: psycopg.Connection, team_id: uuid.UUID, volume: Volume, *, salt: str = "v") -> None:
    """Insert the rows, then VACUUM ANALYZE; ``conn`` commits. Project ``i`` is md5(salt||'p'||i)."""
    v = volume
    pid = "md5(%(salt)s || 'p' || ({expr}))::uuid"
    ago = "now() - interval '365 days' * (1 - g::float8 / {n})"
    params = {"salt": salt, "team": team_id, "kinds": KINDS}
    statements = [
        f"""INSERT INTO projects (id, team_id, name, description, max_agents, auto_approve, max_task_attempts,
                max_replans, objectives, status, plan_version, replans_used, sinks_remaining, created_at, updated_at)
            SELECT {pid.format(expr="g")}, %(team)s, 'Project ' || g, '', 5, false, 3, 2, '[]'::jsonb,
                   (ARRAY['completed','completed','completed','failed','executing','plan_review'])[1 + g % 6],
                   1, 0, 0, {ago.format(n=v.projects)}, {ago.format(n=v.projects)}
            FROM generate_series(0, {v.projects - 1}) g""",
        f"""INSERT INTO tasks (id, project_id, plan_version, key, title, description, capabilities, expected_output,
                estimated_minutes, priority, status, remaining_deps, is_sink, attempt, failures, output, created_at)
            SELECT gen_random_uuid(),
                   {pid.format(expr=f"CASE WHEN g < {v.big_project_tasks} THEN 0 ELSE 1 + g % {max(v.projects - 1, 1)} END")},
                   1, 't' || g, 'Task ' || g, 'do part ' || g, '[]'::jsonb, '', 30, 0, 'completed', 0, false, 1, 0,
                   'output of task ' || g, {ago.format(n=v.tasks)}
            FROM generate_series(0, {v.tasks - 1}) g""",
        f"""INSERT INTO events (kind, team_id, project_id, actor, payload, created_at)
            SELECT (%(kinds)s::text[])[1 + g % {len(KINDS)}], %(team)s, {pid.format(expr=f"g % {v.projects}")},
                   'system', jsonb_build_object('n', g), {ago.format(n=v.events)}
            FROM generate_series(0, {v.events - 1}) g""",
        f"""INSERT INTO model_calls (id, project_id, model, status, attempt, fallback_used, prompt_tokens,
                completion_tokens, cost_usd, reserved_tokens, reserved_usd, latency_ms, content, tool_calls, created_at)
            SELECT gen_random_uuid(), {pid.format(expr=f"g % {v.projects}")},
                   (ARRAY['openai/gpt-4o-mini','anthropic/claude-3-haiku','scripted/echo'])[1 + g % 3],
                   'ok', 1, false, 100 + g % 50, 20 + g % 30, 0.0001 * (1 + g % 7), 0, 0, 120,
                   'excerpt of the reply ' || g, '[]'::jsonb, {ago.format(n=v.model_calls)}
            FROM generate_series(0, {v.model_calls - 1}) g""",
        f"""INSERT INTO audit_entries (action, success, actor_label, team_id, details, created_at)
            SELECT (ARRAY['member.added','api_key.created','credential.used','project.deleted'])[1 + g % 4], true,
                   'someone', %(team)s, '{{}}'::jsonb, {ago.format(n=v.audit)}
            FROM generate_series(0, {v.audit - 1}) g""",
        f"""INSERT INTO approvals (id, team_id, project_id, kind, status, title, details, requested_by, created_at)
            SELECT gen_random_uuid(), %(team)s, {pid.format(expr=f"g % {v.projects}")}, 'plan',
                   CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'approved' END, 'Approve plan ' || g, '{{}}'::jsonb,
                   'system', {ago.format(n=v.approvals)}
            FROM generate_series(0, {v.approvals - 1}) g""",
    ]
    for statement in statements:
        conn.execute(statement.replace(" % ", " %% "), params)  # type: ignore[arg-type]  (% is modulo here)
    conn.commit()
    usage_rollup.roll_up()  # as the hourly cron leaves it: the closed days summed (DATABASE_URL is this database)
    conn.autocommit = True  # VACUUM runs outside a transaction
    for table in ("projects", "tasks", "events", "model_calls", "audit_entries", "approvals", "model_usage_daily"):
        # as autovacuum leaves a long-lived table: statistics and the visibility map (index-only scans)
        conn.execute(f"VACUUM ANALYZE {table}")  # type: ignore[arg-type]
    conn.autocommit = False
