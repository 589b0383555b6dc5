"""Webhooks out, the admin side: a team's endpoints (subscriptions to event types), the delivery
log with every attempt, and redelivery by hand.

An endpoint must be on a public host, or one the operator lists in BERRYS_HTTP_INTERNAL_HOSTS:
the http tools' SSRF policy (``mcp_hosts``), checked here with a clear 403 and again on every
delivery. Its signing secret is sealed in the vault and shown once, when created or rotated.
"""

from __future__ import annotations

import base64
import secrets
import uuid

import httpx
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.webhooks import (
    WEBHOOK_EVENT_TYPES,
    DeliveryStatus,
    WebhookAttempt,
    WebhookAttemptPublic,
    WebhookDelivery,
    WebhookDeliveryPublic,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)
from berrys_app.services import audit
from berrys_app.services.authz import ADMIN_READ, ADMIN_WRITE, Actor, require_role
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.tools import mcp_hosts, vault

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


async def check_url(url: str) -> None:
    """``ValidationFailed`` for a URL that is not http(s) with a host; ``Forbidden`` for an
    internal host the operator did not list (a name that does not resolve now is checked again
    on every delivery)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, ValueError) as exc:
        raise ValidationFailed(f"the webhook url is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not host:
        raise ValidationFailed("the webhook url must be an absolute http:// or https:// URL")
    if parsed.userinfo:
        raise ValidationFailed("the webhook url must not carry credentials: deliveries are signed instead")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        await mcp_hosts.vetted_address(host, port, setting=mcp_hosts.HTTP_TOOL_SETTING)
    except mcp_hosts.HostRefused as exc:
        raise Forbidden(str(exc)) from exc
    except (OSError, UnicodeError):
        return


def _check_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise ValidationFailed(
            f"unknown event types: {', '.join(unknown)}", details={"allowed": list(WEBHOOK_EVENT_TYPES)}
        )
    return sorted(set(types))


def public(row: WebhookEndpoint, *, secret: str | None = None) -> WebhookEndpointPublic:
    return WebhookEndpointPublic.model_validate(row, update={"secret": secret})


def _load(session: Session, actor: Actor, endpoint_id: uuid.UUID, scope: str) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound("webhook not found")
    require_role(session, actor, row.team_id, Role.admin, scope=scope, what="webhook")
    return row


def _audit(session: Session, actor: Actor, row: WebhookEndpoint, action: str) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        team_id=row.team_id,
        target_type="webhook",
        target_id=row.id,
        details={"url": row.url, "event_types": row.event_types},
    )


async def create_endpoint(
    session: Session, actor: Actor, *, team_id: uuid.UUID, data: WebhookEndpointCreate
) -> WebhookEndpointPublic:
    """A new subscription (admin); the signing secret is returned this once."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    types = _check_types(data.event_types)
    await check_url(data.url)
    secret = new_secret()
    row = WebhookEndpoint(
        team_id=team_id,
        created_by=actor.user_id,
        url=data.url,
        description=data.description,
        event_types=types,
        secret_sealed=vault.seal(secret),
        enabled=data.enabled,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, row, "webhook.created")
    return public(row, secret=secret)


async def update_endpoint(
    session: Session, actor: Actor, endpoint_id: uuid.UUID, data: WebhookEndpointUpdate
) -> WebhookEndpointPublic:
    row = _load(session, actor, endpoint_id, ADMIN_WRITE)
    if data.url is not None:
        await check_url(data.url)
        row.url = data.url
    if data.event_types is not None:
        row.event_types = _check_types(data.event_types)
    if data.description is not None:
        row.description = data.description
    if data.enabled is not None:
        row.enabled = data.enabled
    session.add(row)
    _audit(session, actor, row, "webhook.updated")
    return public(row)


def rotate_secret(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpointPublic:
    """A new signing secret (deliveries from now on are signed with it); shown once."""
    row = _load(session, actor, endpoint_id, ADMIN_WRITE)
    secret = new_secret()
    row.secret_sealed = vault.seal(secret)
    session.add(row)
    _audit(session, actor, row, "webhook.secret_rotated")
    return public(row, secret=secret)


def delete_endpoint(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> None:
    row = _load(session, actor, endpoint_id, ADMIN_WRITE)
    _audit(session, actor, row, "webhook.deleted")
    session.delete(row)


def list_endpoints(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[WebhookEndpointPublic]:
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_READ, what="team")
    rows = session.exec(
        select(WebhookEndpoint).where(WebhookEndpoint.team_id == team_id).order_by(col(WebhookEndpoint.created_at))
    )
    return [public(row) for row in rows]


def get_endpoint(session: Session, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpointPublic:
    return public(_load(session, actor, endpoint_id, ADMIN_READ))


# --- the delivery log -------------------------------------------------------------------------


def _attempts(session: Session, delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WebhookAttemptPublic]]:
    found: dict[uuid.UUID, list[WebhookAttemptPublic]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return found
    rows = session.exec(
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
        .order_by(col(WebhookAttempt.number))
    )
    for row in rows:
        found[row.delivery_id].append(WebhookAttemptPublic.model_validate(row))
    return found


def _delivery_public(row: WebhookDelivery, attempts: list[WebhookAttemptPublic]) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic.model_validate(row, update={"attempt_log": attempts})


def list_deliveries(
    session: Session, actor: Actor, endpoint_id: uuid.UUID, *, status: str | None = None, limit: int = 50
) -> list[WebhookDeliveryPublic]:
    """The endpoint's deliveries, newest first, each with its attempts (status codes, errors)."""
    endpoint = _load(session, actor, endpoint_id, ADMIN_READ)
    if status is not None and status not in DeliveryStatus.__members__:
        raise ValidationFailed(f"unknown status {status!r}", details={"allowed": list(DeliveryStatus.__members__)})
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    rows = list(session.exec(query.order_by(col(WebhookDelivery.created_at).desc()).limit(max(1, min(limit, 200)))))
    attempts = _attempts(session, [r.id for r in rows])
    return [_delivery_public(row, attempts[row.id]) for row in rows]


def _delivery(session: Session, actor: Actor, delivery_id: uuid.UUID, scope: str) -> WebhookDelivery:
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound("delivery not found")
    _load(session, actor, row.endpoint_id, scope)
    return row


def get_delivery(session: Session, actor: Actor, delivery_id: uuid.UUID) -> WebhookDeliveryPublic:
    row = _delivery(session, actor, delivery_id, ADMIN_READ)
    return _delivery_public(row, _attempts(session, [row.id])[row.id])


def redeliver(session: Session, actor: Actor, delivery_id: uuid.UUID) -> WebhookDeliveryPublic:
    """Send it again at once (same webhook-id; the retry schedule starts over)."""
    row = _delivery(session, actor, delivery_id, ADMIN_WRITE)
    row.status = DeliveryStatus.pending.value
    row.retry_base = row.attempts
    row.next_attempt_at = utcnow()
    session.add(row)
    return _delivery_public(row, _attempts(session, [row.id])[row.id])
