"""What the end of a run that did not complete does to its task: retry after a backoff, fail
(and replan the project, or fail it), or wait for a person. Each is one transaction, fenced by
the attempt: a worker that lost its lease changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from berrys_app.db import get_engine
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import Task, TaskStatus
from berrys_app.engine import agent_moves, statements
from berrys_app.engine.context import TaskContext
from berrys_app.engine.jobs import plan_job, task_job
from berrys_app.engine.lifecycle import plan_attempt, transition
from berrys_app.engine.task_moves import close_open_tasks, worker_actor
from berrys_app.queue import Job
from berrys_app.services.authz import Actor
from berrys_app.services.events import emit
from berrys_app.services.task_approvals import open_for_waiting_task
from berrys_app.settings import get_settings

# context_overflow is fatal because the engine's calls set ``fit_context``: the model layer has already
# trimmed the prompt, so an overflow means trimming cannot help (the system prompt alone is too long).
# degenerate_output is fatal because a retry replays the recorded answer (no model call is repeated);
# no_recording: a replay has nothing to answer that call with.
FATAL_MODEL_REASONS = frozenset(
    {"unknown_model", "missing_api_key", "context_overflow", "network_disabled", "no_recording", "degenerate_output"}
)


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def wait_for_person(ctx: TaskContext, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
    """The task cannot go on without a person (the budget is spent, a tool call needs approval):
    it waits, the project says why; ``details`` go on the inbox approval."""
    with _session() as session:
        row = session.execute(
            statements.WAIT_SQL,
            statements.bind(id=ctx.task_id, attempt=ctx.attempt, reason=reason, message=message),
        ).first()
        if row is None:  # the lease is gone (paused, cancelled, taken over): nothing to wait for
            session.rollback()
            return
        task = session.get(Task, ctx.task_id)
        assert task is not None
        agent_moves.give_back_slots(session, [task.agent_id], reason="task waits for a person", actor=worker_actor(ctx))
        project = session.get(Project, ctx.project_id, with_for_update=True)
        if project is not None:
            project.status_reason = f"task {task.key} is waiting for a person: {reason}"
            project.updated_at = utcnow()
            session.add(project)
            open_for_waiting_task(session, project, task, reason=reason, message=message, details=details)
        emit(
            session,
            EventKind.TASK_WAITING,
            project_id=ctx.project_id,
            team_id=ctx.team_id,
            task_id=ctx.task_id,
            actor=ctx.worker,
            payload={"key": ctx.key, "reason": reason, "message": message},
        )
        session.commit()


def record_failure(ctx: TaskContext, error: str, *, fatal: bool) -> list[Job]:
    """Retry with exponential backoff, or fail the task and ask for a replan (bounded) or fail the project."""
    failures = ctx.failures + 1
    give_up = fatal or failures >= ctx.max_attempts
    backoff = get_settings().retry_backoff_s * (2 ** (failures - 1))
    with _session() as session:
        row = session.execute(
            statements.FAIL_SQL,
            statements.bind(
                failures=failures,
                error=error[:4000],
                retry=not give_up,
                backoff=backoff,
                id=ctx.task_id,
                attempt=ctx.attempt,
            ),
        ).first()
        if row is None:
            session.rollback()
            return []
        agent_moves.give_back_slots(session, [row.agent_id], reason="task failed", actor=worker_actor(ctx))
        if not give_up:
            emit(
                session,
                EventKind.TASK_RETRYING,
                project_id=ctx.project_id,
                team_id=ctx.team_id,
                task_id=ctx.task_id,
                actor=ctx.worker,
                payload={"key": ctx.key, "failures": failures, "error": error[:500], "retry_in_s": backoff},
            )
            session.commit()
            return [task_job(ctx.task_id, ctx.attempt, backoff)]
        emit(
            session,
            EventKind.TASK_FAILED,
            project_id=ctx.project_id,
            team_id=ctx.team_id,
            task_id=ctx.task_id,
            actor=ctx.worker,
            payload={"key": ctx.key, "failures": failures, "error": error[:500]},
        )
        jobs = _after_task_failed(
            session,
            ctx.project_id,
            ctx.plan_version,
            f"task {ctx.key} ({ctx.title}) failed after {failures} attempt(s): {error}",
            actor=worker_actor(ctx),
            task_id=ctx.task_id,
        )
        session.commit()
    return jobs


def fail_crashed(session: Session, crashed: Mapping[str, Any], *, actor: Actor) -> list[Job]:
    """A task whose worker died ``max_task_crashes`` times running it was failed by the
    reconciler's ``EXPIRED_SQL`` (row ``crashed``): say so, then replan or fail the project."""
    emit(
        session,
        EventKind.TASK_FAILED,
        project_id=crashed["project_id"],
        team_id=crashed["team_id"],
        task_id=crashed["id"],
        actor=actor.label,
        payload={"key": crashed["key"], "crashes": crashed["crashes"], "error": crashed["last_error"]},
    )
    why = f"task {crashed['key']} ({crashed['title']}) failed: {crashed['last_error']}"
    return _after_task_failed(
        session, crashed["project_id"], crashed["plan_version"], why, actor=actor, task_id=crashed["id"]
    )


def _after_task_failed(
    session: Session, project_id: uuid.UUID, plan_version: int, why: str, *, actor: Actor, task_id: uuid.UUID
) -> list[Job]:
    """A task failed for good: the project replans (while it has replans left) or fails."""
    project = session.get(Project, project_id, with_for_update=True, populate_existing=True)
    live = (ProjectStatus.executing.value, ProjectStatus.paused.value)  # paused meanwhile: still decide now
    if project is None or project.status not in live or project.plan_version != plan_version:
        return []
    if project.replans_used < project.max_replans:
        project.replans_used += 1
        transition(
            session,
            project,
            ProjectStatus.planning,
            actor=actor,
            reason=f"replan {project.replans_used}/{project.max_replans}: {why}",
        )
        return [plan_job(project.id, plan_attempt(session, project))]
    transition(session, project, ProjectStatus.failed, actor=actor, reason=why[:2000])
    # nothing else of a failed project may start; running ones stop via their watcher
    close_open_tasks(session, project.id, TaskStatus.cancelled, actor=actor, reason="project failed", keep=task_id)
    agent_moves.release_project_agents(session, project.id, reason="project failed", actor=actor)
    return []
