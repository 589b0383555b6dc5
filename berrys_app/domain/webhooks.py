"""Webhooks out: a team's endpoints, the deliveries owed to them and every attempt.

A delivery row is written in the transaction of the event that causes it (an outbox), so a
committed event is never lost to a crash; its id is the ``webhook-id`` header, the same on every
attempt, so a receiver can drop duplicates (delivery is at least once).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field

# what a subscription may name: the public event types, and the internal events they come from
WEBHOOK_EVENT_TYPES = (
    "project.created",
    "project.completed",
    "project.failed",
    "project.cancelled",
    "project.status_changed",
    "approval.requested",
    "task.failed",
    "task.waiting",
    "model.budget_exceeded",
)


class WebhookEndpointCreate(SQLModel):
    url: str = Field(min_length=1, max_length=2000, description="http(s) URL on a public host")
    description: str = Field(default="", max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=len(WEBHOOK_EVENT_TYPES))
    enabled: bool = True


class WebhookEndpointUpdate(SQLModel):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=len(WEBHOOK_EVENT_TYPES))
    enabled: bool | None = None


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    event_types: list[str] = json_field(list)
    secret_sealed: str = Field(sa_column=Column(Text, nullable=False))  # the vault's seal of "whsec_..."
    enabled: bool = True
    created_at: datetime = created_field()


class WebhookEndpointPublic(SQLModel):
    id: uuid.UUID
    team_id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    secret: str | None = None  # shown once, when created or rotated


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its (next) attempt
    delivered = "delivered"  # a 2xx answer
    failed = "failed"  # the retry schedule is spent, or the address is refused


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id", "event_type", name="uq_webhook_delivery_event"),)

    id: uuid.UUID = id_field()
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoints.id", index=True, ondelete="CASCADE")
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    event_type: str = Field(max_length=100)
    payload: dict[str, Any] = json_field(dict)
    status: str = Field(default=DeliveryStatus.pending.value, max_length=20, index=True)
    attempts: int = 0
    retry_base: int = 0  # the attempts made before the last redelivery by hand (its schedule restarts)
    next_attempt_at: datetime | None = ts_field(index=True)
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=500)
    delivered_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: uuid.UUID = id_field()
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", index=True, ondelete="CASCADE")
    number: int
    status_code: int | None = None
    error: str = Field(default="", max_length=500)
    duration_ms: int = 0
    manual: bool = False  # a redelivery asked for by a person
    created_at: datetime = created_field()


class WebhookAttemptPublic(SQLModel):
    number: int
    status_code: int | None
    error: str
    duration_ms: int
    manual: bool
    created_at: datetime


class WebhookDeliveryPublic(SQLModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)
    attempt_log: list[WebhookAttemptPublic] = Field(default_factory=list)
