"""What the team pages show, for REST clients too: spend by model and by day, and the team's agents."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from berrys_app.api.deps import CurrentActor, SessionDep, access
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import agents, team_usage

router = APIRouter(prefix="/api/v1/teams/{team_id}", tags=["teams"], responses=PROBLEM_RESPONSES)


class ModelUsage(BaseModel):
    model: str
    cost_usd: float
    prompt_tokens: int
    completion_tokens: int
    tokens: int
    calls: int


class DayUsage(BaseModel):
    day: str
    cost_usd: float
    tokens: int


class TeamUsage(BaseModel):
    by_model: list[ModelUsage]
    by_day: list[DayUsage]


class TeamAgent(BaseModel):
    id: str
    name: str
    role: str
    status: str
    project: str
    project_id: str
    task: str
    model: str


@router.get("/usage", **access("viewer", "projects:read"))
def usage_series(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> TeamUsage:
    """Cost and tokens of every project of the team, by model and by day (the Models page's charts)."""
    return TeamUsage.model_validate(team_usage.team_usage(session, actor, team_id))


@router.get("/agents", **access("viewer", "projects:read"))
def team_agents(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> list[TeamAgent]:
    """The team's agents, pooled and on projects, with the task each runs now (the Agents page)."""
    return [TeamAgent.model_validate(a) for a in agents.list_team_agents(session, actor, team_id=team_id)]
