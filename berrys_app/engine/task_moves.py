"""Moves of a project's tasks that a person or the lifecycle asks for: pause, cancel, supersede,
stop before a deletion, retry (requeue), and a worker giving an interrupted task back. The caller owns the transaction."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.db import get_engine
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.state_machines import OPEN_TASK_STATUSES
from berrys_app.domain.work import AgentStatus, Task, TaskStatus
from berrys_app.engine import agent_moves, statements
from berrys_app.engine.context import TaskContext
from berrys_app.engine.jobs import task_job
from berrys_app.queue import Job
from berrys_app.services.authz import Actor
from berrys_app.services.events import emit


def worker_actor(ctx: TaskContext) -> Actor:
    return Actor.system(f"worker:{ctx.worker}")


def pause_tasks(session: Session, project: Project, *, actor: Actor) -> None:
    """Running tasks go back to ready (their workers notice and stop); agents pause."""
    rows = session.execute(statements.PAUSE_SQL, statements.bind(p=project.id)).all()
    agent_moves.give_back_slots(session, [row[2] for row in rows], reason="project paused", actor=actor, settle=False)
    for task_id, key, _agent_id in rows:
        emit(
            session,
            EventKind.TASK_INTERRUPTED,
            project_id=project.id,
            team_id=project.team_id,
            task_id=task_id,
            actor=actor.label,
            payload={"key": key, "why": "project paused"},
        )
    agent_moves.set_project_agents_status(session, project.id, AgentStatus.paused, reason="project paused", actor=actor)


def close_open_tasks(
    session: Session,
    project_id: uuid.UUID,
    to: TaskStatus,
    *,
    actor: Actor,
    reason: str,
    keep: uuid.UUID | None = None,
    settle: bool = True,
) -> list[tuple[uuid.UUID, str]]:
    """Cancel or supersede every open task of a project; running ones give their agent's slot back."""
    rows = session.execute(
        statements.CLOSE_OPEN_SQL,
        statements.bind(
            p=project_id, open=[s.value for s in OPEN_TASK_STATUSES], to=to.value, keep=keep or uuid.UUID(int=0)
        ),
    ).all()
    running = [row.agent_id for row in rows if row.was == TaskStatus.running.value]
    agent_moves.give_back_slots(session, running, reason=reason, actor=actor, settle=settle)
    return [(row.id, row.key) for row in rows]


def cancel_tasks(session: Session, project: Project, *, actor: Actor) -> None:
    rows = close_open_tasks(
        session, project.id, TaskStatus.cancelled, actor=actor, reason="project cancelled", settle=False
    )
    for task_id, key in rows:
        emit(
            session,
            EventKind.TASK_CANCELLED,
            project_id=project.id,
            team_id=project.team_id,
            task_id=task_id,
            actor=actor.label,
            payload={"key": key},
        )
    agent_moves.set_project_agents_status(
        session, project.id, AgentStatus.terminated, reason="project cancelled", actor=actor
    )


def stop_for_deletion(session: Session, project: Project, *, actor: Actor) -> None:
    """Before a project's rows go: its open tasks close (a running one gives its agent's slot
    back; its worker finds the lease gone within ``control_poll_s`` and stops), and its agents
    go back to the team's pool as Ready -- not left paused, or busy with slots nobody gives back."""
    close_open_tasks(session, project.id, TaskStatus.cancelled, actor=actor, reason="project deleted", settle=False)
    agent_moves.release_project_agents(session, project.id, reason="project deleted", actor=actor)


def requeue_task(session: Session, project: Project, task: Task, *, actor: Actor) -> list[Job]:
    """Make a waiting/failed task ready again (a person approved more budget, fixed a tool, ...)."""
    session.flush()
    session.execute(statements.REQUEUE_SQL, statements.bind(id=task.id))
    session.refresh(task)
    emit(
        session,
        EventKind.TASK_READY,
        project_id=project.id,
        team_id=project.team_id,
        task_id=task.id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"key": task.key, "why": "retried by a person"},
    )
    if project.status == ProjectStatus.executing.value:
        return [task_job(task.id, task.attempt)]
    return []


def release_task(ctx: TaskContext) -> None:
    """Give an interrupted task back (ready, or cancelled if its project was cancelled meanwhile).

    ``task.stopped`` says the worker really stopped working on it (pause/cancel took effect).
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        released = session.execute(statements.RELEASE_SQL, statements.bind(id=ctx.task_id, attempt=ctx.attempt)).all()
        agent_moves.give_back_slots(
            session, [row.agent_id for row in released], reason="task interrupted", actor=worker_actor(ctx)
        )
        # what the task is now, for the pages: the pause or cancel usually moved it already
        now = (
            released[0].status if released else session.exec(select(Task.status).where(Task.id == ctx.task_id)).first()
        )
        emit(
            session,
            EventKind.TASK_STOPPED,
            project_id=ctx.project_id,
            team_id=ctx.team_id,
            task_id=ctx.task_id,
            actor=ctx.worker,
            payload={"key": ctx.key, "attempt": ctx.attempt, "status": now},
        )
        session.commit()
