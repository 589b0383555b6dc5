"""Sending webhook deliveries (the workers' side): claim, sign, send, record.

A claim moves a due delivery's ``next_attempt_at`` past the send timeout and counts the attempt
in one statement (``SKIP LOCKED``): two workers never send one attempt, and a worker killed
mid-send leaves the delivery due again once that lease passes (at least once; the receiver
dedupes on ``webhook-id``). Requests are signed per Standard Webhooks (``standardwebhooks``:
``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256>``) and sent
through the http tools' guarded client (each connection's address is vetted, no proxies, no
redirects). A non-2xx answer or a network error retries on ``BERRYS_WEBHOOK_RETRY_SCHEDULE``
(a little over a day by default); a refused address fails at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from standardwebhooks import Webhook

from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow
from berrys_app.domain.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from berrys_app.services.tools import mcp_hosts, vault
from berrys_app.settings import get_settings

log = logging.getLogger("berrys.webhooks")
BATCH = 20
USER_AGENT = "Berrys-Webhooks/1"

_CLAIM_SQL = text(
    """
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)
    FROM webhook_endpoints w
    WHERE w.id = d.endpoint_id
      AND d.id IN (
        SELECT due.id FROM webhook_deliveries due
        JOIN webhook_endpoints e ON e.id = due.endpoint_id AND e.enabled
        WHERE due.status = 'pending' AND due.next_attempt_at <= now()
        ORDER BY due.next_attempt_at
        LIMIT :limit
        FOR UPDATE OF due SKIP LOCKED)
    RETURNING d.id, d.attempts, d.retry_base, d.payload, w.url, w.secret_sealed
    """
)


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    attempt: int  # this attempt's number (the fence when recording it)
    retry_base: int
    payload: dict[str, Any]
    url: str
    secret_sealed: str

    @property
    def manual(self) -> bool:
        return self.retry_base > 0 and self.attempt == self.retry_base + 1


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def claim_due(limit: int = BATCH) -> list[Claimed]:
    lease = get_settings().webhook_timeout_s + 30
    with session_scope() as session:
        rows = session.execute(_CLAIM_SQL, {"lease": lease, "limit": limit}).all()
    return [
        Claimed(
            delivery_id=r.id,
            attempt=r.attempts,
            retry_base=r.retry_base,
            payload=r.payload,
            url=r.url,
            secret_sealed=r.secret_sealed,
        )
        for r in rows
    ]


def signed_headers(delivery_id: uuid.UUID, secret: str, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (the id is the same on every attempt)."""
    message_id = f"msg_{delivery_id.hex}"
    now = utcnow()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def send(claimed: Claimed, client: httpx.AsyncClient) -> Outcome:
    body = json.dumps(claimed.payload, separators=(",", ":"), default=str)
    headers = signed_headers(claimed.delivery_id, vault.unseal(claimed.secret_sealed), body)
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        response = await client.post(claimed.url, content=body, headers=headers)
    except mcp_hosts.HostRefused as exc:
        return Outcome(None, str(exc)[:500], took(), refused=True)
    except (httpx.HTTPError, OSError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500], took())
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}: {response.text[:200]}"
    return Outcome(response.status_code, error, took())


def record(claimed: Claimed, outcome: Outcome) -> None:
    """The attempt's row and the delivery's next step (delivered, retry later, or failed)."""
    with session_scope() as session:
        row = session.get(WebhookDelivery, claimed.delivery_id, with_for_update=True)
        if row is None or row.attempts != claimed.attempt:  # deleted, or claimed again meanwhile
            return
        session.add(
            WebhookAttempt(
                delivery_id=row.id,
                number=claimed.attempt,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                manual=claimed.manual,
            )
        )
        row.last_status_code, row.last_error = outcome.status_code, outcome.error
        schedule = get_settings().webhook_retry_schedule
        made = claimed.attempt - row.retry_base  # attempts since the first (or the last redelivery)
        if outcome.ok:
            row.status, row.delivered_at = DeliveryStatus.delivered.value, utcnow()
        elif outcome.refused or made > len(schedule):
            row.status = DeliveryStatus.failed.value
            log.warning("webhook delivery %s failed for good: %s", row.id, outcome.error)
        else:
            row.next_attempt_at = utcnow() + timedelta(seconds=schedule[made - 1])
        session.add(row)


async def deliver_due(limit: int = BATCH) -> int:
    """Send the due deliveries concurrently; returns how many attempts were made."""
    claimed = await asyncio.to_thread(claim_due, limit)
    if not claimed:
        return 0
    async with mcp_hosts.guarded_http_client(get_settings().webhook_timeout_s) as client:
        outcomes = await asyncio.gather(*(send(c, client) for c in claimed))
    for item, outcome in zip(claimed, outcomes, strict=True):
        await asyncio.to_thread(record, item, outcome)
    return len(claimed)
