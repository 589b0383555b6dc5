"""Starting a project from a template: by hand (dashboard, REST, MCP) or from a trigger
(``trigger_runs``). The template is filled and checked in ``services/templates.py``
(``render``); starting it creates the project and asks the engine for a plan, which is why this
lives above the engine with the other lifecycle requests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.services import projects, templates
from berrys_app.services.authz import PROJECTS_WRITE, Actor
from berrys_app.services.events import emit
from berrys_app.usecases import project_lifecycle


def start_project(
    session: Session, actor: Actor, template_id: uuid.UUID, values: dict[str, Any], *, source: str = "manual"
) -> Project:
    """Create a project from the template: with its plan proposed (approved at once
    when the project auto-approves), or, without one, handed to the planner."""
    template = templates.authorized(session, actor, template_id, Role.member, PROJECTS_WRITE)
    data, plan = templates.render(template, values)
    project = projects.create_project(session, actor, team_id=template.team_id, data=data)
    emit(
        session,
        EventKind.TEMPLATE_STARTED,
        project_id=project.id,
        team_id=template.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"template_id": str(template.id), "source": source},
    )
    if plan is not None:
        project_lifecycle.submit_plan(session, actor, project.id, plan)
    else:
        project_lifecycle.request_plan(session, actor, project.id)
    return project
