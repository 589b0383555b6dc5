"""Plan -> tasks: an approved plan version becomes task rows and edges, and a project's start
makes its tasks without open dependencies ready. The caller owns the transaction and sends the
returned jobs after commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, update

from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import Project
from berrys_app.domain.work import PlanStatus, PlanVersion, Task, TaskDependency, TaskStatus
from berrys_app.engine import agent_moves, statements
from berrys_app.engine.jobs import aggregate_job, task_job, tasks_job
from berrys_app.engine.task_moves import close_open_tasks
from berrys_app.queue import Job
from berrys_app.services import agents, planning
from berrys_app.services.authz import Actor
from berrys_app.services.events import emit_written


def materialize_plan(
    session: Session, project: Project, plan: PlanVersion, *, actor: Actor, copied: Mapping[str, str] | None = None
) -> list[Task]:
    """Create the approved version's tasks and edges, supersede open tasks of older versions, staff them.

    ``copied`` (a fork's upstream, key -> recorded output): those tasks are created completed with
    their output; they count as done for their dependents and are not staffed.
    """
    copied = copied or {}
    now = utcnow()
    if project.plan_version:  # a first approved plan has no tasks and no approved version to supersede
        close_open_tasks(session, project.id, TaskStatus.superseded, actor=actor, reason="superseded by a new plan")
        session.exec(  # type: ignore[call-overload]
            update(PlanVersion)
            .where(col(PlanVersion.project_id) == project.id, col(PlanVersion.status) == PlanStatus.approved.value)
            .values(status=PlanStatus.superseded.value)
        )
    done = planning.work_done(session, project)
    spec = planning.PlanIn.model_validate(plan.plan)
    by_key: dict[str, Task] = {}
    for item in spec.tasks:
        by_key[item.id] = Task(
            project_id=project.id,
            plan_version=plan.version,
            key=item.id,
            title=item.title,
            description=item.description,
            capabilities=item.capabilities,
            expected_output=item.expected_output,
            estimated_minutes=item.estimated_minutes,
            priority=item.priority,
        )
        if item.id in copied:
            by_key[item.id].status = TaskStatus.completed.value
            by_key[item.id].output = copied[item.id]
            by_key[item.id].started_at = by_key[item.id].finished_at = now
            by_key[item.id].assignment_reason = "copied from the forked project (not run again)"
    depended_on: set[str] = set()
    edges: list[TaskDependency] = []
    for item in spec.tasks:
        task = by_key[item.id]
        for dep in item.depends_on:
            upstream = by_key.get(dep.task) or done.get(dep.task)
            if upstream is None:  # validated before; defensive
                continue
            edges.append(TaskDependency(task_id=task.id, depends_on_id=upstream.id, kind=dep.type))
            if dep.task in by_key:
                depended_on.add(dep.task)
                task.remaining_deps += dep.task not in copied
    for key, task in by_key.items():
        task.is_sink = key not in depended_on
    # staffed before their insert (one INSERT with their agents, no UPDATE after); agents it creates
    # are flushed by it, the tasks then, the edges last (foreign keys)
    agents.assemble_team(session, project, [t for key, t in by_key.items() if key not in copied], actor=actor)
    session.add_all(by_key.values())
    session.flush()
    session.add_all(edges)
    plan.status = PlanStatus.approved.value
    session.add(plan)
    project.plan_version = plan.version
    project.sinks_remaining = sum(1 for key, t in by_key.items() if t.is_sink and key not in copied)
    session.add(project)
    return list(by_key.values())


def start_project(session: Session, project: Project, *, actor: Actor) -> list[Job]:
    """On execute/resume: tasks without open dependencies become ready; everything ready is (re)enqueued."""
    session.flush()  # the transition's event first: the statement's events follow it
    written, rows = session.execute(
        statements.READY_ROOTS_SQL, statements.bind(p=project.id, v=project.plan_version, team=project.team_id)
    ).one()
    emit_written(session, written or [])
    now = utcnow()
    ready = [(row["id"], row["attempt"], _timestamp(row["next_attempt_at"])) for row in rows or []]
    due = [(task_id, attempt) for task_id, attempt, next_at in ready if not next_at or next_at <= now]
    jobs = [tasks_job(project.id, due)] if len(due) > 1 else [task_job(task_id, attempt) for task_id, attempt in due]
    jobs += [
        task_job(task_id, attempt, (next_at - now).total_seconds())
        for task_id, attempt, next_at in ready
        if next_at and next_at > now
    ]
    agent_moves.wake_project_agents(session, project.id, reason="project executing", actor=actor)
    if project.sinks_remaining <= 0:
        jobs.append(aggregate_job(project.id, project.plan_version))
    return jobs


def _timestamp(value: str | None) -> datetime | None:
    """A ``timestamptz`` as json_build_object renders it."""
    return datetime.fromisoformat(value) if value else None
