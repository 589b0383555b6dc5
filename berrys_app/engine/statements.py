"""Every SQL statement that changes a task's or an agent's status, and the hot path's reads.

Kept apart from the logic that runs them (``lease``, ``task_moves``, ``outcomes``,
``agent_moves``, ``reconciler``) so there is one place to read the state machines' moves:
``tests/engine/test_state_machines.py`` parses each statement of ``STATUS_STATEMENTS`` and checks
its from -> to pairs against ``domain.state_machines``. Statuses are bound parameters
(``:t_running``, ``:a_active``, ``:p_executing``; ``bind`` adds them all), never literals.

Every statement is one round trip; ``*_PG`` are the same statements in psycopg's parameter
style for the async connections of ``db.aio``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, text

from berrys_app.db import aio
from berrys_app.domain.event_kinds import MESSAGE_COLUMNS, EventKind
from berrys_app.domain.models import CallStatus
from berrys_app.domain.projects import ProjectStatus
from berrys_app.domain.state_machines import OPEN_TASK_STATUSES, STATUS_PARAMS
from berrys_app.domain.work import TaskStatus
from berrys_app.services.models.budgets import LOST_SET

PARAMS = {**STATUS_PARAMS, **{f"p_{s.value}": s.value for s in ProjectStatus}}


def bind(**params: Any) -> dict[str, Any]:
    """A statement's parameters with every status value (tasks ``t_``, agents ``a_``, projects ``p_``)."""
    return {**PARAMS, **params}


CLOSE_OPEN_SQL = text(
    """
    WITH open AS (
        SELECT id, status, agent_id FROM tasks WHERE project_id = :p AND status = ANY(:open) AND id <> :keep
        FOR UPDATE
    )
    UPDATE tasks t SET status = CAST(:to AS varchar), lease_expires_at = NULL,
                       finished_at = CASE WHEN CAST(:to AS varchar) = :t_cancelled THEN now() ELSE t.finished_at END
    FROM open WHERE t.id = open.id AND t.status = ANY(:open)
    RETURNING t.id, t.key, open.status AS was, open.agent_id
    """
)


# a statement's events CTE ``ev`` returns its rows, and the statement hands them back as JSON texts
# in id order (``MESSAGE_COLUMNS``, ``events.to_message``'s shape), for publishing after the commit
EVENT_COLUMNS = ", ".join(c for c in MESSAGE_COLUMNS if c != "id")
EVENT_RETURNING = f"RETURNING {', '.join(MESSAGE_COLUMNS)}"
EVENTS_AS_JSON = "(SELECT array_agg(row_to_json(ev)::text ORDER BY ev.id) FROM ev)"

# On execute/resume: the tasks without open dependencies become ready, each with its task.ready
# event, and every ready (or retrying) task is stamped as dispatched -- one statement (one ORM
# event row each cost ~0.2 ms: 4 ms of a 20-wide project's start). The rows to enqueue: the newly
# ready ones and those already ready or retrying (a resume), disjoint sets of rows.
READY_ROOTS_SQL = text(
    f"""
    WITH newly AS (
        UPDATE tasks SET status = :t_ready, dispatched_at = now()
        WHERE project_id = :p AND plan_version = :v AND status = :t_pending AND remaining_deps = 0
        RETURNING id, key, attempt, next_attempt_at
    ), waiting AS (
        UPDATE tasks SET dispatched_at = now()
        WHERE project_id = :p AND plan_version = :v AND status IN (:t_ready, :t_retrying)
        RETURNING id, attempt, next_attempt_at
    ), ev AS (
        INSERT INTO events ({EVENT_COLUMNS})
        SELECT '{EventKind.TASK_READY}', :team, :p, id, 'system', jsonb_build_object('key', key), clock_timestamp() FROM newly
        {EVENT_RETURNING}
    )
    SELECT {EVENTS_AS_JSON} AS events,
           (SELECT json_agg(json_build_object('id', id, 'attempt', attempt, 'next_attempt_at', next_attempt_at))
            FROM (SELECT id, attempt, next_attempt_at FROM newly
                  UNION ALL SELECT id, attempt, next_attempt_at FROM waiting) due) AS due
    """
)


# An agent's slot: taken when its counter is below max_concurrent_tasks (the UPDATE's row lock
# serialises concurrent leases of one agent), the agent goes Ready -> Active on its first task.
def agent_change(source: str, frm: str, to: str, why: str) -> tuple[str, str]:
    """For the agents in CTE ``source`` moving ``frm`` -> ``to`` (status parameter names) for the
    reason in parameter ``why``: the history row insert (a CTE body) and the
    ``agent.status_changed`` event select (a branch of the events insert). Composes SQL text
    only; every value is a bound parameter."""
    values = f"CAST(:{frm} AS varchar), CAST(:{to} AS varchar), CAST(:{why} AS varchar)"
    history = f"""INSERT INTO agent_state_changes (id, agent_id, from_status, to_status, reason, actor, created_at)
        SELECT gen_random_uuid(), id, {values}, :worker, clock_timestamp() FROM {source}"""
    event = f"""SELECT '{EventKind.AGENT_STATUS_CHANGED}', a.team_id, a.project_id, NULL, :worker,
               jsonb_build_object('agent_id', a.id, 'name', a.name, 'from', CAST(:{frm} AS text),
                                  'to', CAST(:{to} AS text), 'reason', CAST(:{why} AS text)),
               clock_timestamp()
        FROM {source} a"""
    return history, event


PARAMS["why_started"] = "started a task"
PARAMS["call_running"] = CallStatus.running.value
PARAMS["why_finished"] = "finished its tasks"
_ACTIVATED = agent_change("activated", "a_ready", "a_active", "why_started")
_IDLE = agent_change("idle", "a_active", "a_ready", "why_finished")
_SETTLED = agent_change("settled", "a_active", "a_ready", "why_finished")


# Group commit: one statement leases every task of ``:ids`` that is runnable (one round trip in
# autocommit mode): lock the tasks, take slots of their agents -- at most max_concurrent_tasks each,
# the first tasks by priority get them --, lease, load the context, log task.started (and the
# agents' state changes). A task whose agent is busy stays ready, parked (waiting_reason
# 'agent_busy'): the completion of one of that agent's tasks dispatches it again, the reconciler too.
# Locks are taken in one global order (tasks by id, then agents by id) so concurrent batches of
# two workers wait for each other instead of deadlocking.
def _lease_sql(runnable: str, limit: str = "", settle: str = "") -> str:
    """The lease statement for the candidate tasks ``runnable`` selects (a condition on ``t``);
    ``settle``: the agents that a completion earlier in this transaction kept Active for a task
    of theirs it readied -- each still running nothing goes Active -> Ready after all."""
    settled = (
        f"""UPDATE agents a SET status = :a_ready
        WHERE a.id = ANY(ARRAY({settle})) AND a.status = :a_active AND a.running_tasks = 0
          AND NOT EXISTS (SELECT 1 FROM slot s WHERE s.id = a.id)
        RETURNING a.id, a.name, a.team_id, a.project_id"""
        if settle
        else "SELECT NULL::uuid AS id, NULL::varchar AS name, NULL::uuid AS team_id, NULL::uuid AS project_id "
        "WHERE false"
    )
    return f"""
    WITH cand AS MATERIALIZED (
        SELECT t.id, t.agent_id, t.status = :t_running AS relet, t.priority, t.key
        FROM tasks t JOIN projects p ON p.id = t.project_id
        WHERE {runnable} AND p.status = :p_executing
        ORDER BY t.id {limit}
        FOR UPDATE OF t
    ), want AS (
        SELECT agent_id, count(*) AS n FROM cand WHERE agent_id IS NOT NULL AND NOT relet GROUP BY agent_id
    ), granted AS MATERIALIZED (
        SELECT a.id, least(w.n, greatest(a.max_concurrent_tasks - a.running_tasks, 0)) AS n, a.status AS was
        FROM agents a JOIN want w ON w.agent_id = a.id
        ORDER BY a.id
        FOR UPDATE OF a
    ), slot AS (
        UPDATE agents a SET running_tasks = a.running_tasks + g.n,
                            status = CASE WHEN a.status = :a_ready THEN :a_active ELSE a.status END
        FROM granted g
        WHERE a.id = g.id AND g.n > 0
        RETURNING a.id, a.name, a.team_id, a.project_id, a.status, a.running_tasks, g.n
    ), activated AS (
        SELECT s.* FROM slot s JOIN granted g ON g.id = s.id WHERE g.was = :a_ready AND s.status = :a_active
    ), settled AS (
        {settled}
    ), chosen AS (
        SELECT r.id FROM (
            SELECT c.id, c.agent_id, c.relet,
                   row_number() OVER (PARTITION BY c.agent_id, c.relet ORDER BY c.priority DESC, c.key) AS rn
            FROM cand c
        ) r LEFT JOIN granted g ON g.id = r.agent_id
        WHERE r.agent_id IS NULL OR r.relet OR r.rn <= g.n
    ), leased AS (
        UPDATE tasks t
        SET status = :t_running, attempt = t.attempt + 1, leased_by = :worker,
            crashes = t.crashes + CASE WHEN t.status = :t_running THEN 1 ELSE 0 END,
            lease_expires_at = now() + make_interval(secs => :lease_s),
            started_at = coalesce(t.started_at, clock_timestamp()), waiting_reason = NULL
        FROM chosen c, projects p
        WHERE t.id = c.id AND p.id = t.project_id AND t.status IN (:t_ready, :t_retrying, :t_running)
        RETURNING t.id, t.project_id, t.plan_version, t.key, t.title, t.description, t.expected_output,
                  t.attempt, t.failures, t.agent_id, p.team_id, p.name AS project_name,
                  p.model AS project_model, p.max_task_attempts,
                  p.budget_usd AS project_budget_usd, p.budget_tokens AS project_budget_tokens
    ), lost_calls AS (  -- an expired lease taken over: the dead attempt's calls in flight count as spent
        UPDATE model_calls m SET {LOST_SET}
        FROM cand c WHERE c.relet AND m.task_id = c.id AND m.status = :call_running
    ), parked AS (
        UPDATE tasks t SET waiting_reason = 'agent_busy', dispatched_at = NULL
        FROM cand c
        WHERE t.id = c.id AND NOT EXISTS (SELECT 1 FROM chosen x WHERE x.id = c.id)
        RETURNING t.id
    ), history AS (
        {_ACTIVATED[0]}
    ), settled_history AS (
        {_SETTLED[0]}
    ), ev AS (
        INSERT INTO events ({EVENT_COLUMNS})
        SELECT '{EventKind.TASK_STARTED}', team_id, project_id, id, :worker,
               jsonb_build_object('key', key, 'attempt', attempt, 'agent_id', agent_id), clock_timestamp()
        FROM leased
        UNION ALL
        {_ACTIVATED[1]}
        UNION ALL
        {_SETTLED[1]}
        {EVENT_RETURNING}
    )
    SELECT (SELECT json_agg(json_build_object(
                'id', l.id, 'project_id', l.project_id, 'plan_version', l.plan_version, 'key', l.key,
                'title', l.title, 'description', l.description, 'expected_output', l.expected_output,
                'attempt', l.attempt, 'failures', l.failures, 'agent_id', l.agent_id, 'team_id', l.team_id,
                'project_name', l.project_name, 'project_model', l.project_model,
                'max_task_attempts', l.max_task_attempts, 'project_budget_usd', l.project_budget_usd,
                'project_budget_tokens', l.project_budget_tokens, 'agent_model', a.model,
                'system_prompt', a.system_prompt, 'allowed_tools', a.allowed_tools,
                'agent_budget_usd', a.budget_usd, 'agent_budget_tokens', a.budget_tokens,
                'inputs', (SELECT coalesce(json_agg(json_build_object('key', u.key, 'title', u.title, 'output', u.output)
                                                    ORDER BY u.key), '[]'::json)
                           FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_id
                           WHERE d.task_id = l.id AND d.kind = 'input')))
            FROM leased l LEFT JOIN agents a ON a.id = l.agent_id) AS leases,
           (SELECT count(*) FROM parked) AS parked,
           {EVENTS_AS_JSON} AS events
    """


LEASE_SQL = text(
    _lease_sql(
        "t.id = ANY(CAST(:ids AS uuid[])) AND (t.status IN (:t_ready, :t_retrying) "
        "OR (t.status = :t_running AND t.lease_expires_at < now() AND t.crashes + 1 < :max_crashes))"
    )
)


# Group commit of completions (``:items``: id, attempt, output, key per task): complete each task
# (fenced by attempt; its model calls were committed as each answer arrived), give the agents'
# slots back (Active -> Ready when it was their last task), count down dependents, wake tasks
# parked on those agents, log the events: one statement. ``by`` names the completed task a follow-up job is attributed to.
# Lock order as in LEASE_SQL: the completed tasks by id, then agents by id (theirs and their
# dependents', so a LEASE_READIED_SQL after it takes no new agent lock), then dependents by id.
COMPLETE_SQL = text(
    f"""
    WITH items AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(CAST(:items AS jsonb)) AS x(id uuid, attempt int, output text, key text)
    ), own AS MATERIALIZED (
        SELECT t.id FROM tasks t JOIN items i ON i.id = t.id
        WHERE t.attempt = i.attempt AND t.status = :t_running
        ORDER BY t.id
        FOR UPDATE OF t
    ), done AS (
        UPDATE tasks t SET status = :t_completed, output = i.output, finished_at = clock_timestamp(),
                           lease_expires_at = NULL, last_error = NULL, waiting_reason = NULL
        FROM own, items i
        WHERE t.id = own.id AND i.id = t.id AND t.attempt = i.attempt AND t.status = :t_running
        RETURNING t.id, t.project_id, t.plan_version, t.is_sink, t.agent_id, i.key, i.attempt, i.output
    ), gone AS MATERIALIZED (
        SELECT agent_id AS id, count(*) AS n, min(id::text)::uuid AS by
        FROM done WHERE agent_id IS NOT NULL GROUP BY agent_id
    ), fan AS MATERIALIZED (
        SELECT d.task_id AS id, count(*) AS n, min(d.depends_on_id::text)::uuid AS by
        FROM task_dependencies d JOIN done ON d.depends_on_id = done.id
        GROUP BY d.task_id
    ), kept AS MATERIALIZED (  -- :keep_busy (LEASE_READIED_SQL follows): agents of tasks this readies stay Active
        SELECT DISTINCT t.agent_id AS id FROM fan f JOIN tasks t ON t.id = f.id
        WHERE CAST(:keep_busy AS boolean) AND t.agent_id IS NOT NULL
          AND t.status = :t_pending AND t.remaining_deps = f.n
    ), held AS MATERIALIZED (  -- the dependents' agents too: LEASE_READIED_SQL may follow in this transaction
        SELECT a.id FROM agents a
        WHERE a.id IN (SELECT id FROM gone)
           OR a.id IN (SELECT t.agent_id FROM tasks t WHERE t.id IN (SELECT id FROM fan))
        ORDER BY a.id FOR UPDATE
    ), freed AS (
        UPDATE agents a SET running_tasks = greatest(a.running_tasks - g.n, 0),
                            status = CASE WHEN a.running_tasks <= g.n AND a.status = :a_active
                                               AND a.id NOT IN (SELECT id FROM kept) THEN :a_ready
                                          ELSE a.status END
        FROM gone g, held h
        WHERE a.id = g.id AND h.id = a.id
        RETURNING a.id, a.name, a.team_id, a.project_id, a.status, a.running_tasks, a.max_concurrent_tasks, g.by
    ), idle AS (
        SELECT * FROM freed WHERE running_tasks = 0 AND status = :a_ready
    ), woken AS (
        SELECT w.id, w.attempt, f.by FROM freed f CROSS JOIN LATERAL (
            SELECT t.id, t.attempt FROM tasks t
            WHERE t.agent_id = f.id AND t.status = :t_ready AND t.waiting_reason = 'agent_busy'
            ORDER BY t.priority DESC, t.key
            LIMIT greatest(f.max_concurrent_tasks - f.running_tasks, 0)
        ) w
    ), deps AS MATERIALIZED (
        SELECT t.id FROM tasks t
        WHERE t.id IN (SELECT id FROM fan) AND (SELECT count(*) FROM held) >= 0  -- agents first
        ORDER BY t.id
        FOR UPDATE
    ), readied AS (
        UPDATE tasks t
        SET remaining_deps = t.remaining_deps - f.n,
            status = CASE WHEN t.remaining_deps = f.n AND t.status = :t_pending THEN :t_ready ELSE t.status END,
            dispatched_at = CASE WHEN t.remaining_deps = f.n AND t.status = :t_pending THEN clock_timestamp()
                                 ELSE t.dispatched_at END
        FROM fan f, deps l
        WHERE t.id = f.id AND l.id = t.id
        RETURNING t.id, t.key, t.status, t.attempt, t.remaining_deps, t.project_id, f.by
    ), sink AS (
        UPDATE projects p SET sinks_remaining = p.sinks_remaining - s.n
        FROM (SELECT project_id, plan_version, count(*) AS n, min(id::text)::uuid AS by
              FROM done WHERE is_sink GROUP BY project_id, plan_version) s
        WHERE p.id = s.project_id AND p.plan_version = s.plan_version
        RETURNING p.id, p.plan_version, p.sinks_remaining, s.by
    ), history AS (
        {_IDLE[0]}
    ), ev AS (
        INSERT INTO events ({EVENT_COLUMNS})
        SELECT '{EventKind.TASK_COMPLETED}', p.team_id, done.project_id, done.id, :worker,
               jsonb_build_object('key', done.key, 'attempt', done.attempt, 'output', left(done.output, 500)),
               clock_timestamp()
        FROM done JOIN projects p ON p.id = done.project_id
        UNION ALL
        {_IDLE[1]}
        UNION ALL
        SELECT '{EventKind.TASK_READY}', p.team_id, r.project_id, r.id, :worker, jsonb_build_object('key', r.key), clock_timestamp()
        FROM readied r JOIN projects p ON p.id = r.project_id
        WHERE r.status = :t_ready AND r.remaining_deps = 0
        {EVENT_RETURNING}
    )
    SELECT (SELECT json_agg(id) FROM done) AS done,
           (SELECT json_agg(json_build_object('id', id, 'attempt', attempt, 'by', by))
            FROM readied WHERE status = :t_ready AND remaining_deps = 0) AS ready,
           (SELECT json_agg(json_build_object('id', id, 'attempt', attempt, 'by', by)) FROM woken) AS woken,
           (SELECT json_agg(json_build_object('project_id', id, 'plan_version', plan_version, 'by', by))
            FROM sink WHERE sinks_remaining <= 0) AS aggregate,
           {EVENTS_AS_JSON} AS events
    """
)

# A completion's follow-up lease, in the completion's transaction right after COMPLETE_SQL: the
# worker that completed ``:done`` leases up to ``:room`` (its free local slots) of the dependents
# those completions made ready -- no statement, commit and hop of their own between a completion
# and the next model calls. What it does not take stays ready and goes to the queue.
#
# Both subqueries are ``= ANY(ARRAY(...))``: computed once, from the completed tasks' dependents,
# then looked up by primary key. As ``IN (...)`` the planner walked every task of every executing
# project (the candidates) and each candidate agent's whole history (``settle``) to find them: an
# agent is reused project after project and collects thousands (tests/engine/test_agent_history_reads.py).
LEASE_READIED_SQL = text(
    _lease_sql(
        "t.id = ANY(ARRAY(SELECT d.task_id FROM task_dependencies d WHERE d.depends_on_id = ANY(CAST(:done AS uuid[])))) "
        "AND t.status = :t_ready AND t.waiting_reason IS NULL",
        limit="LIMIT :room",
        settle="SELECT t.agent_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id "
        "WHERE d.depends_on_id = ANY(CAST(:done AS uuid[]))",
    )
)

LEASE_SQL_PG = aio.compile_sql(LEASE_SQL)
LEASE_READIED_SQL_PG = aio.compile_sql(LEASE_READIED_SQL)
COMPLETE_SQL_PG = aio.compile_sql(COMPLETE_SQL)

RENEW_SQL = text(
    """
    UPDATE tasks t SET lease_expires_at = now() + make_interval(secs => :lease_s)
    FROM projects p
    WHERE t.id = :id AND t.attempt = :attempt AND t.status = :t_running
      AND p.id = t.project_id AND p.status = :p_executing
    RETURNING t.id
    """
)

RELEASE_SQL = text(
    """
    UPDATE tasks t SET status = CASE WHEN p.status = :p_cancelled THEN :t_cancelled ELSE :t_ready END,
                       lease_expires_at = NULL, leased_by = NULL, dispatched_at = NULL
    FROM projects p
    WHERE t.id = :id AND t.attempt = :attempt AND t.status = :t_running AND p.id = t.project_id
    RETURNING t.status, t.agent_id
    """
)

PAUSE_SQL = text(
    "UPDATE tasks SET status = :t_ready, lease_expires_at = NULL, leased_by = NULL, dispatched_at = NULL "
    "WHERE project_id = :p AND status = :t_running RETURNING id, key, agent_id"
)

# a failed attempt: retrying after a backoff, or failed for good
FAIL_SQL = text(
    "UPDATE tasks SET failures = :failures, last_error = :error, lease_expires_at = NULL, leased_by = NULL, "
    "status = CASE WHEN :retry THEN :t_retrying ELSE :t_failed END, "
    "next_attempt_at = CASE WHEN :retry THEN now() + make_interval(secs => :backoff) END, "
    "finished_at = CASE WHEN :retry THEN NULL ELSE now() END "
    "WHERE id = :id AND attempt = :attempt AND status = :t_running RETURNING id, agent_id"
)

# a person needs to decide (budget spent, a tool call to approve): the task waits
WAIT_SQL = text(
    "UPDATE tasks SET status = :t_waiting_approval, waiting_reason = :reason, last_error = :message, "
    "lease_expires_at = NULL WHERE id = :id AND attempt = :attempt AND status = :t_running "
    "RETURNING id, key, agent_id"
)

# a person lets a waiting or failed task run again (a failed one starts its failure count afresh)
REQUEUE_SQL = text(
    "UPDATE tasks SET status = :t_ready, waiting_reason = NULL, dispatched_at = now(), "
    "failures = CASE WHEN status = :t_failed THEN 0 ELSE failures END "
    "WHERE id = :id AND status IN (:t_waiting_approval, :t_failed) RETURNING id"
)

# the reconciler: leases that ran out (a worker died running the task). Each counts as a crash: the
# task is ready again, or failed once its worker died ``:max_crashes`` times running it (a poison task)
EXPIRED_SQL = text(
    """
    UPDATE tasks t SET crashes = t.crashes + 1, lease_expires_at = NULL, leased_by = NULL, dispatched_at = now(),
        status = CASE WHEN t.crashes + 1 >= :max_crashes THEN :t_failed ELSE :t_ready END,
        finished_at = CASE WHEN t.crashes + 1 >= :max_crashes THEN now() ELSE t.finished_at END,
        last_error = CASE WHEN t.crashes + 1 >= :max_crashes
                          THEN 'worker died ' || (t.crashes + 1) || ' times running this task' ELSE t.last_error END
    FROM projects p
    WHERE t.status = :t_running AND t.lease_expires_at < now() AND p.id = t.project_id
    RETURNING t.id, t.key, t.title, t.attempt, t.crashes, t.status, t.last_error, t.project_id, t.plan_version,
              t.agent_id, p.team_id, p.status AS project_status
    """
)

# one agent's move, checked against AGENT_TRANSITIONS by ``agent_moves.set_agent_status`` before it runs
SET_AGENT_STATUS_SQL = text("UPDATE agents SET status = CAST(:to AS varchar) WHERE id = :id")

# agents whose slot counter or Active/Ready status disagrees with their running tasks
SLOT_DRIFT_SQL = text(
    """
    SELECT a.id FROM agents a
    LEFT JOIN (SELECT agent_id, count(*) AS n FROM tasks WHERE status = :t_running GROUP BY agent_id) r
           ON r.agent_id = a.id
    WHERE a.running_tasks <> coalesce(r.n, 0)
       OR (a.status = :a_active AND coalesce(r.n, 0) = 0) OR (a.status = :a_ready AND coalesce(r.n, 0) > 0)
    """
)
RUNNING_COUNT_SQL = text("SELECT count(*) FROM tasks WHERE agent_id = :a AND status = :t_running")

# Every statement that changes a task's or an agent's status (tests/engine/test_state_machines.py
# parses them). ``DYNAMIC``: the values a status parameter other than ``t_*``/``a_*`` may take.
STATUS_STATEMENTS: dict[str, TextClause] = {
    "CLOSE_OPEN_SQL": CLOSE_OPEN_SQL,
    "READY_ROOTS_SQL": READY_ROOTS_SQL,
    "LEASE_SQL": LEASE_SQL,
    "LEASE_READIED_SQL": LEASE_READIED_SQL,
    "COMPLETE_SQL": COMPLETE_SQL,
    "RELEASE_SQL": RELEASE_SQL,
    "PAUSE_SQL": PAUSE_SQL,
    "FAIL_SQL": FAIL_SQL,
    "WAIT_SQL": WAIT_SQL,
    "REQUEUE_SQL": REQUEUE_SQL,
    "EXPIRED_SQL": EXPIRED_SQL,
    "SET_AGENT_STATUS_SQL": SET_AGENT_STATUS_SQL,
}
DYNAMIC: dict[str, frozenset[str]] = {
    "to@CLOSE_OPEN_SQL": frozenset({TaskStatus.cancelled.value, TaskStatus.superseded.value}),
    "open@CLOSE_OPEN_SQL": frozenset(s.value for s in OPEN_TASK_STATUSES),
}
# moves whose from and to are parameters: checked against AGENT_TRANSITIONS at run time
# (``agent_moves.set_agent_status`` refuses a move the table does not list)
RUNTIME_CHECKED = frozenset({"SET_AGENT_STATUS_SQL"})
