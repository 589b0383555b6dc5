"""The event log: the audit trail, the timeline and the source of live updates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, json_field


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # the timeline and the activity feed page by id within one project / team (keyset)
        Index("ix_events_project_id_id", "project_id", "id"),
        Index("ix_events_team_id_id", "team_id", "id"),
        # retention finds old rows without a scan; BRIN stays tiny on an append-only table
        Index("ix_events_created_at_brin", "created_at", postgresql_using="brin"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=100, index=True)
    team_id: uuid.UUID | None = Field(default=None)
    project_id: uuid.UUID | None = Field(default=None)
    task_id: uuid.UUID | None = Field(default=None)
    actor_id: uuid.UUID | None = Field(default=None)
    actor: str = Field(default="system", max_length=200)
    payload: dict[str, Any] = json_field(dict)
    created_at: datetime = created_field()
