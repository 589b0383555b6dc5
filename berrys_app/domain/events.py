"""The event log: the audit trail, the timeline and the source of live updates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, json_field


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=100, index=True)
    team_id: uuid.UUID | None = Field(default=None, index=True)
    project_id: uuid.UUID | None = Field(default=None, index=True)
    task_id: uuid.UUID | None = Field(default=None)
    actor_id: uuid.UUID | None = Field(default=None)
    actor: str = Field(default="system", max_length=200)
    payload: dict[str, Any] = json_field(dict)
    created_at: datetime = created_field()
