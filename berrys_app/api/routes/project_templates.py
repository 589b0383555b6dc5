"""Project templates: save a project (settings, objectives, plan) with ``{{name}}`` parameters;
start projects from one by hand. Triggers (schedule, inbound webhook) are in ``triggers``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.automation import (
    ProjectTemplate,
    ProjectTemplateCreate,
    ProjectTemplatePublic,
    ProjectTemplateUpdate,
    StartFromTemplate,
)
from berrys_app.domain.projects import ProjectPublic
from berrys_app.services import templates
from berrys_app.usecases import template_starts

router = APIRouter(prefix="/api/v1", tags=["templates"], responses=PROBLEM_RESPONSES)
READ, WRITE = "projects:read", "projects:write"


def _public(row: ProjectTemplate) -> ProjectTemplatePublic:
    return ProjectTemplatePublic.model_validate(row, from_attributes=True)


@router.get("/teams/{team_id}/project-templates", **access("viewer", READ))
def list_project_templates(
    team_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> ListOf[ProjectTemplatePublic]:
    rows = [_public(r) for r in templates.list_templates(session, actor, team_id=team_id)]
    return ListOf[ProjectTemplatePublic].model_validate(list_of(rows))


@router.post("/teams/{team_id}/project-templates", status_code=status.HTTP_201_CREATED, **access("member", WRITE))
def create_project_template(
    team_id: uuid.UUID, body: ProjectTemplateCreate, session: SessionDep, actor: CurrentActor
) -> ProjectTemplatePublic:
    """A template from an explicit ``body`` or a copy of a project (``from_project_id``)."""
    return _public(templates.create_template(session, actor, team_id=team_id, data=body))


@router.get("/project-templates/{project_template_id}", **access("viewer", READ))
def get_project_template(
    project_template_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> ProjectTemplatePublic:
    return _public(templates.get_template(session, actor, project_template_id))


@router.patch("/project-templates/{project_template_id}", **access("member", WRITE))
def update_project_template(
    project_template_id: uuid.UUID, body: ProjectTemplateUpdate, session: SessionDep, actor: CurrentActor
) -> ProjectTemplatePublic:
    return _public(templates.update_template(session, actor, project_template_id, data=body))


@router.delete(
    "/project-templates/{project_template_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", WRITE)
)
def delete_project_template(project_template_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    """Delete the template and its triggers."""
    templates.delete_template(session, actor, project_template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/project-templates/{project_template_id}/projects", status_code=status.HTTP_201_CREATED, **access("member", WRITE)
)
def start_project_from_template(
    project_template_id: uuid.UUID, body: StartFromTemplate, session: SessionDep, actor: CurrentActor
) -> ProjectPublic:
    """Create a project with the parameters filled in: its plan is proposed (or, without one in
    the template, the planner is asked)."""
    project = template_starts.start_project(session, actor, project_template_id, body.params)
    return ProjectPublic.model_validate(project, from_attributes=True)
