"""Project templates and their triggers (a schedule or an inbound webhook).

A template holds what a project starts with (settings, objectives, optionally a plan) with
``{{name}}`` placeholders its parameters fill. A trigger starts projects from one template; each
firing is a ``trigger_runs`` row. The unique (trigger, slot) pair is how a schedule is claimed in
PostgreSQL: however many workers see a slot due, one insert wins.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field

PARAM_NAME = r"^[a-z][a-z0-9_]{0,39}$"
PARAMETERS_MAX = 20


class TemplateParameter(BaseModel):
    """One ``{{name}}`` a start must give (or the default fills)."""

    name: str = PydanticField(pattern=PARAM_NAME, description="lower_snake_case; used as {{name}} in the template")
    description: str = PydanticField(default="", max_length=500)
    required: bool = True
    default: str | None = PydanticField(default=None, max_length=2000)
    max_length: int = PydanticField(default=1000, ge=1, le=20_000)


class TemplateBody(SQLModel):
    """What a template stores: project settings + objectives, and optionally a plan (all may
    carry placeholders; they are checked again, filled in, when a project starts)."""

    project: dict[str, Any] = Field(default_factory=dict, description="ProjectCreate fields (name, objectives...)")
    plan: dict[str, Any] | None = Field(default=None, description="a plan as POST /projects/{id}/plan takes it")


class ProjectTemplateBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class ProjectTemplateCreate(ProjectTemplateBase):
    parameters: list[TemplateParameter] = Field(default_factory=list, max_length=PARAMETERS_MAX)
    body: TemplateBody | None = None
    from_project_id: uuid.UUID | None = Field(default=None, description="copy settings, objectives and plan")


class ProjectTemplateUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    parameters: list[TemplateParameter] | None = Field(default=None, max_length=PARAMETERS_MAX)
    body: TemplateBody | None = None


class ProjectTemplate(ProjectTemplateBase, table=True):
    __tablename__ = "project_templates"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    parameters: list[dict[str, Any]] = json_field(list)
    body: dict[str, Any] = json_field(dict)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ProjectTemplatePublic(ProjectTemplateBase):
    id: uuid.UUID
    team_id: uuid.UUID
    created_by: uuid.UUID | None
    parameters: list[TemplateParameter]
    body: TemplateBody
    created_at: datetime
    updated_at: datetime


class StartFromTemplate(SQLModel):
    params: dict[str, str] = Field(default_factory=dict, description="a value per parameter name")


class TriggerKind(StrEnum):
    schedule = "schedule"  # a cron expression in a time zone
    webhook = "webhook"  # POST /api/v1/hooks/{trigger_id} with its token


class TriggerCreate(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: TriggerKind
    cron: str | None = Field(default=None, max_length=120, description="5 fields, or 6 with seconds last")
    timezone: str = Field(default="UTC", max_length=64, description="an IANA zone, e.g. Europe/Paris")
    params: dict[str, str] = Field(default_factory=dict, description="fixed parameter values")
    payload_map: dict[str, str] = Field(
        default_factory=dict, description="parameter -> JSON pointer into the webhook payload, e.g. /repo/name"
    )
    enabled: bool = True


class TriggerUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    cron: str | None = Field(default=None, max_length=120)
    timezone: str | None = Field(default=None, max_length=64)
    params: dict[str, str] | None = None
    payload_map: dict[str, str] | None = None
    enabled: bool | None = None


class Trigger(SQLModel, table=True):
    __tablename__ = "triggers"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    template_id: uuid.UUID = Field(foreign_key="project_templates.id", index=True, ondelete="CASCADE")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    cron: str | None = Field(default=None, max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    params: dict[str, Any] = json_field(dict)
    payload_map: dict[str, Any] = json_field(dict)
    token_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the webhook token
    enabled: bool = True
    next_run_at: datetime | None = ts_field(index=True)  # the schedule's next slot (UTC)
    created_at: datetime = created_field()


class TriggerPublic(SQLModel):
    id: uuid.UUID
    team_id: uuid.UUID
    template_id: uuid.UUID
    name: str
    kind: str
    cron: str | None
    timezone: str
    params: dict[str, Any]
    payload_map: dict[str, Any]
    enabled: bool
    next_run_at: datetime | None
    created_at: datetime
    hook_url: str | None = None  # webhook triggers: where to POST
    token: str | None = None  # shown once, when created or rotated


class RunStatus(StrEnum):
    started = "started"  # a project was created
    refused = "refused"  # an inbound call with a wrong token
    invalid = "invalid"  # parameters missing or invalid
    failed = "failed"  # the project could not be created (its reason kept)


class TriggerRun(SQLModel, table=True):
    """One firing: a schedule slot (claimed by the unique pair) or one inbound call."""

    __tablename__ = "trigger_runs"
    __table_args__ = (UniqueConstraint("trigger_id", "slot", name="uq_trigger_runs_slot"),)

    id: uuid.UUID = id_field()
    trigger_id: uuid.UUID = Field(foreign_key="triggers.id", index=True, ondelete="CASCADE")
    slot: datetime | None = ts_field()  # the schedule slot; NULL for inbound calls (never unique)
    status: str = Field(max_length=20)
    project_id: uuid.UUID | None = Field(default=None, foreign_key="projects.id", ondelete="SET NULL")
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_ip: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()


class TriggerRunPublic(SQLModel):
    id: uuid.UUID
    trigger_id: uuid.UUID
    slot: datetime | None
    status: str
    project_id: uuid.UUID | None
    error: str
    source_ip: str | None
    created_at: datetime
