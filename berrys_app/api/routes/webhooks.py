"""Webhooks out (team admins): endpoints subscribed to event types, the delivery log with every
attempt's status code, redelivery by hand. Signing secrets are shown once (create, rotate)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.webhooks import (
    DeliveryStatus,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)
from berrys_app.services import webhooks

router = APIRouter(prefix="/api/v1", tags=["webhooks"], responses=PROBLEM_RESPONSES)
READ, WRITE = "admin:read", "admin:write"


@router.get("/teams/{team_id}/webhooks", **access("admin", READ))
def list_webhooks(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[WebhookEndpointPublic]:
    return ListOf[WebhookEndpointPublic].model_validate(
        list_of(webhooks.list_endpoints(session, actor, team_id=team_id))
    )


@router.post("/teams/{team_id}/webhooks", status_code=status.HTTP_201_CREATED, **access("admin", WRITE))
async def create_webhook(
    team_id: uuid.UUID, body: WebhookEndpointCreate, session: SessionDep, actor: CurrentActor
) -> WebhookEndpointPublic:
    """Subscribe a URL (public host, or one the operator lists) to event types; the answer holds
    the signing ``secret`` (``whsec_...``), never shown again."""
    return await webhooks.create_endpoint(session, actor, team_id=team_id, data=body)


@router.get("/webhooks/{webhook_id}", **access("admin", READ))
def get_webhook(webhook_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> WebhookEndpointPublic:
    return webhooks.get_endpoint(session, actor, webhook_id)


@router.patch("/webhooks/{webhook_id}", **access("admin", WRITE))
async def update_webhook(
    webhook_id: uuid.UUID, body: WebhookEndpointUpdate, session: SessionDep, actor: CurrentActor
) -> WebhookEndpointPublic:
    return await webhooks.update_endpoint(session, actor, webhook_id, body)


@router.post("/webhooks/{webhook_id}/secret", **access("admin", WRITE))
def rotate_webhook_secret(webhook_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> WebhookEndpointPublic:
    return webhooks.rotate_secret(session, actor, webhook_id)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", WRITE))
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    webhooks.delete_endpoint(session, actor, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{webhook_id}/deliveries", **access("admin", READ))
def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ListOf[WebhookDeliveryPublic]:
    """Newest first, each with its attempts (number, status code, error, duration)."""
    rows = webhooks.list_deliveries(session, actor, webhook_id, status=status_.value if status_ else None, limit=limit)
    return ListOf[WebhookDeliveryPublic].model_validate(list_of(rows))


@router.get("/webhook-deliveries/{delivery_id}", **access("admin", READ))
def get_webhook_delivery(delivery_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> WebhookDeliveryPublic:
    return webhooks.get_delivery(session, actor, delivery_id)


@router.post("/webhook-deliveries/{delivery_id}/redeliver", **access("admin", WRITE))
def redeliver_webhook(delivery_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> WebhookDeliveryPublic:
    """Send it again now (same ``webhook-id``); the retry schedule starts over."""
    return webhooks.redeliver(session, actor, delivery_id)
