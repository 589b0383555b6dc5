"""The reconciler: PostgreSQL says what should be queued; make Redis agree.

Runs every ``reconcile_interval_s`` (arq cron). It takes back tasks whose lease
expired (a worker died: kill -9, OOM, lost host) with their agents' slots -- each expiry is a
crash of the task: at ``max_task_crashes`` it fails with that reason instead of looping -- and
settles the dead attempts' calls in flight as spent (``budgets.settle_lost``), recounts agent slots
that drifted from the task rows, and re-enqueues every ready task not readied just now (the
worker that readied it leases it itself), every due task, every lost aggregation and every lost
planning job. Job ids are
deterministic and enqueue is ``SET NX``, so re-enqueueing what is still queued is a
no-op; after a Redis FLUSHALL the queue is rebuilt from the rows.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import get_engine
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.work import TaskStatus
from berrys_app.engine import agent_moves, statements
from berrys_app.engine.jobs import aggregate_job, plan_job, task_job
from berrys_app.engine.outcomes import fail_crashed
from berrys_app.queue import Job, dispatch
from berrys_app.services.authz import Actor
from berrys_app.services.events import emit
from berrys_app.services.models import budgets
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

_RUNNABLE_SQL = text(
    """
    SELECT t.id, t.attempt, greatest(0, extract(epoch FROM (t.next_attempt_at - now())))::float AS wait_s,
           coalesce(CASE WHEN t.status = :t_ready THEN t.dispatched_at ELSE t.next_attempt_at END, '-infinity')
               < now() - make_interval(secs => :lease_s) AS stale
    FROM tasks t JOIN projects p ON p.id = t.project_id
    WHERE p.status = :p_executing AND t.plan_version = p.plan_version
      AND ((t.status = :t_ready AND (coalesce(t.dispatched_at, '-infinity') < now() - make_interval(secs => :fresh_s)
                                    OR t.id = ANY(CAST(:expired AS uuid[]))))
           OR (t.status = :t_retrying AND t.next_attempt_at <= now() + interval '1 second'))
    """
)
# A task made ready less than ``Settings.reconcile_fresh_s`` ago is being leased by the worker that
# readied it (or its job is on the way): queueing it too would only make a job that finds it running.

# A job picked by a worker that died before leasing stays "in progress" in arq until its
# in-progress key expires (job timeout + 10 s): such stale tasks get a job under a fresh id.
_REDISPATCH_SQL = text("UPDATE tasks SET dispatched_at = now() WHERE id = ANY(:ids)")

_AGGREGATE_SQL = text(
    "SELECT id, plan_version FROM projects WHERE status = :p_executing AND sinks_remaining <= 0 AND plan_version > 0"
)

_PLANNING_SQL = text(
    """
    SELECT p.id, (SELECT count(*) FROM plan_versions v WHERE v.project_id = p.id) + 1 AS number
    FROM projects p WHERE p.status = :p_planning
    """
)


@dataclass
class ReconcileReport:
    expired: int = 0
    crashed: int = 0  # failed: their workers died max_task_crashes times running them
    calls_settled: int = 0
    redispatched: int = 0
    enqueued_tasks: int = 0
    aggregations: int = 0
    plans: int = 0
    agents_recounted: int = 0


def reconcile_once() -> ReconcileReport:
    """One pass; safe to run concurrently on every worker (all writes are idempotent)."""
    report = ReconcileReport()
    jobs: list[Job] = []
    actor = Actor.system("reconciler")
    with Session(get_engine(), expire_on_commit=False) as session:
        expired = (
            session.execute(statements.EXPIRED_SQL, statements.bind(max_crashes=get_settings().max_task_crashes))
            .mappings()
            .all()
        )
        agent_moves.give_back_slots(session, [row["agent_id"] for row in expired], reason="lease expired", actor=actor)
        report.calls_settled = budgets.settle_lost(session, [row["id"] for row in expired])
        for row in expired:
            report.expired += 1
            emit(
                session,
                EventKind.TASK_LEASE_EXPIRED,
                project_id=row["project_id"],
                team_id=row["team_id"],
                task_id=row["id"],
                actor="reconciler",
                payload={"key": row["key"], "attempt": row["attempt"], "crashes": row["crashes"]},
            )
            if row["status"] == TaskStatus.failed.value:
                report.crashed += 1
                jobs.extend(fail_crashed(session, row, actor=actor))
        session.commit()
        report.agents_recounted = agent_moves.resync_slots(session, actor=actor)
        session.commit()
        stale: list[uuid.UUID] = []
        runnable = session.execute(
            _RUNNABLE_SQL,
            statements.bind(
                lease_s=get_settings().lease_s,
                fresh_s=get_settings().reconcile_fresh_s,
                expired=[row["id"] for row in expired],
            ),
        ).all()
        for task_id, attempt, wait_s, is_stale in runnable:
            job = task_job(task_id, attempt, float(wait_s or 0.0))
            if is_stale:
                stale.append(task_id)
                job = job._replace(job_id=f"{job.job_id}:r{uuid.uuid4().hex[:8]}")
            jobs.append(job)
            report.enqueued_tasks += 1
        if stale:
            session.execute(_REDISPATCH_SQL, {"ids": stale})
            session.commit()
            report.redispatched = len(stale)
        for project_id, plan_version in session.execute(_AGGREGATE_SQL, statements.bind()).all():
            jobs.append(aggregate_job(project_id, plan_version))
            report.aggregations += 1
        for project_id, number in session.execute(_PLANNING_SQL, statements.bind()).all():
            jobs.append(plan_job(project_id, int(number)))
            report.plans += 1
        session.rollback()
    dispatch(jobs)
    if report.expired:
        log.info("reconciler: %d expired lease(s) taken back", report.expired)
    return report
