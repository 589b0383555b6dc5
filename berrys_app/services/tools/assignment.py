"""Which tools an agent may use: set by a team admin per agent, and added by capability when
the engine creates an agent for a task (a team's own http/MCP tools reach real projects)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pydantic import BaseModel, Field
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.work import Agent
from berrys_app.services import events
from berrys_app.services.authz import Actor, require_role
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.tools import registry

MAX_TOOLS = 64


class AgentToolsUpdate(BaseModel):
    allowed_tools: list[str] = Field(max_length=MAX_TOOLS)


class AgentTools(BaseModel):
    agent_id: uuid.UUID
    name: str
    allowed_tools: list[str]


def check_refs(session: Session, *, team_id: uuid.UUID, refs: Iterable[str]) -> list[str]:
    """The refs, deduplicated in order, each a tool the team can see (``name@N``: that version
    exists). ``ValidationFailed`` names every unknown one."""
    registry.ensure_builtins(session)
    clean: list[str] = []
    unknown: list[str] = []
    names: set[str] = set()
    for raw in refs:
        ref = str(raw).strip()
        name, version = registry.parse_ref(ref)
        tool = registry.resolve(session, name, version=version, team_id=team_id)
        if tool is None or (version is None and not tool.is_active):
            unknown.append(ref)
        elif name in names:
            raise ValidationFailed(f"tool {name!r} is listed twice; give one name or one name@version")
        else:
            names.add(name)
            clean.append(ref)
    if unknown:
        raise ValidationFailed(f"unknown tool(s) for this team: {', '.join(unknown)}")
    return clean


def set_agent_tools(
    session: Session, actor: Actor, *, team_id: uuid.UUID, agent_id: uuid.UUID, allowed_tools: list[str]
) -> AgentTools:
    """Replace an agent's allowed tools (admins only; the next task it leases uses them)."""
    require_role(session, actor, team_id, Role.admin, what="team")
    agent = session.get(Agent, agent_id)
    if agent is None or agent.team_id != team_id:
        raise NotFound("agent not found")
    refs = check_refs(session, team_id=team_id, refs=allowed_tools)
    before = list(agent.allowed_tools)
    agent.allowed_tools = refs
    session.add(agent)
    events.emit(
        session,
        "agent.tools_changed",
        team_id=team_id,
        project_id=agent.project_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"agent_id": str(agent.id), "name": agent.name, "before": before, "allowed_tools": refs},
    )
    session.commit()
    return AgentTools(agent_id=agent.id, name=agent.name, allowed_tools=refs)


class CapabilityTools:
    """The team's own tools (http, MCP, ...) whose capabilities match a task's, for agents the
    engine creates (one registry query per team assembly). Built-ins come with the templates,
    as before, so a task's tools only grow by what the team's admins registered."""

    def __init__(self, session: Session, team_id: uuid.UUID) -> None:
        rows = registry.search_tools(session, team_id=team_id, limit=500)
        self._tools = [tool for tool in rows if tool.team_id is not None]

    def for_need(self, need: set[str]) -> list[str]:
        wanted = {c.strip().lower() for c in need}
        return [tool.name for tool in self._tools if wanted & {c.lower() for c in tool.capabilities}]
