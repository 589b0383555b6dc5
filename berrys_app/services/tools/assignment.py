"""Which tools an agent may use: set by a team admin per agent, and added by capability when
the engine creates an agent for a task (a team's own http/MCP tools reach real projects)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.tools import TeamTemplateTools, Tool
from berrys_app.domain.work import Agent, AgentTemplate
from berrys_app.services import events
from berrys_app.services.authz import ADMIN_WRITE, Actor, require_role
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.tools import registry

MAX_TOOLS = 64


class AgentToolsUpdate(BaseModel):
    allowed_tools: list[str] = Field(max_length=MAX_TOOLS)


class TemplateToolsUpdate(BaseModel):
    """``None`` goes back to the template's own list."""

    allowed_tools: list[str] | None = Field(default=None, max_length=MAX_TOOLS)


class TemplateTools(BaseModel):
    template_id: uuid.UUID
    name: str
    allowed_tools: list[str]
    team_override: bool  # the team's own list (else the template's)


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
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    agent = session.get(Agent, agent_id)
    if agent is None or agent.team_id != team_id:
        raise NotFound("agent not found")
    refs = check_refs(session, team_id=team_id, refs=allowed_tools)
    before = list(agent.allowed_tools)
    agent.allowed_tools = refs
    session.add(agent)
    events.emit(
        session,
        EventKind.AGENT_TOOLS_CHANGED,
        team_id=team_id,
        project_id=agent.project_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"agent_id": str(agent.id), "name": agent.name, "before": before, "allowed_tools": refs},
    )
    session.flush()
    return AgentTools(agent_id=agent.id, name=agent.name, allowed_tools=refs)


def template_overrides(session: Session, team_id: uuid.UUID) -> dict[uuid.UUID, list[str]]:
    """Per-template tool lists this team set (template id -> tool refs)."""
    rows = session.exec(select(TeamTemplateTools).where(TeamTemplateTools.team_id == team_id))
    return {row.template_id: list(row.allowed_tools) for row in rows}


def set_template_tools(
    session: Session, actor: Actor, *, team_id: uuid.UUID, template_id: uuid.UUID, allowed_tools: list[str] | None
) -> TemplateTools:
    """Set the tools this team's agents created from a template get (admins; ``None`` resets).
    Agents that exist keep theirs (``set_agent_tools`` changes one)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    template = session.get(AgentTemplate, template_id)
    if template is None:
        raise NotFound("agent template not found")
    key = (TeamTemplateTools.team_id == team_id) & (TeamTemplateTools.template_id == template_id)
    if allowed_tools is None:
        for row in session.exec(select(TeamTemplateTools).where(key)):
            session.delete(row)
        refs = list(template.allowed_tools)
    else:
        refs = check_refs(session, team_id=team_id, refs=allowed_tools)
        values = {"team_id": team_id, "template_id": template_id, "allowed_tools": refs, "updated_at": utcnow()}
        stmt = insert(TeamTemplateTools).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[col(TeamTemplateTools.team_id), col(TeamTemplateTools.template_id)],
                set_={"allowed_tools": refs, "updated_at": values["updated_at"]},
            )
        )
    events.emit(
        session,
        EventKind.AGENT_TEMPLATE_TOOLS_CHANGED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"template": template.name, "allowed_tools": refs, "reset": allowed_tools is None},
    )
    session.flush()
    return TemplateTools(
        template_id=template.id, name=template.name, allowed_tools=refs, team_override=allowed_tools is not None
    )


class AssemblyTools:
    """The tools of an agent the engine creates for a task: the template's list (or the team's
    own list for that template), plus the team's own tools (http, MCP, ...) whose capabilities
    match the task. Built-ins come only through the lists. Two queries per team assembly."""

    def __init__(self, session: Session, team_id: uuid.UUID) -> None:
        # not registry.search_tools: its ensure_builtins may commit, and team assembly runs
        # inside the caller's transaction (it holds row locks on the pooled agents)
        rows = session.exec(
            select(Tool.name, Tool.capabilities)
            .where(Tool.team_id == team_id, col(Tool.is_active).is_(True))
            .order_by(col(Tool.name), col(Tool.version).desc())
        ).all()
        latest: dict[str, list[str]] = {}
        for name, capabilities in rows:
            latest.setdefault(name, list(capabilities))
        self._tools = latest
        self._overrides = template_overrides(session, team_id)

    def for_need(self, need: set[str]) -> list[str]:
        wanted = {c.strip().lower() for c in need}
        return [name for name, caps in self._tools.items() if wanted & {c.lower() for c in caps}]

    def for_agent(self, template: AgentTemplate, need: set[str]) -> list[str]:
        base = self._overrides.get(template.id, list(template.allowed_tools))
        names = {ref.partition("@")[0] for ref in base}
        return [*base, *(name for name in self.for_need(need) if name not in names)]
