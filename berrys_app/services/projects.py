"""Projects: who may see or change a project (``authorized``), its CRUD and its reads.

Every function checks the actor's role and scope. The lifecycle requests that move a project
through the engine's state machine (plan, approve, start, pause, cancel, retry) are one layer up,
in ``usecases/project_lifecycle.py``: this module sits below the engine, and the many services
that only read a project or check access (live access, presence, trace, transcripts, fork views,
templates) import it without reaching the engine. A project's deletion is a lifecycle request
too (its running work stops and its agents go back to the pool first). Nothing here commits: the caller owns the transaction (a request's session, a Reflex handler's
``session_scope``), so an action and its audit row commit together or not at all.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, text
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role, Team, TeamMember
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectCreate, ProjectStatus, ProjectUpdate
from berrys_app.domain.work import Agent, AgentStateChange, Deliverable, PlanVersion, Task, TaskStatus
from berrys_app.services import agents, budget_roles, keyset, planning
from berrys_app.services.authz import PROJECTS_READ, PROJECTS_WRITE, Actor, require_role, require_scope
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.events import emit
from berrys_app.services.models import catalogue_teams  # another team's own models are not ours

S = ProjectStatus
MAX_PER_PAGE = 100


def _load(session: Session, actor: Actor, project_id: uuid.UUID, *, lock: bool) -> tuple[Project, TeamMember | None]:
    """The project and the actor's membership of its team, in one statement. The member row stays
    in the session's identity map while the caller holds it: ``require_role`` finds it there
    instead of asking again. A system actor (no membership), or a project the session already
    holds and need not lock, is read with ``session.get`` (no statement for a held one)."""
    if actor.user_id is None or (not lock and session.identity_key(Project, project_id) in session.identity_map):
        project = session.get(Project, project_id, with_for_update=lock, populate_existing=lock)
        if project is None:
            raise NotFound("project not found")
        return project, None
    member_of_team = and_(col(TeamMember.team_id) == col(Project.team_id), col(TeamMember.user_id) == actor.user_id)
    query = select(Project, TeamMember).outerjoin(TeamMember, member_of_team).where(col(Project.id) == project_id)
    if lock:
        query = query.with_for_update(of=Project).execution_options(populate_existing=True)
    row = session.exec(query).first()
    if row is None:
        raise NotFound("project not found")
    project, member = row
    return project, member


def authorized(session: Session, actor: Actor, project_id: uuid.UUID, minimum: Role, *, lock: bool = False) -> Project:
    """The project, if the actor's role allows ``minimum`` and (an API key) its scope allows it too:
    checked here, so no door can do more with a key than its scopes say."""
    project, member = _load(session, actor, project_id, lock=lock)  # ``member``: held for require_role
    require_role(session, actor, project.team_id, minimum, what="project")
    require_scope(actor, PROJECTS_READ if minimum is Role.viewer else PROJECTS_WRITE)
    del member
    return project


# --- CRUD -------------------------------------------------------------------------------


def _check_model(session: Session, team_id: uuid.UUID, model: str | None) -> None:
    catalogue_teams.check_model_choice(session, team_id, model)


def create_project(session: Session, actor: Actor, *, team_id: uuid.UUID, data: ProjectCreate) -> Project:
    """A new project in ``created``; needs the member role in the team."""
    require_role(session, actor, team_id, Role.member, what="team")
    require_scope(actor, PROJECTS_WRITE)
    _check_model(session, team_id, data.model)
    project = Project(**data.model_dump(), team_id=team_id, created_by=actor.user_id)
    if project.model is None:  # the team's default (set on the Models page), else the operator's at run time
        project.model = session.exec(select(Team.default_model).where(Team.id == team_id)).first()
    session.add(project)
    session.flush()
    emit(
        session,
        EventKind.PROJECT_CREATED,
        project_id=project.id,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": project.name},
    )
    return project


def list_projects(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID | None = None,
    page: int = 1,
    per_page: int = 20,
    status: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
) -> tuple[list[Project], int | None]:
    """The actor's projects (one team or all their teams), newest first, with the total count
    (None when paged by ``cursor``: the rows after it, ``keyset``)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}")
    keyset.check(page, cursor)
    if status is not None and status not in ProjectStatus.__members__:
        raise ValidationFailed(f"unknown status {status!r}", details={"allowed": list(ProjectStatus.__members__)})
    require_scope(actor, PROJECTS_READ)
    query = select(Project)
    if team_id is not None:
        require_role(session, actor, team_id, Role.viewer, what="team")
        query = query.where(Project.team_id == team_id)
    elif not actor.is_system:
        teams = select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)
        query = query.where(col(Project.team_id).in_(teams))
    if status:
        query = query.where(Project.status == status)
    if q:
        query = query.where(col(Project.name).ilike(f"%{q.strip()}%"))
    total: int | None = None
    if cursor is not None:
        query = query.where(keyset.before_created(Project.created_at, Project.id, cursor))
    else:
        total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
        query = query.offset((page - 1) * per_page)
    rows = session.exec(query.order_by(col(Project.created_at).desc(), col(Project.id).desc()).limit(per_page))
    return list(rows.all()), total


def get_project(session: Session, actor: Actor, project_id: uuid.UUID) -> Project:
    return authorized(session, actor, project_id, Role.viewer)


def update_project(session: Session, actor: Actor, project_id: uuid.UUID, *, data: ProjectUpdate) -> Project:
    """Change settings; refused once the project is finished."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    if project.status in (S.completed, S.cancelled):
        raise Conflict(f"a {project.status} project cannot be edited")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and (changes["name"] is None or not changes["name"].strip()):
        raise ValidationFailed("name must not be blank")
    if "model" in changes:
        _check_model(session, project.team_id, changes["model"])
    for field in ("budget_usd", "budget_tokens"):
        if field in changes and budget_roles.raises(getattr(project, field), changes[field]):
            budget_roles.require_raise_role(session, actor, project.team_id, what="the project's budget")
    for key, value in changes.items():
        setattr(project, key, value.strip() if key == "name" else value)
    project.updated_at = utcnow()
    session.add(project)
    emit(
        session,
        EventKind.PROJECT_UPDATED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"fields": sorted(changes)},
    )
    return project


# --- plans (reads) --------------------------------------------------------------------------


def get_plan(session: Session, actor: Actor, project_id: uuid.UUID, version: int | None = None) -> PlanVersion:
    project = authorized(session, actor, project_id, Role.viewer)
    if version is None:
        row = planning.latest_version(session, project.id)
    else:
        row = session.exec(
            select(PlanVersion).where(PlanVersion.project_id == project.id, PlanVersion.version == version)
        ).first()
    if row is None:
        raise NotFound("plan not found" if version is None else f"plan version {version} not found")
    return row


def list_plan_versions(session: Session, actor: Actor, project_id: uuid.UUID) -> list[PlanVersion]:
    project = authorized(session, actor, project_id, Role.viewer)
    return list(
        session.exec(select(PlanVersion).where(PlanVersion.project_id == project.id).order_by(col(PlanVersion.version)))
    )


# --- reads ------------------------------------------------------------------------------


def list_tasks(session: Session, actor: Actor, project_id: uuid.UUID, *, current_only: bool = False) -> list[Task]:
    """The project's tasks in plan order (all versions, or only the executing one)."""
    project = authorized(session, actor, project_id, Role.viewer)
    query = select(Task).where(Task.project_id == project.id)
    if current_only:
        query = query.where(Task.plan_version == project.plan_version)
    return list(session.exec(query.order_by(col(Task.plan_version), col(Task.created_at), col(Task.key))))


def get_task(session: Session, actor: Actor, project_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    project = authorized(session, actor, project_id, Role.viewer)
    task = session.get(Task, task_id)
    if task is None or task.project_id != project.id:
        raise NotFound("task not found")
    return task


def list_agents(session: Session, actor: Actor, project_id: uuid.UUID) -> list[Agent]:
    """The agents assigned to a project (with ``reason`` saying why each was chosen)."""
    project = authorized(session, actor, project_id, Role.viewer)
    return agents.project_agents(session, project.id)


def _team_agent(session: Session, project: Project, agent_id: uuid.UUID) -> Agent:
    """An agent of the project's team, or NotFound (other teams' agents do not exist for the caller)."""
    agent = session.get(Agent, agent_id)
    if agent is None or agent.team_id != project.team_id:
        raise NotFound("agent not found")
    return agent


def set_agent_budget(
    session: Session,
    actor: Actor,
    project_id: uuid.UUID,
    agent_id: uuid.UUID,
    *,
    budget_usd: float | None,
    budget_tokens: int | None,
) -> Agent:
    """Set (or clear with None) an agent's hard budget; the model layer checks it before every call."""
    project = authorized(session, actor, project_id, Role.member)
    agent = _team_agent(session, project, agent_id)
    if (budget_usd is not None and budget_usd < 0) or (budget_tokens is not None and budget_tokens < 0):
        raise ValidationFailed("budgets must not be negative")
    if budget_roles.raises(agent.budget_usd, budget_usd) or budget_roles.raises(agent.budget_tokens, budget_tokens):
        budget_roles.require_raise_role(session, actor, project.team_id, what="an agent's budget")
    agent.budget_usd, agent.budget_tokens = budget_usd, budget_tokens
    session.add(agent)
    emit(
        session,
        EventKind.AGENT_BUDGET_CHANGED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"agent_id": str(agent.id), "budget_usd": budget_usd, "budget_tokens": budget_tokens},
    )
    return agent


def agent_history(session: Session, actor: Actor, project_id: uuid.UUID, agent_id: uuid.UUID) -> list[AgentStateChange]:
    """An agent's state changes, oldest first."""
    project = authorized(session, actor, project_id, Role.viewer)
    agent = _team_agent(session, project, agent_id)
    return list(
        session.exec(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent.id)
            .order_by(col(AgentStateChange.created_at))
        )
    )


def list_deliverables(session: Session, actor: Actor, project_id: uuid.UUID) -> list[Deliverable]:
    project = authorized(session, actor, project_id, Role.viewer)
    return list(
        session.exec(
            select(Deliverable).where(Deliverable.project_id == project.id).order_by(col(Deliverable.created_at))
        )
    )


def project_usage(session: Session, actor: Actor, project_id: uuid.UUID) -> dict[str, Any]:
    """Tokens and cost spent (from the model layer's ``model_calls``), task counts and budgets."""
    project = authorized(session, actor, project_id, Role.viewer)
    counts = dict(
        session.exec(
            select(Task.status, func.count()).where(Task.project_id == project.id).group_by(Task.status)  # type: ignore[arg-type]
        ).all()
    )
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    try:
        with session.begin_nested():
            row = session.execute(
                text(
                    "SELECT count(*), coalesce(sum(prompt_tokens),0), coalesce(sum(completion_tokens),0), "
                    "coalesce(sum(cost_usd),0) FROM model_calls WHERE project_id = :p"
                ),
                {"p": project.id},
            ).one()
            usage = {
                "calls": int(row[0]),
                "prompt_tokens": int(row[1]),
                "completion_tokens": int(row[2]),
                "cost_usd": float(row[3]),
            }
    except Exception:  # the model layer's table is not there (yet): report zero usage
        pass
    return {
        **usage,
        "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
        "budget_usd": project.budget_usd,
        "budget_tokens": project.budget_tokens,
        "tasks": counts,
        "waiting": counts.get(TaskStatus.waiting_approval.value, 0),
    }
