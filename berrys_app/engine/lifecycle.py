"""The project's lifecycle state machine and the engine-side steps that move it.

created -> planning -> plan_review -> ready -> executing <-> paused -> completed | failed, plus
rejected (-> planning again) and cancelled. Every transition is checked here, stored with its
reason and emitted as ``project.status_changed`` in the caller's transaction. The lifecycle
requests (``usecases.project_lifecycle``) check who may ask; the workers (planner, runs,
aggregation) call these steps directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from berrys_app import tracing
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import PlanStatus, PlanVersion
from berrys_app.engine.materialise import materialize_plan, start_project
from berrys_app.queue import Job
from berrys_app.services import collab, planning
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Conflict
from berrys_app.services.events import emit

S = ProjectStatus
TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    S.created: frozenset({S.planning, S.cancelled}),
    S.planning: frozenset({S.plan_review, S.failed, S.cancelled}),
    S.plan_review: frozenset({S.ready, S.rejected, S.planning, S.cancelled}),
    S.rejected: frozenset({S.planning, S.cancelled}),
    S.ready: frozenset({S.executing, S.planning, S.cancelled}),
    S.executing: frozenset({S.paused, S.completed, S.failed, S.cancelled, S.planning}),
    S.paused: frozenset({S.executing, S.cancelled, S.planning, S.failed}),
    S.failed: frozenset({S.planning}),
    S.completed: frozenset(),
    S.cancelled: frozenset(),
}


def transition(
    session: Session, project: Project, to: ProjectStatus, *, actor: Actor, reason: str | None = None
) -> None:
    """Apply one lifecycle step or raise ``Conflict`` naming the allowed ones."""
    current = ProjectStatus(project.status)
    if to not in TRANSITIONS[current]:
        allowed = sorted(s.value for s in TRANSITIONS[current])
        raise Conflict(
            f"a {current.value} project cannot become {to.value}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (it is final)"),
            details={"from": current.value, "to": to.value, "allowed": allowed},
        )
    project.status = to.value
    project.status_reason = reason
    project.updated_at = utcnow()
    session.add(project)
    emit(
        session,
        EventKind.PROJECT_STATUS_CHANGED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"from": current.value, "to": to.value, "reason": reason, "by": actor.label},
    )
    collab.on_project_transition(session, project, before=current, after=to, actor=actor)  # the inbox
    if to in (S.completed, S.failed, S.cancelled):  # the run ended: its trace gets its root span
        tracing.end_project(project.id, project.name, started=project.created_at, status=to.value)


def plan_attempt(session: Session, project: Project) -> int:
    """The number of the planner job to send next (its id: a lost one is re-sent under the same id)."""
    return (session.exec(select(func.count()).where(PlanVersion.project_id == project.id)).one() or 0) + 1


def start(session: Session, project: Project, *, actor: Actor, reason: str) -> list[Job]:
    """ready/paused -> executing: the tasks without open dependencies become ready."""
    transition(session, project, S.executing, actor=actor, reason=reason)
    return start_project(session, project, actor=actor)


def approve(
    session: Session,
    project: Project,
    *,
    actor: Actor,
    copied: Mapping[str, str] | None = None,
    plan: PlanVersion | None = None,
) -> list[Job]:
    """Approve the proposed plan: tasks are created, the team assembled; a replan resumes execution.

    ``copied``: a fork's upstream tasks, created completed with their recorded output; a fork runs at once.
    ``plan``: the latest version when the caller has just stored it (under the project's lock),
    read here otherwise.
    """
    if project.status != S.plan_review:
        raise Conflict(f"only a plan in review can be approved; the project is {project.status}")
    if plan is None:
        plan = planning.latest_version(session, project.id)
    if plan is None or plan.status != PlanStatus.proposed.value:
        raise Conflict("there is no proposed plan to approve")
    was_running = project.plan_version > 0
    materialize_plan(session, project, plan, actor=actor, copied=copied)
    emit(
        session,
        EventKind.PLAN_APPROVED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"version": plan.version},
    )
    transition(session, project, S.ready, actor=actor, reason=f"plan v{plan.version} approved")
    if was_running or project.auto_approve or copied is not None:
        reason = "replanned work continues" if was_running else "fork runs" if copied is not None else "auto-approved"
        return start(session, project, actor=actor, reason=reason)
    return []


def auto_approve(session: Session, project: Project, plan: PlanVersion) -> list[Job]:
    """A project set to approve its own plans approves the one in review (``plan``, the version
    its caller has just stored: the latest)."""
    if project.status == S.plan_review and project.auto_approve:
        return approve(session, project, actor=Actor.system("auto-approve"), plan=plan)
    return []


def accept_planner_plan(
    session: Session,
    project: Project,
    data: Any,
    *,
    actor: Actor,
    replan_reason: str | None = None,
    warnings: list[str] | None = None,
) -> list[Job]:
    """Store what the planner proposed (leniently repaired) and move to review (worker side).

    The caller locked the project row; returns jobs to dispatch after commit.
    """
    done = planning.work_done(session, project)
    validated = planning.validate_plan(data, done_keys=set(done), lenient=True)
    validated.warnings = [*(warnings or []), *validated.warnings]
    version = planning.store_plan_version(
        session, project, validated, source="replan" if replan_reason else "planner", actor=actor, reason=replan_reason
    )
    transition(session, project, S.plan_review, actor=actor, reason=f"plan v{version.version} proposed")
    return auto_approve(session, project, version)
