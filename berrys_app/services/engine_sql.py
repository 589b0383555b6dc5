"""The engine's SQL: the hot path's single-statement lease and completion, and the task moves
around them. Kept apart from ``execution`` (the logic that runs them) so each stays readable.

Every statement is one round trip; ``*_PG`` are the same statements in psycopg's parameter
style for the async connections of ``hot_db``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from berrys_app.domain.models import ModelCall
from berrys_app.services import hot_db

CLOSE_OPEN_SQL = text(
    """
    WITH open AS (
        SELECT id, status, agent_id FROM tasks WHERE project_id = :p AND status = ANY(:open) AND id <> :keep
        FOR UPDATE
    )
    UPDATE tasks t SET status = CAST(:to AS varchar), lease_expires_at = NULL,
                       finished_at = CASE WHEN CAST(:to AS varchar) = 'cancelled' THEN now() ELSE t.finished_at END
    FROM open WHERE t.id = open.id
    RETURNING t.id, t.key, open.status AS was, open.agent_id
    """
)


EVENT_COLUMNS = "kind, team_id, project_id, task_id, actor, payload, created_at"


# An agent's slot: taken when its counter is below max_concurrent_tasks (the UPDATE's row lock
# serialises concurrent leases of one agent), the agent goes Ready -> Active on its first task.
def agent_change(source: str, frm: str, to: str, why: str) -> tuple[str, str]:
    """For the agents in CTE ``source`` moving ``frm`` -> ``to``: the history row insert (a CTE body)
    and the ``agent.status_changed`` event select (a branch of the events insert)."""
    history = f"""INSERT INTO agent_state_changes (id, agent_id, from_status, to_status, reason, actor, created_at)
        SELECT gen_random_uuid(), id, '{frm}', '{to}', '{why}', :worker, clock_timestamp() FROM {source}"""
    event = f"""SELECT 'agent.status_changed', a.team_id, a.project_id, NULL, :worker,
               jsonb_build_object('agent_id', a.id, 'name', a.name, 'from', '{frm}', 'to', '{to}', 'reason', '{why}'),
               clock_timestamp()
        FROM {source} a"""
    return history, event


_ACTIVATED = agent_change("activated", "ready", "active", "started a task")
_IDLE = agent_change("idle", "active", "ready", "finished its tasks")

# One statement = one round trip in autocommit mode: lock the task, take a slot of its agent,
# lease, load context, log task.started (and the agent's state change). A task whose agent is
# busy stays ready, parked (waiting_reason 'agent_busy'): the completion of one of that agent's
# tasks dispatches it again, the reconciler too.
LEASE_SQL = text(
    f"""
    WITH cand AS (
        SELECT t.id, t.agent_id, t.status = 'running' AS relet
        FROM tasks t JOIN projects p ON p.id = t.project_id
        WHERE t.id = :id AND p.status = 'executing'
          AND (t.status IN ('ready', 'retrying') OR (t.status = 'running' AND t.lease_expires_at < now()))
        FOR UPDATE OF t
    ), slot AS (
        UPDATE agents a SET running_tasks = a.running_tasks + 1,
                            status = CASE WHEN a.status = 'ready' THEN 'active' ELSE a.status END
        FROM cand
        WHERE a.id = cand.agent_id AND NOT cand.relet AND a.running_tasks < a.max_concurrent_tasks
        RETURNING a.id, a.name, a.team_id, a.project_id, a.status, a.running_tasks
    ), activated AS (
        SELECT * FROM slot WHERE running_tasks = 1 AND status = 'active'
    ), leased AS (
        UPDATE tasks t
        SET status = 'running', attempt = t.attempt + 1, leased_by = :worker,
            lease_expires_at = now() + make_interval(secs => :lease_s),
            started_at = coalesce(t.started_at, now()), waiting_reason = NULL
        FROM cand, projects p
        WHERE t.id = cand.id AND p.id = t.project_id
          AND (cand.agent_id IS NULL OR cand.relet OR EXISTS (SELECT 1 FROM slot))
        RETURNING t.id, t.project_id, t.plan_version, t.key, t.title, t.description, t.expected_output,
                  t.attempt, t.failures, t.agent_id, p.team_id, p.name AS project_name,
                  p.model AS project_model, p.max_task_attempts,
                  p.budget_usd AS project_budget_usd, p.budget_tokens AS project_budget_tokens
    ), parked AS (
        UPDATE tasks t SET waiting_reason = 'agent_busy', dispatched_at = NULL
        FROM cand
        WHERE t.id = cand.id AND cand.agent_id IS NOT NULL AND NOT cand.relet AND NOT EXISTS (SELECT 1 FROM slot)
        RETURNING t.id
    ), history AS (
        {_ACTIVATED[0]}
    ), ev AS (
        INSERT INTO events ({EVENT_COLUMNS})
        SELECT 'task.started', team_id, project_id, id, :worker,
               jsonb_build_object('key', key, 'attempt', attempt, 'agent_id', agent_id), clock_timestamp()
        FROM leased
        UNION ALL
        {_ACTIVATED[1]}
        RETURNING id, kind, team_id, project_id, task_id, actor, payload, created_at
    )
    SELECT leased.*, a.model AS agent_model, a.system_prompt, a.allowed_tools,
           a.budget_usd AS agent_budget_usd, a.budget_tokens AS agent_budget_tokens,
           (SELECT coalesce(json_agg(json_build_object('key', u.key, 'title', u.title, 'output', u.output)
                                     ORDER BY u.key), '[]'::json)
            FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_id
            WHERE d.task_id = leased.id AND d.kind = 'input') AS inputs,
           (SELECT json_agg(row_to_json(ev) ORDER BY ev.id) FROM ev) AS events
    FROM leased LEFT JOIN agents a ON a.id = leased.agent_id
    """
)


def model_call_columns() -> tuple[str, str]:
    """``model_calls`` columns and their PostgreSQL types (for rows passed as one JSON parameter)."""
    table = ModelCall.__table__  # type: ignore[attr-defined]
    names = [column.name for column in table.columns]
    types = [f"{column.name} {column.type.compile(dialect=postgresql.dialect())}" for column in table.columns]
    return ", ".join(names), ", ".join(types)


CALL_COLUMNS, CALL_TYPES = model_call_columns()

# Complete (fenced by attempt), record the final model call (the agent loop's last answer, written
# here instead of in a round trip of its own), give the agent's slot back (Active -> Ready when it
# was its last task), count down dependents, wake tasks parked on that agent, log the events: one
# statement. The call rows are written even when the fence refuses the completion (it was paid for);
# a call_key another run already completed is kept without its key, as ``accounting.insert_rows`` does.
COMPLETE_SQL = text(
    f"""
    WITH calls AS (
        INSERT INTO model_calls ({CALL_COLUMNS})
        SELECT {CALL_COLUMNS.replace("call_key", "CASE WHEN x.status = 'ok' AND EXISTS (SELECT 1 FROM model_calls m WHERE m.call_key = x.call_key AND m.status = 'ok') THEN NULL ELSE x.call_key END", 1)}
        FROM jsonb_to_recordset(CAST(:calls AS jsonb)) AS x({CALL_TYPES})
        ON CONFLICT DO NOTHING
    ), done AS (
        UPDATE tasks SET status = 'completed', output = :output, finished_at = clock_timestamp(),
                         lease_expires_at = NULL, last_error = NULL, waiting_reason = NULL
        WHERE id = :id AND attempt = :attempt AND status = 'running'
        RETURNING id, project_id, plan_version, is_sink, agent_id
    ), freed AS (
        UPDATE agents a SET running_tasks = greatest(a.running_tasks - 1, 0),
                            status = CASE WHEN a.running_tasks <= 1 AND a.status = 'active' THEN 'ready'
                                          ELSE a.status END
        FROM done
        WHERE a.id = done.agent_id
        RETURNING a.id, a.name, a.team_id, a.project_id, a.status, a.running_tasks, a.max_concurrent_tasks
    ), idle AS (
        SELECT * FROM freed WHERE running_tasks = 0 AND status = 'ready'
    ), woken AS (
        SELECT t.id, t.attempt FROM tasks t, freed f
        WHERE t.agent_id = f.id AND t.status = 'ready' AND t.waiting_reason = 'agent_busy' AND t.id <> :id
        ORDER BY t.priority DESC, t.key
        LIMIT (SELECT greatest(max_concurrent_tasks - running_tasks, 0) FROM freed)
    ), readied AS (
        UPDATE tasks t
        SET remaining_deps = t.remaining_deps - 1,
            status = CASE WHEN t.remaining_deps = 1 AND t.status = 'pending' THEN 'ready' ELSE t.status END,
            dispatched_at = CASE WHEN t.remaining_deps = 1 AND t.status = 'pending' THEN clock_timestamp()
                                 ELSE t.dispatched_at END
        FROM task_dependencies d, done
        WHERE d.depends_on_id = done.id AND t.id = d.task_id
        RETURNING t.id, t.key, t.status, t.attempt, t.remaining_deps
    ), sink AS (
        UPDATE projects p SET sinks_remaining = p.sinks_remaining - 1
        FROM done
        WHERE done.is_sink AND p.id = done.project_id AND p.plan_version = done.plan_version
        RETURNING p.sinks_remaining
    ), history AS (
        {_IDLE[0]}
    ), ev AS (
        INSERT INTO events ({EVENT_COLUMNS})
        SELECT 'task.completed', CAST(:team_id AS uuid), done.project_id, done.id, :worker,
               jsonb_build_object('key', CAST(:key AS text), 'attempt', CAST(:attempt AS int),
                                  'output', left(CAST(:output AS text), 500)),
               clock_timestamp()
        FROM done
        UNION ALL
        {_IDLE[1]}
        UNION ALL
        SELECT 'task.ready', CAST(:team_id AS uuid), CAST(:project_id AS uuid), r.id, :worker,
               jsonb_build_object('key', r.key), clock_timestamp()
        FROM readied r WHERE r.status = 'ready' AND r.remaining_deps = 0
        RETURNING id, kind, team_id, project_id, task_id, actor, payload, created_at
    )
    SELECT (SELECT count(*) FROM done) AS done,
           (SELECT sinks_remaining FROM sink) AS sinks_remaining,
           (SELECT coalesce(json_agg(json_build_object('id', id, 'key', key, 'attempt', attempt)), '[]'::json)
            FROM readied WHERE status = 'ready' AND remaining_deps = 0) AS ready,
           (SELECT coalesce(json_agg(json_build_object('id', id, 'attempt', attempt)), '[]'::json)
            FROM woken) AS woken,
           (SELECT json_agg(row_to_json(ev) ORDER BY ev.id) FROM ev) AS events
    """
)

LEASE_SQL_PG = hot_db.compile_sql(LEASE_SQL)
COMPLETE_SQL_PG = hot_db.compile_sql(COMPLETE_SQL)

RENEW_SQL = text(
    """
    UPDATE tasks t SET lease_expires_at = now() + make_interval(secs => :lease_s)
    FROM projects p
    WHERE t.id = :id AND t.attempt = :attempt AND t.status = 'running'
      AND p.id = t.project_id AND p.status = 'executing'
    RETURNING t.id
    """
)

RELEASE_SQL = text(
    """
    UPDATE tasks t SET status = CASE WHEN p.status = 'cancelled' THEN 'cancelled' ELSE 'ready' END,
                       lease_expires_at = NULL, leased_by = NULL, dispatched_at = NULL
    FROM projects p
    WHERE t.id = :id AND t.attempt = :attempt AND t.status = 'running' AND p.id = t.project_id
    RETURNING t.status, t.agent_id
    """
)
