"""Read-only catalogues every user needs: models and agent templates."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import AgentTemplatePublic, Public
from berrys_app.services import agents

router = APIRouter(prefix="/api/v1", tags=["catalogue"], responses=PROBLEM_RESPONSES)


class ModelPublic(Public):
    id: uuid.UUID
    name: str
    provider: str
    display_name: str
    capabilities: list[str]
    context_window: int
    max_output_tokens: int
    input_price: float
    output_price: float
    active: bool
    fallbacks: list[str]
    created_at: datetime


@router.get("/models", **access("user", "projects:read"))
def list_models(session: SessionDep, actor: CurrentActor, active_only: bool = False) -> ListOf[ModelPublic]:
    """The model catalogue (prices per token in USD)."""
    from berrys_app.services.models import catalogue  # imports litellm: keep API start-up fast

    catalogue.ensure_catalogue(session)
    rows = [ModelPublic.model_validate(m) for m in catalogue.list_models(session, active_only=active_only)]
    return ListOf[ModelPublic].model_validate(list_of(rows))


@router.get("/agent-templates", **access("user", "projects:read"))
def list_agent_templates(session: SessionDep, actor: CurrentActor) -> ListOf[AgentTemplatePublic]:
    """The agent specialisations teams are assembled from."""
    agents.seed_templates(session)
    rows = [AgentTemplatePublic.model_validate(t) for t in agents.list_templates(session)]
    return ListOf[AgentTemplatePublic].model_validate(list_of(rows))
