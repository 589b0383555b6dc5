"""Triggers of a project template: a schedule (cron + time zone) or an inbound webhook
(``POST /api/v1/hooks/{trigger_id}``, in ``hooks``), and each trigger's run log."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.automation import TriggerCreate, TriggerPublic, TriggerRunPublic, TriggerUpdate
from berrys_app.services import triggers

router = APIRouter(prefix="/api/v1", tags=["templates"], responses=PROBLEM_RESPONSES)


@router.get("/teams/{team_id}/triggers", **access("viewer", "projects:read"))
def list_triggers(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[TriggerPublic]:
    return ListOf[TriggerPublic].model_validate(list_of(triggers.list_triggers(session, actor, team_id=team_id)))


@router.post(
    "/project-templates/{project_template_id}/triggers",
    status_code=status.HTTP_201_CREATED,
    **access("admin", "admin:write"),
)
def create_trigger(
    project_template_id: uuid.UUID, body: TriggerCreate, session: SessionDep, actor: CurrentActor
) -> TriggerPublic:
    """A schedule, or a webhook trigger whose ``token`` is in this answer only."""
    return triggers.create_trigger(session, actor, project_template_id, body)


@router.patch("/triggers/{trigger_id}", **access("admin", "admin:write"))
def update_trigger(
    trigger_id: uuid.UUID, body: TriggerUpdate, session: SessionDep, actor: CurrentActor
) -> TriggerPublic:
    return triggers.update_trigger(session, actor, trigger_id, body)


@router.post("/triggers/{trigger_id}/token", **access("admin", "admin:write"))
def rotate_trigger_token(trigger_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> TriggerPublic:
    """A new token for a webhook trigger (the old one stops working); in this answer only."""
    return triggers.rotate_token(session, actor, trigger_id)


@router.delete("/triggers/{trigger_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "admin:write"))
def delete_trigger(trigger_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    triggers.delete_trigger(session, actor, trigger_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/triggers/{trigger_id}/runs", **access("viewer", "projects:read"))
def list_trigger_runs(trigger_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[TriggerRunPublic]:
    """Firings (with their project), invalid payloads and refused calls, newest first."""
    rows = [
        TriggerRunPublic.model_validate(r, from_attributes=True) for r in triggers.list_runs(session, actor, trigger_id)
    ]
    return ListOf[TriggerRunPublic].model_validate(list_of(rows))
