"""Shared setup of the security tests: a team http tool and an agent that may use it; teams
with a project for direct tool calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember, User
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import ToolCreate, ToolKind
from berrys_app.domain.work import Agent
from berrys_app.services.authz import Actor
from berrys_app.services.tools import ToolContext, register_tool
from tests.tools.conftest import FULL_HTTP_PARAMETERS


def http_agent(
    session: Session, admin: Actor, team_id: uuid.UUID, *, tool: str, hosts: list[str], capability: str, **fields: Any
) -> None:
    """The team's admin registers an http tool allowed to call ``hosts`` and an agent (with
    ``capability``) that may use it."""
    register_tool(
        session,
        admin,
        team_id=team_id,
        data=ToolCreate(
            name=tool,
            kind=ToolKind.http,
            parameters_schema=FULL_HTTP_PARAMETERS,
            config={"allowed_hosts": hosts},
            **fields,
        ),
    )
    session.commit()
    session.add(
        Agent(
            team_id=team_id,
            name=f"{capability}-1",
            role=capability.title(),
            capabilities=[capability],
            allowed_tools=[tool],
        )
    )
    session.commit()


def plan(capability: str) -> dict[str, Any]:
    return {"tasks": [{"id": "work", "title": "Do the work", "capabilities": [capability]}]}


@dataclass
class TeamWithProject:
    team_id: uuid.UUID
    admin: Actor
    project_id: uuid.UUID

    def ctx(self, tool: str) -> ToolContext:
        """A direct call of ``tool`` inside this team's project (outside any task)."""
        return ToolContext(
            project_id=self.project_id,
            task_id=None,
            agent_id=None,
            allowed_tools=[tool],
            call_key=f"test:{uuid.uuid4().hex}",
        )


def team_with_project(session: Session, name: str) -> TeamWithProject:
    """A team with an admin and a project (committed)."""
    team = Team(name=name)
    user = User(email=f"admin-{uuid.uuid4().hex[:8]}@example.com", name=f"{name} admin")
    session.add_all([team, user])
    session.flush()
    project = Project(name=f"{name} project", team_id=team.id)
    session.add_all([TeamMember(team_id=team.id, user_id=user.id, role=Role.admin.value), project])
    session.commit()
    return TeamWithProject(team_id=team.id, admin=Actor(user_id=user.id, label=user.email), project_id=project.id)
