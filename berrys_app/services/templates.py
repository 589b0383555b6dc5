"""Project templates: save a project (settings, objectives, plan) with ``{{name}}`` parameters,
and fill them in (``render``) for a start -- by hand (dashboard, REST) or from a trigger; the start
itself (a new project handed to the planner) is ``usecases/template_starts.py``.

Values fill placeholders as plain text (no template language: a value can never run code or
reach another field); the filled project and plan go through the same checks as a project
created by hand (``ProjectCreate``, ``planning.validate_plan``) before anything is written.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import jsonschema
from pydantic import ValidationError
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.automation import (
    ProjectTemplate,
    ProjectTemplateCreate,
    ProjectTemplateUpdate,
    TemplateBody,
    TemplateParameter,
)
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectCreate
from berrys_app.services import planning, projects
from berrys_app.services.authz import PROJECTS_READ, PROJECTS_WRITE, Actor, require_role
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.events import emit

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
# the project settings a template keeps (what ProjectCreate takes)
SETTINGS = tuple(ProjectCreate.model_fields)


def _placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(_placeholders(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_placeholders(v) for v in value)) if value else set()
    return set()


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` with every ``{{name}}`` replaced by its value, as text."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def _check_body(body: TemplateBody, parameters: list[TemplateParameter]) -> None:
    unknown_settings = sorted(set(body.project) - set(SETTINGS))
    if unknown_settings:
        raise ValidationFailed(
            f"unknown project settings in the template: {', '.join(unknown_settings)}",
            details={"allowed": list(SETTINGS)},
        )
    if not str(body.project.get("name", "")).strip():
        raise ValidationFailed("the template's project needs a name (it may use parameters: 'Report {{topic}}')")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise ValidationFailed("parameter names must be unique")
    undeclared = sorted(_placeholders(body.model_dump()) - set(names))
    if undeclared:
        raise ValidationFailed(
            f"placeholders without a parameter: {', '.join('{{' + n + '}}' for n in undeclared)}",
            details={"undeclared": undeclared},
        )


def parameter_schema(parameters: list[TemplateParameter]) -> dict[str, Any]:
    """The JSON Schema a start's values must satisfy (published, and checked with jsonschema)."""
    return {
        "type": "object",
        "properties": {
            p.name: {"type": "string", "maxLength": p.max_length, "description": p.description} for p in parameters
        },
        "required": [p.name for p in parameters if p.required and p.default is None],
        "additionalProperties": False,
    }


def check_values(template: ProjectTemplate, values: dict[str, Any]) -> dict[str, str]:
    """The values for every parameter (defaults filled in), or ``ValidationFailed`` naming every problem."""
    parameters = [TemplateParameter.model_validate(p) for p in template.parameters]
    validator = jsonschema.Draft202012Validator(parameter_schema(parameters))
    problems = sorted(
        (
            f"{'/'.join(str(p) for p in error.path) or 'params'}: {error.message}"
            for error in validator.iter_errors(values)
        ),
    )
    if problems:
        raise ValidationFailed(f"invalid template parameters: {'; '.join(problems)}", details={"errors": problems})
    return {p.name: str(values.get(p.name, p.default or "")) for p in parameters}


def _public_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'project'}: {e['msg']}" for e in exc.errors()]


# --- CRUD -----------------------------------------------------------------------------------


def authorized(session: Session, actor: Actor, template_id: uuid.UUID, minimum: Role, scope: str) -> ProjectTemplate:
    """The template, if the actor's role in its team allows ``minimum`` (and a key, ``scope``)."""
    row = session.get(ProjectTemplate, template_id)
    if row is None:
        raise NotFound("template not found")
    require_role(session, actor, row.team_id, minimum, scope=scope, what="template")
    return row


def _body_of_project(session: Session, actor: Actor, project_id: uuid.UUID) -> TemplateBody:
    project = projects.get_project(session, actor, project_id)
    settings = {name: getattr(project, name) for name in SETTINGS if hasattr(project, name)}
    settings["deadline"] = None  # a date of the original run; a template's projects choose their own
    settings = {k: v for k, v in settings.items() if v is not None}
    plan = planning.latest_version(session, project.id)
    return TemplateBody(project=settings, plan=dict(plan.plan) if plan is not None else None)


def create_template(
    session: Session, actor: Actor, *, team_id: uuid.UUID, data: ProjectTemplateCreate
) -> ProjectTemplate:
    """A new template (member): an explicit body, or a copy of a project of the same team."""
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_WRITE, what="team")
    if data.from_project_id is not None:
        project = session.get(Project, data.from_project_id)
        if project is None or project.team_id != team_id:
            raise NotFound("project not found")
        body = _body_of_project(session, actor, data.from_project_id)
    elif data.body is not None:
        body = data.body
    else:
        raise ValidationFailed("give a body (project settings, objectives, plan) or from_project_id")
    _check_body(body, data.parameters)
    row = ProjectTemplate(
        team_id=team_id,
        created_by=actor.user_id,
        name=data.name,
        description=data.description,
        parameters=[p.model_dump() for p in data.parameters],
        body=body.model_dump(),
    )
    session.add(row)
    session.flush()
    emit(
        session,
        EventKind.TEMPLATE_CREATED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"template_id": str(row.id), "name": row.name},
    )
    return row


def update_template(
    session: Session, actor: Actor, template_id: uuid.UUID, *, data: ProjectTemplateUpdate
) -> ProjectTemplate:
    row = authorized(session, actor, template_id, Role.member, PROJECTS_WRITE)
    parameters = (
        data.parameters
        if data.parameters is not None
        else [TemplateParameter.model_validate(p) for p in row.parameters]
    )
    body = data.body if data.body is not None else TemplateBody.model_validate(row.body)
    _check_body(body, parameters)
    if data.name is not None:
        if not data.name.strip():
            raise ValidationFailed("name must not be blank")
        row.name = data.name.strip()
    if data.description is not None:
        row.description = data.description
    row.parameters = [p.model_dump() for p in parameters]
    row.body = body.model_dump()
    row.updated_at = utcnow()
    session.add(row)
    return row


def list_templates(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[ProjectTemplate]:
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    query = select(ProjectTemplate).where(ProjectTemplate.team_id == team_id).order_by(col(ProjectTemplate.name))
    return list(session.exec(query))


def get_template(session: Session, actor: Actor, template_id: uuid.UUID) -> ProjectTemplate:
    return authorized(session, actor, template_id, Role.viewer, PROJECTS_READ)


def delete_template(session: Session, actor: Actor, template_id: uuid.UUID) -> None:
    """Delete a template and its triggers (admin)."""
    row = authorized(session, actor, template_id, Role.admin, PROJECTS_WRITE)
    session.delete(row)


# --- filling one in for a start -----------------------------------------------------------------


def render(template: ProjectTemplate, values: dict[str, Any]) -> tuple[ProjectCreate, dict[str, Any] | None]:
    """The project and plan a start would create, checked (nothing written)."""
    filled = check_values(template, values)
    body = TemplateBody.model_validate(fill(template.body, filled))
    try:
        data = ProjectCreate.model_validate(body.project)
    except ValidationError as exc:
        problems = _public_errors(exc)
        raise ValidationFailed(
            f"the filled-in project is invalid: {'; '.join(problems)}", details={"errors": problems}
        ) from exc
    if body.plan is not None:
        planning.validate_plan(body.plan)  # ValidationFailed naming the problem
    return data, body.plan
