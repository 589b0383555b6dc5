"""An agent's status moves: Ready <-> Active as it runs tasks, paused with its project,
terminated when its project is cancelled, handed back to the team when the project ends or
is deleted. Each move is checked against ``AGENT_TRANSITIONS`` and written by ``statements``
with a history row and an ``agent.status_changed`` event in the caller's transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.state_machines import AGENT_TRANSITIONS
from berrys_app.domain.work import Agent, AgentStateChange, AgentStatus
from berrys_app.engine import statements
from berrys_app.services.agents import project_agents
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Conflict
from berrys_app.services.events import emit


def set_agent_status(session: Session, agent: Agent, to: AgentStatus, *, reason: str, actor: Actor) -> None:
    """Move an agent through its state machine, with a history row and an event."""
    current = AgentStatus(agent.status)
    if to == current:
        return
    if to not in AGENT_TRANSITIONS[current]:
        raise Conflict(f"an agent cannot go from {current.value} to {to.value}", details={"from": current, "to": to})
    session.flush()  # the agent's other pending changes first: the statement writes the row
    session.execute(statements.SET_AGENT_STATUS_SQL, statements.bind(id=agent.id, to=to.value))
    set_committed_value(agent, "status", to.value)
    session.add(
        AgentStateChange(
            agent_id=agent.id, from_status=current.value, to_status=to.value, reason=reason, actor=actor.label
        )
    )
    emit(
        session,
        EventKind.AGENT_STATUS_CHANGED,
        project_id=agent.project_id,
        team_id=agent.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={
            "agent_id": str(agent.id),
            "name": agent.name,
            "from": current.value,
            "to": to.value,
            "reason": reason,
        },
    )


def set_project_agents_status(
    session: Session, project_id: uuid.UUID, to: AgentStatus, *, reason: str, actor: Actor
) -> None:
    """Move every live agent of a project (on pause, finish, cancel)."""
    for agent in project_agents(session, project_id):
        if agent.status != AgentStatus.terminated.value and agent.status != to.value:
            set_agent_status(session, agent, to, reason=reason, actor=actor)


def wake_project_agents(session: Session, project_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
    """On execute/resume, paused agents come back: Active if they still run a task, else Ready."""
    paused = select(Agent).where(Agent.project_id == project_id, Agent.status == AgentStatus.paused.value)
    for agent in session.exec(paused.order_by(col(Agent.created_at))):  # only those: a first start has none
        to = AgentStatus.active if agent.running_tasks > 0 else AgentStatus.ready
        set_agent_status(session, agent, to, reason=reason, actor=actor)


def give_back_slots(
    session: Session, agent_ids: Iterable[uuid.UUID | None], *, reason: str, actor: Actor, settle: bool = True
) -> None:
    """Tasks of these agents left ``running`` (one id per task): return their slots.

    An agent left running nothing goes Active -> Ready (``settle``; pause/cancel move it on
    themselves). Callers update the task rows first (lock order task -> agent, as the hot path).
    """
    for agent_id, count in sorted(Counter(a for a in agent_ids if a is not None).items()):
        agent = session.get(Agent, agent_id, with_for_update=True, populate_existing=True)
        if agent is None:
            continue
        agent.running_tasks = max(0, agent.running_tasks - count)
        session.add(agent)
        if settle and agent.running_tasks == 0 and agent.status == AgentStatus.active.value:
            set_agent_status(session, agent, AgentStatus.ready, reason=reason, actor=actor)


def resync_slots(session: Session, *, actor: Actor) -> int:
    """Recount ``running_tasks`` from the task rows where it drifted (the reconciler's safety net).

    Each agent row is locked first, so no lease or completion of that agent is half done, and
    the count runs in a statement of its own (a fresh snapshot under READ COMMITTED).
    """
    fixed = 0
    for (agent_id,) in session.execute(statements.SLOT_DRIFT_SQL, statements.bind()).all():
        agent = session.get(Agent, agent_id, with_for_update=True, populate_existing=True)
        if agent is None:
            continue
        running = int(session.execute(statements.RUNNING_COUNT_SQL, statements.bind(a=agent_id)).scalar_one())
        changed = running != agent.running_tasks
        agent.running_tasks = running
        session.add(agent)
        if running == 0 and agent.status == AgentStatus.active.value:
            set_agent_status(session, agent, AgentStatus.ready, reason="runs no task (recounted)", actor=actor)
            changed = True
        elif running > 0 and agent.status == AgentStatus.ready.value:
            set_agent_status(session, agent, AgentStatus.active, reason="runs a task (recounted)", actor=actor)
            changed = True
        fixed += int(changed)
    return fixed


def release_project_agents(session: Session, project_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
    """A finished or deleted project hands its agents back to the team as idle (reusable) agents."""
    for agent in project_agents(session, project_id):
        if agent.status == AgentStatus.terminated.value:
            continue
        set_agent_status(session, agent, AgentStatus.ready, reason=reason, actor=actor)
        agent.project_id = None
        session.add(agent)
