"""Projects: the unit a team plans, approves and executes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, field_validator
from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field


class ProjectStatus(StrEnum):
    created = "created"
    planning = "planning"
    plan_review = "plan_review"
    ready = "ready"
    executing = "executing"
    paused = "paused"
    completed = "completed"
    failed = "failed"
    rejected = "rejected"
    cancelled = "cancelled"


class ProjectBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000, sa_column=Column(Text, nullable=False))
    max_agents: int = Field(default=5, ge=1, le=100)
    budget_usd: float | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)
    auto_approve: bool = False
    model: str | None = Field(default=None, max_length=200)
    max_task_attempts: int = Field(default=3, ge=1, le=20)
    max_replans: int = Field(default=1, ge=0, le=10)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value


# an objective is a sentence or a paragraph: a 20,000-character one planned for 94 s (issue 21)
OBJECTIVE_MAX_CHARS = 1000
OBJECTIVES_MAX = 20
Objective = Annotated[str, StringConstraints(max_length=OBJECTIVE_MAX_CHARS)]


class ProjectCreate(ProjectBase):
    objectives: list[Objective] = Field(default_factory=list, max_length=OBJECTIVES_MAX)
    deadline: datetime | None = None


class ProjectUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    objectives: list[Objective] | None = Field(default=None, max_length=OBJECTIVES_MAX)
    max_agents: int | None = Field(default=None, ge=1, le=100)
    budget_usd: float | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)
    auto_approve: bool | None = None
    model: str | None = None
    deadline: datetime | None = None
    max_task_attempts: int | None = Field(default=None, ge=1, le=20)
    max_replans: int | None = Field(default=None, ge=0, le=10)


class Project(ProjectBase, table=True):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_team_created", "team_id", "created_at", "id"),)  # the list, newest first

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", ondelete="CASCADE")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    objectives: list[str] = json_field(list)
    status: str = Field(default=ProjectStatus.created.value, max_length=20, index=True)
    status_reason: str | None = Field(default=None, max_length=2000)
    deadline: datetime | None = ts_field()
    plan_version: int = 0  # the approved (executing) plan version, 0 = none yet
    replans_used: int = 0
    sinks_remaining: int = 0  # tasks without dependents still open: 0 => aggregate
    # a fork (usecases/forks.py): the project it was forked from, at which task ("" = none: a
    # replay runs every task), and how its re-run tasks answer (run = the models, replay = the
    # source's recorded calls)
    forked_from_project_id: uuid.UUID | None = Field(
        default=None, foreign_key="projects.id", index=True, ondelete="SET NULL"
    )
    forked_at_task_key: str | None = Field(default=None, max_length=100)
    fork_mode: str | None = Field(default=None, max_length=20)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ProjectPublic(ProjectBase):
    id: uuid.UUID
    team_id: uuid.UUID
    created_by: uuid.UUID | None
    objectives: list[str]
    status: str
    status_reason: str | None
    deadline: datetime | None
    plan_version: int = 0
    replans_used: int = 0
    forked_from_project_id: uuid.UUID | None = None
    forked_at_task_key: str | None = None
    fork_mode: str | None = None
    created_at: datetime
    updated_at: datetime
