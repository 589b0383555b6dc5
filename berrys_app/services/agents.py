"""Agents: templates (seeded idempotently), team assembly and the agent state machine.

Team assembly gives every task an agent whose capabilities cover the task's:
reuse an agent the team already has (idle, or on this project), else create one
from the best-matching template, within the project's ``max_agents``. The reason
for each choice is stored on the task and in the agent's record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, or_, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.domain.work import Agent, AgentStateChange, AgentStatus, AgentTemplate, Task, TaskStatus
from berrys_app.services.authz import PROJECTS_READ, Actor, require_role, require_scope
from berrys_app.services.events import emit
from berrys_app.services.tools.assignment import AssemblyTools, TemplateTools, template_overrides


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    role: str
    capabilities: tuple[str, ...]
    system_prompt: str
    allowed_tools: tuple[str, ...] = ()
    max_concurrent_tasks: int = 4


DEFAULT_TEMPLATES: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        "researcher",
        "Researcher",
        ("research", "analysis", "search"),
        "You are a careful researcher. Gather facts, cite what you rely on, and report findings concisely.",
    ),
    TemplateSpec(
        "writer",
        "Writer",
        ("writing", "documentation", "summary", "editing"),
        "You are a clear technical writer. Produce well-structured text that answers the task exactly.",
    ),
    TemplateSpec(
        "developer",
        "Software developer",
        ("code", "python", "testing", "data"),
        "You are a pragmatic software developer. Write correct, minimal code and explain it briefly.",
        ("python", "project_files", "search_outputs"),
    ),
    TemplateSpec(
        "analyst",
        "Analyst",
        ("analysis", "data", "planning", "math"),
        "You are an analyst. Reason step by step and give a precise, checked answer.",
        ("python", "search_outputs"),
    ),
    TemplateSpec(
        "reviewer",
        "Reviewer",
        ("review", "qa", "editing"),
        "You are a demanding reviewer. Check the work against the objectives and list concrete fixes.",
    ),
    TemplateSpec(
        "generalist",
        "Generalist",
        ("general",),
        "You are a capable generalist assistant. Do the task well and report the result.",
    ),
)


def seed_templates(session: Session) -> None:
    """Insert the default templates that are missing (safe to call from every process, any time)."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "name": spec.name,
            "role": spec.role,
            "system_prompt": spec.system_prompt,
            "capabilities": list(spec.capabilities),
            "allowed_tools": list(spec.allowed_tools),
            "max_concurrent_tasks": spec.max_concurrent_tasks,
            "created_at": now,
        }
        for spec in DEFAULT_TEMPLATES
    ]
    session.exec(insert(AgentTemplate).values(rows).on_conflict_do_nothing(index_elements=["name"]))  # type: ignore[call-overload]


def list_templates(session: Session) -> list[AgentTemplate]:
    return list(session.exec(select(AgentTemplate).order_by(col(AgentTemplate.name))))


def seeded_templates(session: Session) -> list[AgentTemplate]:
    """The templates, the defaults seeded first if any is missing (one read once they are there)."""
    templates = list_templates(session)
    if {spec.name for spec in DEFAULT_TEMPLATES} - {t.name for t in templates}:
        seed_templates(session)
        templates = list_templates(session)
    return templates


def browse_templates(session: Session, actor: Actor) -> list[AgentTemplate]:
    """The specialisations as a person browses them (REST, the Agents page): a key needs projects:read."""
    require_scope(actor, PROJECTS_READ)
    return seeded_templates(session)


def project_agents(session: Session, project_id: uuid.UUID) -> list[Agent]:
    return list(session.exec(select(Agent).where(Agent.project_id == project_id).order_by(col(Agent.created_at))))


def _coverage(have: Sequence[str], need: set[str]) -> int:
    return len(need & set(have))


def _best_template(templates: list[AgentTemplate], need: set[str]) -> tuple[AgentTemplate, int]:
    """Most required capabilities covered, then fewest extra ones; the generalist when nothing fits."""
    scored = sorted(
        templates,
        key=lambda t: (
            -_coverage(t.capabilities, need),
            len(set(t.capabilities) - need),
            t.name != "generalist",
            t.name,
        ),
    )
    best = scored[0]
    score = _coverage(best.capabilities, need)
    if score == 0:
        best = next((t for t in templates if t.name == "generalist"), best)
    return best, score


def assemble_team(session: Session, project: Project, tasks: Sequence[Task], *, actor: Actor) -> dict[uuid.UUID, Agent]:
    """Give every task an agent (sets ``task.agent_id`` and ``task.assignment_reason``; the caller
    adds the tasks to the session, after this: an agent created here is flushed first)."""
    templates: list[AgentTemplate] | None = None  # read when a first agent is created (not on reuse)
    pool = list(
        session.exec(
            select(Agent)
            .where(
                Agent.team_id == project.team_id,
                Agent.status != AgentStatus.terminated.value,
                or_(Agent.project_id == project.id, col(Agent.project_id).is_(None)),
            )
            .order_by(col(Agent.created_at))
            .with_for_update(skip_locked=True)
        )
    )
    on_project = [a for a in pool if a.project_id == project.id]
    new_agent_tools: AssemblyTools | None = None  # read when a first agent is created (not on reuse)
    load: dict[uuid.UUID, int] = {a.id: 0 for a in pool}
    chosen: dict[uuid.UUID, Agent] = {}
    for task in sorted(tasks, key=lambda t: (-t.priority, t.key)):
        need = set(task.capabilities) or {"general"}
        covering = [a for a in pool if need <= set(a.capabilities)]
        # prefer an agent with room (fewer tasks than it may run at once), then one already on the project
        best = min(covering, key=lambda a: (_full(a, load), a.project_id != project.id, load[a.id]), default=None)
        saturated = best is not None and _full(best, load) and len(on_project) < project.max_agents
        if best is not None and not saturated:
            agent = best
            how = "reused (already on this project)" if agent.project_id == project.id else "reused idle team agent"
            reason = f"{how}: {agent.name} covers {', '.join(sorted(need))}"
            if agent.project_id != project.id:
                if len(on_project) >= project.max_agents:
                    agent = _least_loaded_best(on_project, need, load)
                    reason = f"max_agents={project.max_agents} reached: {agent.name} is the closest match"
                else:
                    agent.project_id = project.id
                    agent.reason = reason
                    session.add(agent)
                    on_project.append(agent)
        elif len(on_project) < project.max_agents:
            if templates is None:
                templates = seeded_templates(session)
            template, score = _best_template(templates, need)
            if new_agent_tools is None:  # template lists + team tools by capability
                new_agent_tools = AssemblyTools(session, project.team_id)
            agent = Agent(
                team_id=project.team_id,
                project_id=project.id,
                template_id=template.id,
                name=f"{template.name}-{len(on_project) + 1}",
                role=template.role,
                system_prompt=template.system_prompt,
                capabilities=sorted(set(template.capabilities) | need) if score else list(template.capabilities),
                model=template.preferred_model,
                allowed_tools=new_agent_tools.for_agent(template, need),
                max_concurrent_tasks=template.max_concurrent_tasks,
                budget_usd=template.budget_usd,
                budget_tokens=template.budget_tokens,
            )
            reason = (
                f"created from template {template.name}: covers {score}/{len(need)} of {', '.join(sorted(need))}"
                if score
                else f"no template covers {', '.join(sorted(need))}; created a generalist"
            )
            if saturated and best is not None:
                reason += f" ({best.name} already has {load[best.id]} tasks, its max_concurrent_tasks)"
            agent.reason = reason
            session.add(agent)
            session.flush()
            session.add(
                AgentStateChange(
                    agent_id=agent.id, from_status=None, to_status=agent.status, reason=reason, actor=actor.label
                )
            )
            emit(
                session,
                EventKind.AGENT_CREATED,
                project_id=project.id,
                team_id=project.team_id,
                actor_id=actor.user_id,
                actor=actor.label,
                payload={"agent_id": str(agent.id), "name": agent.name, "template": template.name, "reason": reason},
            )
            pool.append(agent)
            on_project.append(agent)
            load[agent.id] = 0
        else:
            agent = _least_loaded_best(on_project, need, load)
            reason = f"max_agents={project.max_agents} reached: {agent.name} is the closest match"
        load[agent.id] += 1
        task.agent_id = agent.id
        task.assignment_reason = reason
        chosen[task.id] = agent
    return chosen


def _full(agent: Agent, load: dict[uuid.UUID, int]) -> bool:
    return load[agent.id] >= agent.max_concurrent_tasks


def _least_loaded_best(agents: list[Agent], need: set[str], load: dict[uuid.UUID, int]) -> Agent:
    return min(agents, key=lambda a: (-_coverage(a.capabilities, need), load[a.id]))


def list_team_agents(session: Session, actor: Actor, *, team_id: uuid.UUID | None) -> list[dict[str, str]]:
    """The team's agents (pooled and on projects) with the task each is running now (viewers may read)."""
    if team_id is None:
        return []
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    agents = list(session.exec(select(Agent).where(Agent.team_id == team_id).order_by(col(Agent.created_at))))
    ids = [a.id for a in agents]
    running = (
        {
            t.agent_id: t
            for t in session.exec(
                select(Task).where(col(Task.agent_id).in_(ids), Task.status == TaskStatus.running.value)
            )
        }
        if ids
        else {}
    )
    project_ids = {a.project_id for a in agents if a.project_id}
    names = (
        {p.id: p.name for p in session.exec(select(Project).where(col(Project.id).in_(project_ids)))}
        if project_ids
        else {}
    )
    return [
        {
            "id": str(a.id),
            "name": a.name,
            "role": a.role,
            "status": a.status,
            "project": names.get(a.project_id, "team pool") if a.project_id else "team pool",
            "project_id": str(a.project_id or ""),
            "task": running[a.id].title if a.id in running else "—",
            "model": a.model or "default",
        }
        for a in agents
    ]


def agent_names(session: Session, ids: set[uuid.UUID]) -> dict[str, str]:
    """Names of agents by id (for tasks already authorised by the caller)."""
    if not ids:
        return {}
    return {str(a.id): a.name for a in session.exec(select(Agent).where(col(Agent.id).in_(ids)))}


def list_template_tools(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[TemplateTools]:
    """Each template's tools as this team's new agents get them (members may read). It lives
    here, beside the templates, because ``tools.assignment`` sits below ``agents``."""
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    templates = seeded_templates(session)
    overrides = template_overrides(session, team_id)
    return [
        TemplateTools(
            template_id=t.id,
            name=t.name,
            allowed_tools=overrides.get(t.id, list(t.allowed_tools)),
            team_override=t.id in overrides,
        )
        for t in templates
    ]
