"""Tools of a team (built-ins plus its own) and the credentials vault (secrets are write-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.tools import CredentialBinding, CredentialCreate, CredentialPublic, ToolCreate, ToolPublic
from berrys_app.services import agents, audit, tools

router = APIRouter(prefix="/api/v1/teams/{team_id}", tags=["tools"], responses=PROBLEM_RESPONSES)
Name = Annotated[str, Query(max_length=64)]


@router.get("/tools", **access("member", "projects:read"))
def list_tools(
    team_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    capability: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> ListOf[ToolPublic]:
    rows = tools.list_tools(session, actor, team_id=team_id, capability=capability, q=q)
    return ListOf[ToolPublic].model_validate(list_of(rows))


@router.get("/tools/{name}", **access("member", "projects:read"))
def get_tool(
    team_id: uuid.UUID,
    name: str,
    session: SessionDep,
    actor: CurrentActor,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> ToolPublic:
    return tools.get_tool(session, actor, team_id=team_id, name=name, version=version)


@router.post("/tools", status_code=status.HTTP_201_CREATED, **access("admin", "admin:write"))
def register_tool(team_id: uuid.UUID, body: ToolCreate, session: SessionDep, actor: CurrentActor) -> ToolPublic:
    """Register a team tool, or a new version of one the team owns."""
    return tools.register_tool(session, actor, team_id=team_id, data=body)


@router.put("/agents/{agent_id}/tools", **access("admin", "admin:write"))
def set_agent_tools(
    team_id: uuid.UUID, agent_id: uuid.UUID, body: tools.AgentToolsUpdate, session: SessionDep, actor: CurrentActor
) -> tools.AgentTools:
    """Replace the tools an agent may use (``name`` or ``name@version``; each must exist for the team)."""
    return tools.set_agent_tools(session, actor, team_id=team_id, agent_id=agent_id, allowed_tools=body.allowed_tools)


@router.get("/agent-templates/tools", **access("member", "projects:read"))
def list_template_tools(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[tools.TemplateTools]:
    """The tools this team's new agents get from each template (the team's own list, or the template's)."""
    rows = agents.list_template_tools(session, actor, team_id=team_id)
    return ListOf[tools.TemplateTools].model_validate(list_of(rows))


@router.put("/agent-templates/{template_id}/tools", **access("admin", "admin:write"))
def set_template_tools(
    team_id: uuid.UUID,
    template_id: uuid.UUID,
    body: tools.TemplateToolsUpdate,
    session: SessionDep,
    actor: CurrentActor,
) -> tools.TemplateTools:
    """Set the tools this team's agents created from a template get; ``{"allowed_tools": null}`` resets."""
    return tools.set_template_tools(
        session, actor, team_id=team_id, template_id=template_id, allowed_tools=body.allowed_tools
    )


@router.get("/credentials", **access("member", "projects:read"))
def list_credentials(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[CredentialPublic]:
    """Names, kinds and masked hints only; secrets never leave the vault."""
    return ListOf[CredentialPublic].model_validate(list_of(tools.list_credentials(session, actor, team_id=team_id)))


@router.post("/credentials", status_code=status.HTTP_201_CREATED, **access("admin", "admin:write"))
def create_credential(
    team_id: uuid.UUID, body: CredentialCreate, session: SessionDep, actor: CurrentActor
) -> CredentialPublic:
    """Store a secret encrypted; it is never returned (write-only)."""
    row = tools.create_credential(session, actor, team_id=team_id, data=body)
    audit.record(
        session,
        action="credential.set",
        actor=actor,
        team_id=team_id,
        target_type="credential",
        target_id=row.id,
        details={"name": row.name, "kind": row.kind},
    )
    return row


@router.put("/credentials/{credential_id}/binding", **access("admin", "admin:write"))
def bind_credential(
    team_id: uuid.UUID, credential_id: uuid.UUID, body: CredentialBinding, session: SessionDep, actor: CurrentActor
) -> CredentialPublic:
    """Set the hosts (and optionally header names) an http tool may send this credential to;
    a credential with no hosts is sent nowhere (e.g. one stored before host binding existed)."""
    row = tools.bind_credential(session, actor, team_id=team_id, credential_id=credential_id, data=body)
    audit.record(
        session,
        action="credential.bound",
        actor=actor,
        team_id=team_id,
        target_type="credential",
        target_id=credential_id,
        details={"name": row.name, "allowed_hosts": row.allowed_hosts, "header_names": row.header_names},
    )
    return row


@router.delete("/credentials/{credential_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "admin:write"))
def delete_credential(team_id: uuid.UUID, credential_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    name = tools.delete_credential(session, actor, team_id=team_id, credential_id=credential_id)
    audit.record(
        session,
        action="credential.deleted",
        actor=actor,
        team_id=team_id,
        target_type="credential",
        target_id=credential_id,
        details={"name": name},
    )


class CredentialUsePublic(BaseModel):
    id: int
    credential_id: uuid.UUID
    tool_name: str
    call_key: str | None
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    purpose: str
    created_at: datetime


@router.get("/credentials/{credential_id}/uses", **access("admin", "admin:read"))
def list_credential_uses(
    team_id: uuid.UUID,
    credential_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ListOf[CredentialUsePublic]:
    """Every use of a credential by a tool call (the vault records them), newest first."""
    rows = tools.list_credential_uses(session, actor, team_id=team_id, credential_id=credential_id, limit=limit)
    data = [CredentialUsePublic.model_validate(r, from_attributes=True) for r in rows]
    return ListOf[CredentialUsePublic].model_validate(list_of(data))
