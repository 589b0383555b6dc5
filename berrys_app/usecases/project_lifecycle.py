"""Project lifecycle requests: who may ask, then the engine's state machine.

Planning (ask the planner, submit, approve, reject a plan), execution controls (start, pause,
resume, cancel, a person's retry of a task, the retry an approval decision lets through) and the
project's deletion. Each verb checks the actor's role and scope (``services.projects.authorized``), then calls the engine
(``engine.lifecycle`` holds the state machine, ``engine.task_moves`` the task moves); plan
decisions and deletions add their audit row. This layer sits between the front doors and the engine because it
calls the engine, which the services below it must not. Nothing here commits: the caller owns the
transaction (a request's session, a Reflex handler's ``session_scope``), so an action and its
audit row commit together or not at all, and follow-up jobs go through
``events.send_after_commit``: a worker never sees uncommitted rows, and a refused request queues
nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.collab import Approval, ApprovalStatus
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import PlanStatus, PlanVersion, Task, TaskStatus
from berrys_app.engine import lifecycle, task_moves
from berrys_app.engine.jobs import plan_job
from berrys_app.engine.lifecycle import transition
from berrys_app.services import audit, budget_roles, planning, task_approvals, usage_rollup
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.events import emit, send_after_commit
from berrys_app.services.projects import authorized

S = ProjectStatus


# --- planning and review --------------------------------------------------------------------


def request_plan(session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    """Ask the planner (an arq job) for a plan."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    transition(session, project, S.planning, actor=actor, reason="plan requested")
    number = lifecycle.plan_attempt(session, project)
    send_after_commit(session, [plan_job(project.id, number)])
    return project


def submit_plan(session: Session, actor: Actor, project_id: uuid.UUID, plan: Any) -> PlanVersion:
    """A hand-made (or edited) plan, strictly validated; it goes to review like a planner's."""
    return submit_plan_for(session, actor, project_id, plan)[1]


def submit_plan_for(session: Session, actor: Actor, project_id: uuid.UUID, plan: Any) -> tuple[Project, PlanVersion]:
    """``submit_plan``, returning the project too (locked and checked here): a door that answers
    with the project (REST) need not load it and check the access again."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    done = planning.work_done(session, project)
    validated = planning.validate_plan(plan, done_keys=set(done))
    first = project.status == S.created  # never planned: no earlier version
    if project.status in (S.created, S.rejected, S.ready, S.paused, S.failed):
        transition(session, project, S.planning, actor=actor, reason="plan submitted by hand")
    elif project.status not in (S.planning, S.plan_review):
        raise Conflict(f"a plan cannot be submitted while the project is {project.status}")
    version = planning.store_plan_version(session, project, validated, source="manual", actor=actor, first=first)
    if project.status == S.planning:
        transition(session, project, S.plan_review, actor=actor, reason=f"plan v{version.version} proposed")
    jobs = lifecycle.auto_approve(session, project, version)
    send_after_commit(session, jobs)
    return project, version


def approve_plan(session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    """Approve the proposed plan: tasks are created, the team assembled; a replan resumes
    execution. Audited (REST, the project page and the inbox all come here)."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    send_after_commit(session, lifecycle.approve(session, project, actor=actor))
    audit.record(
        session,
        action="plan.approved",
        actor=actor,
        team_id=project.team_id,
        target_type="project",
        target_id=project.id,
    )
    return project


def reject_plan(session: Session, actor: Actor, project_id: uuid.UUID, *, reason: str) -> Project:
    """Reject the proposed plan with a reason (the project can then be planned again). Audited."""
    if not reason or not reason.strip():
        raise ValidationFailed("a rejection needs a reason")
    project = authorized(session, actor, project_id, Role.member, lock=True)
    if project.status != S.plan_review:
        raise Conflict(f"only a plan in review can be rejected; the project is {project.status}")
    plan = planning.latest_version(session, project.id)
    if plan is not None and plan.status == PlanStatus.proposed.value:
        plan.status = PlanStatus.rejected.value
        plan.reason = reason.strip()
        session.add(plan)
    emit(
        session,
        EventKind.PLAN_REJECTED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"version": plan.version if plan else None, "reason": reason.strip()},
    )
    transition(session, project, S.rejected, actor=actor, reason=reason.strip())
    audit.record(
        session,
        action="plan.rejected",
        actor=actor,
        team_id=project.team_id,
        target_type="project",
        target_id=project.id,
        details={"reason": reason.strip()},
    )
    return project


# --- execution controls ---------------------------------------------------------------------


def execute_project(session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    """Start executing an approved plan (ready -> executing)."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    if project.status != S.ready:
        raise Conflict(f"only a ready project can be executed; it is {project.status}")
    jobs = lifecycle.start(session, project, actor=actor, reason="execution started")
    send_after_commit(session, jobs)
    return project


def pause_project(session: Session, actor: Actor, project_id: uuid.UUID, *, reason: str | None = None) -> Project:
    """Pause: nothing new starts; running tasks are interrupted within ``control_poll_s`` and re-run on resume."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    transition(session, project, S.paused, actor=actor, reason=reason or "paused")
    task_moves.pause_tasks(session, project, actor=actor)
    return project


def resume_project(session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    project = authorized(session, actor, project_id, Role.member, lock=True)
    if project.status != S.paused:
        raise Conflict(f"only a paused project can be resumed; it is {project.status}")
    jobs = lifecycle.start(session, project, actor=actor, reason="resumed")
    send_after_commit(session, jobs)
    return project


def cancel_project(session: Session, actor: Actor, project_id: uuid.UUID, *, reason: str | None = None) -> Project:
    """Cancel: open tasks are cancelled, running ones stop within ``control_poll_s``, agents terminate."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    transition(session, project, S.cancelled, actor=actor, reason=reason or "cancelled")
    task_moves.cancel_tasks(session, project, actor=actor)
    return project


def delete_project(session: Session, actor: Actor, project_id: uuid.UUID) -> None:
    """Delete a project and everything it owns (admin). Its running work stops first: open tasks
    close (their workers stop within ``control_poll_s``; queued jobs find nothing to lease) and
    its agents go back to the team's pool, Ready, for later projects. Audited."""
    project = authorized(session, actor, project_id, Role.admin, lock=True)
    task_moves.stop_for_deletion(session, project, actor=actor)
    audit.record(
        session,
        action="project.deleted",
        actor=actor,
        team_id=project.team_id,
        target_type="project",
        target_id=project.id,
        details={"name": project.name},
    )
    emit(
        session,
        EventKind.PROJECT_DELETED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": project.name},
    )
    usage_rollup.forget_project(session, project_id=project.id, team_id=project.team_id)  # its calls go with it
    session.delete(project)


def retry_task(session: Session, actor: Actor, project_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    """A person lets a waiting (e.g. budget_exceeded) or failed task run again."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    task = session.get(Task, task_id, with_for_update=True)
    if task is None or task.project_id != project.id:
        raise NotFound("task not found")
    if task.status not in (TaskStatus.waiting_approval, TaskStatus.failed):
        raise Conflict(f"only a waiting or failed task can be retried; it is {task.status}")
    budget_roles.require_decider_for_task(session, actor, project.team_id, task.id)
    jobs = task_moves.requeue_task(session, project, task, actor=actor)
    task_approvals.close_for_task(session, actor, task.id)
    send_after_commit(session, jobs)
    return task


def after_approval_decision(session: Session, actor: Actor, approval: Approval) -> None:
    """A decided task approval lets the task run again (if it still waits or failed): an
    approved one, and a rejected tool call too (the call then fails with the person's reason
    and the agent goes on with that)."""
    if approval.project_id is None or approval.task_id is None:
        return
    if approval.status != ApprovalStatus.approved.value and not task_approvals.is_tool_call(approval):
        return
    task = session.get(Task, approval.task_id)
    if task is not None and task.status in (TaskStatus.waiting_approval.value, TaskStatus.failed.value):
        retry_task(session, actor, approval.project_id, approval.task_id)
