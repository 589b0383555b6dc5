"""Collaboration: comments with @mentions, and the approvals inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field


class Comment(SQLModel, table=True):
    """A note on a project (``task_id`` None) or on one of its tasks."""

    __tablename__ = "comments"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    task_id: uuid.UUID | None = Field(default=None, index=True)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    mentions: list[str] = json_field(list)  # user ids (str) mentioned with @
    created_at: datetime = created_field()


class ApprovalKind(StrEnum):
    plan = "plan"
    budget = "budget"
    tool = "tool"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Approval(SQLModel, table=True):
    """A pending human decision (plan review, budget raise, tool use)."""

    __tablename__ = "approvals"
    __table_args__ = (  # the inbox (one status, then all), newest first, paged by (created_at, id)
        Index("ix_approvals_team_status_created_id", "team_id", "status", "created_at", "id"),
        Index("ix_approvals_team_created_id", "team_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", ondelete="CASCADE")
    project_id: uuid.UUID | None = Field(default=None, foreign_key="projects.id", index=True, ondelete="CASCADE")
    task_id: uuid.UUID | None = Field(default=None)
    kind: str = Field(max_length=20, index=True)
    status: str = Field(default=ApprovalStatus.pending.value, max_length=20, index=True)
    title: str = Field(default="", max_length=500)
    details: dict[str, Any] = json_field(dict)
    requested_by: str = Field(default="system", max_length=320)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = ts_field()
    reason: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_field()


class TeamInvitation(SQLModel, table=True):
    """An invitation by email for someone without an account yet; accepted when they sign up."""

    __tablename__ = "team_invitations"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=20)
    invited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    accepted_at: datetime | None = ts_field()
    created_at: datetime = created_field()
