"""Catalogues every user needs: models and agent templates.

Models: everyone reads the operator's global entries plus their teams' own; team admins add
entries for their team and change or (de)activate them (global entries are read-only).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import Field, model_validator

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import AgentTemplatePublic, Public
from berrys_app.domain.models import ModelEntryCreate, ModelEntryUpdate
from berrys_app.services import agents

router = APIRouter(prefix="/api/v1", tags=["catalogue"], responses=PROBLEM_RESPONSES)


class ModelPublic(Public):
    id: uuid.UUID
    name: str
    team_id: uuid.UUID | None  # None: the operator's global catalogue (read-only)
    provider: str
    display_name: str
    capabilities: list[str]
    context_window: int
    max_output_tokens: int
    input_price: float
    output_price: float
    active: bool
    fallbacks: list[str]
    api_key_env: str | None
    api_base_env: str | None
    api_base: str | None  # a team's own endpoint
    has_key: bool = False  # its key is stored (sealed); the key itself is never returned
    timeout_s: float | None
    notes: str

    @model_validator(mode="before")
    @classmethod
    def _key_presence(cls, row: Any) -> Any:
        if hasattr(row, "api_key_sealed"):
            return {**row.model_dump(exclude={"api_key_sealed"}), "has_key": bool(row.api_key_sealed)}
        return row

    created_at: datetime
    updated_at: datetime


@router.get("/models", **access("user", "projects:read"))
def list_models(session: SessionDep, actor: CurrentActor, active_only: bool = False) -> ListOf[ModelPublic]:
    """The global catalogue plus your teams' models (prices per token in USD)."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm, keep API start-up fast

    rows = [
        ModelPublic.model_validate(m) for m in catalogue_teams.visible_models(session, actor, active_only=active_only)
    ]
    return ListOf[ModelPublic].model_validate(list_of(rows))


@router.get("/models/{model_id}", **access("viewer", "projects:read"))
def get_model(model_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ModelPublic:
    """A team's model (its viewers) or a global one (anyone)."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm

    return ModelPublic.model_validate(catalogue_teams.get_model(session, actor, model_id))


@router.post("/teams/{team_id}/models", status_code=status.HTTP_201_CREATED, **access("admin", "admin:write"))
def add_model(team_id: uuid.UUID, body: ModelEntryCreate, session: SessionDep, actor: CurrentActor) -> ModelPublic:
    """Add a litellm model string for the team (names are unique per team; 409 when the team has it)."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm

    return ModelPublic.model_validate(catalogue_teams.add_model(session, actor, team_id=team_id, data=body))


@router.patch("/models/{model_id}", **access("admin", "admin:write"))
def update_model(model_id: uuid.UUID, body: ModelEntryUpdate, session: SessionDep, actor: CurrentActor) -> ModelPublic:
    """Change one of your team's models, e.g. ``{"active": false}`` to stop offering it."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm

    return ModelPublic.model_validate(catalogue_teams.update_model(session, actor, model_id, body))


class ConnectionCheckPublic(Public):
    ok: bool
    model: str
    reply: str  # the first words of the answer, or why there was none
    latency_ms: float
    reason: str | None  # why it failed (a model error reason), when not ok


class TeamDefaultModel(Public):
    model: str | None = Field(default=None, max_length=200)  # None: back to the operator's default


@router.post("/models/{model_id}/test-connection", **access("admin", "admin:write"))
async def test_connection(model_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ConnectionCheckPublic:
    """Make one real call of your team's model (recorded like any call) and say how it went."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm

    check = await catalogue_teams.check_connection(session, actor, model_id)
    return ConnectionCheckPublic.model_validate(check, from_attributes=True)


@router.put("/teams/{team_id}/default-model", **access("admin", "admin:write"))
def set_default_model(
    team_id: uuid.UUID, body: TeamDefaultModel, session: SessionDep, actor: CurrentActor
) -> TeamDefaultModel:
    """The model new projects of the team get when they name none."""
    from berrys_app.services.models import catalogue_teams  # deferred: imports litellm

    team = catalogue_teams.set_team_default(session, actor, team_id=team_id, name=body.model)
    return TeamDefaultModel(model=team.default_model)


@router.get("/agent-templates", **access("user", "projects:read"))
def list_agent_templates(session: SessionDep, actor: CurrentActor) -> ListOf[AgentTemplatePublic]:
    """The agent specialisations teams are assembled from."""
    rows = [AgentTemplatePublic.model_validate(t) for t in agents.browse_templates(session, actor)]
    return ListOf[AgentTemplatePublic].model_validate(list_of(rows))
