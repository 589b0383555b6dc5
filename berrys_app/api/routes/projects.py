"""Projects: CRUD, plan (generate / submit / review), lifecycle, tasks, results, usage, agents."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, KeysetPageDep, ListOf, SessionDep, access, keyset_page, list_of
from berrys_app.api.fast_tasks import accepts_gzip, etag_matches
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import (
    AgentBudget,
    AgentPublic,
    AgentStateChangePublic,
    DeliverablePublic,
    PlanRequested,
    PlanVersionPublic,
    TaskPublic,
    UsagePublic,
)
from berrys_app.domain.projects import Project, ProjectCreate, ProjectPublic, ProjectStatus, ProjectUpdate
from berrys_app.services import keyset, projects, task_listing
from berrys_app.services.planning import PlanIn
from berrys_app.usecases import project_lifecycle

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], responses=PROBLEM_RESPONSES)
READ, WRITE = "projects:read", "projects:write"


class ProjectIn(ProjectCreate):
    team_id: uuid.UUID


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class OptionalReasonIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


def _public(project: Project) -> ProjectPublic:
    return ProjectPublic.model_validate(project, from_attributes=True)


@router.get("", **access("user", READ))
def list_projects(
    session: SessionDep,
    actor: CurrentActor,
    paging: KeysetPageDep,
    team_id: uuid.UUID | None = None,
    status_: Annotated[ProjectStatus | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> ListOf[ProjectPublic]:
    """Projects of one team (``team_id``) or of all the caller's teams, newest first; page by
    ``?cursor=`` (``meta.next_cursor``) or by ``?page=``."""
    per_page = min(paging.per_page, projects.MAX_PER_PAGE)
    paging = dataclasses.replace(paging, per_page=per_page)
    rows, total = projects.list_projects(
        session,
        actor,
        team_id=team_id,
        page=paging.page,
        per_page=per_page,
        status=status_.value if status_ else None,
        q=q,
        cursor=paging.cursor,
    )
    data = [_public(r) for r in rows]
    return ListOf[ProjectPublic].model_validate(
        keyset_page(rows, total=total, paging=paging, key=keyset.created_key, data=data)
    )


@router.post("", status_code=status.HTTP_201_CREATED, **access("member", WRITE))
def create_project(body: ProjectIn, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    data = ProjectCreate.model_validate(body.model_dump(exclude={"team_id"}))
    return _public(projects.create_project(session, actor, team_id=body.team_id, data=data))


@router.get("/{project_id}", **access("viewer", READ))
def get_project(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    return _public(projects.get_project(session, actor, project_id))


@router.patch("/{project_id}", **access("member", WRITE))
def update_project(
    project_id: uuid.UUID, body: ProjectUpdate, session: SessionDep, actor: CurrentActor
) -> ProjectPublic:
    return _public(projects.update_project(session, actor, project_id, data=body))


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", WRITE))
def delete_project(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    project_lifecycle.delete_project(session, actor, project_id)


# --- plan -------------------------------------------------------------------------------


@router.post("/{project_id}/plan", status_code=status.HTTP_202_ACCEPTED, **access("member", WRITE))
def plan(
    project_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    body: Annotated[PlanIn | None, Body(description="a hand-made plan; omit to ask the planner")] = None,
) -> PlanRequested:
    """Generate a plan (the planner runs as a job) or submit one by hand; either goes to review."""
    if body is None:
        project = project_lifecycle.request_plan(session, actor, project_id)
        return PlanRequested(project=_public(project))
    project, version = project_lifecycle.submit_plan_for(session, actor, project_id, body.model_dump())
    return PlanRequested(project=_public(project), plan=PlanVersionPublic.model_validate(version))


@router.get("/{project_id}/plan", **access("viewer", READ))
def get_plan(
    project_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> PlanVersionPublic:
    """The latest plan version (or ``?version=n``)."""
    return PlanVersionPublic.model_validate(projects.get_plan(session, actor, project_id, version))


@router.get("/{project_id}/plan/versions", **access("viewer", READ))
def list_plan_versions(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[PlanVersionPublic]:
    rows = [PlanVersionPublic.model_validate(v) for v in projects.list_plan_versions(session, actor, project_id)]
    return ListOf[PlanVersionPublic].model_validate(list_of(rows))


@router.post("/{project_id}/plan/approve", **access("member", WRITE))
def approve_plan(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    return _public(project_lifecycle.approve_plan(session, actor, project_id))


@router.post("/{project_id}/plan/reject", **access("member", WRITE))
def reject_plan(project_id: uuid.UUID, body: ReasonIn, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    return _public(project_lifecycle.reject_plan(session, actor, project_id, reason=body.reason))


# --- lifecycle --------------------------------------------------------------------------


@router.post("/{project_id}/execute", **access("member", WRITE))
def execute(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    return _public(project_lifecycle.execute_project(session, actor, project_id))


@router.post("/{project_id}/pause", **access("member", WRITE))
def pause(
    project_id: uuid.UUID, session: SessionDep, actor: CurrentActor, body: OptionalReasonIn | None = None
) -> ProjectPublic:
    return _public(project_lifecycle.pause_project(session, actor, project_id, reason=body.reason if body else None))


@router.post("/{project_id}/resume", **access("member", WRITE))
def resume(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    return _public(project_lifecycle.resume_project(session, actor, project_id))


@router.post("/{project_id}/cancel", **access("member", WRITE))
def cancel(
    project_id: uuid.UUID, session: SessionDep, actor: CurrentActor, body: OptionalReasonIn | None = None
) -> ProjectPublic:
    return _public(project_lifecycle.cancel_project(session, actor, project_id, reason=body.reason if body else None))


# --- tasks, results, usage, agents --------------------------------------------------------


@router.get(
    "/{project_id}/tasks",
    response_model=ListOf[TaskPublic],
    responses={304: {"description": "not modified (If-None-Match matched the ETag)"}},
    **access("viewer", READ),
)
def list_tasks(
    project_id: uuid.UUID, request: Request, session: SessionDep, actor: CurrentActor, current_only: bool = False
) -> Response:
    """Every task of the project in plan order (a plan holds at most 500 tasks: one page).

    Carries an ``ETag``; send it back as ``If-None-Match`` to get ``304`` while nothing changed.
    The ordinary case is answered before routing by ``api.fast_tasks`` with the same result."""
    listing = task_listing.list_tasks_json(actor, project_id, current_only=current_only)
    gzipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = listing.etag[:-1] + '-gz"' if gzipped else listing.etag  # one tag per representation
    headers = {"ETag": etag, "Vary": "Accept-Encoding"}
    if etag_matches(etag, request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(content=listing.gzipped, media_type="application/json", headers=headers)
    return Response(content=listing.body, media_type="application/json", headers=headers)


@router.get("/{project_id}/tasks/{task_id}", **access("viewer", READ))
def get_task(project_id: uuid.UUID, task_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> TaskPublic:
    return TaskPublic.model_validate(projects.get_task(session, actor, project_id, task_id))


@router.post("/{project_id}/tasks/{task_id}/retry", **access("member", WRITE))
def retry_task(project_id: uuid.UUID, task_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> TaskPublic:
    return TaskPublic.model_validate(project_lifecycle.retry_task(session, actor, project_id, task_id))


@router.get("/{project_id}/deliverables", **access("viewer", READ))
def list_deliverables(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[DeliverablePublic]:
    rows = [DeliverablePublic.model_validate(d) for d in projects.list_deliverables(session, actor, project_id)]
    return ListOf[DeliverablePublic].model_validate(list_of(rows))


@router.get("/{project_id}/usage", **access("viewer", READ))
def usage(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> UsagePublic:
    """Tokens and cost spent so far, against the budgets."""
    return UsagePublic.model_validate(projects.project_usage(session, actor, project_id))


@router.get("/{project_id}/agents", **access("viewer", READ))
def list_agents(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[AgentPublic]:
    """The agents assembled for the project, with why each was chosen."""
    rows = [AgentPublic.model_validate(a) for a in projects.list_agents(session, actor, project_id)]
    return ListOf[AgentPublic].model_validate(list_of(rows))


@router.put("/{project_id}/agents/{agent_id}/budget", **access("member", WRITE))
def set_agent_budget(
    project_id: uuid.UUID, agent_id: uuid.UUID, body: AgentBudget, session: SessionDep, actor: CurrentActor
) -> AgentPublic:
    """Set an agent's hard budget (USD and/or tokens), checked before each of its model calls."""
    agent = projects.set_agent_budget(
        session, actor, project_id, agent_id, budget_usd=body.budget_usd, budget_tokens=body.budget_tokens
    )
    return AgentPublic.model_validate(agent)


@router.get("/{project_id}/agents/{agent_id}/history", **access("viewer", READ))
def agent_history(
    project_id: uuid.UUID, agent_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> ListOf[AgentStateChangePublic]:
    """An agent's state changes, oldest first."""
    rows = [
        AgentStateChangePublic.model_validate(c) for c in projects.agent_history(session, actor, project_id, agent_id)
    ]
    return ListOf[AgentStateChangePublic].model_validate(list_of(rows))
