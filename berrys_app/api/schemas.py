"""Public response shapes of the REST API (what clients see; internal columns stay out)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from berrys_app.domain.event_kinds import EventMessage
from berrys_app.domain.projects import ProjectPublic


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PlanVersionPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    version: int
    source: str
    status: str
    plan: dict[str, Any]
    critical_path: list[str]
    estimated_total_minutes: float
    diff: dict[str, Any]
    warnings: list[str]
    reason: str | None
    created_by: uuid.UUID | None
    created_at: datetime


class PlanRequested(BaseModel):
    """``POST /plan``: the project after the request, and the stored plan if one was submitted."""

    project: ProjectPublic
    plan: PlanVersionPublic | None = None


class TaskPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    plan_version: int
    key: str
    title: str
    description: str
    capabilities: list[str]
    expected_output: str
    estimated_minutes: float
    priority: int
    status: str
    attempt: int
    failures: int
    last_error: str | None
    waiting_reason: str | None
    output: str | None
    agent_id: uuid.UUID | None
    assignment_reason: str | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class DeliverablePublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    kind: str
    content: str
    source_task_ids: list[str]
    created_at: datetime


class UsagePublic(BaseModel):
    calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float
    budget_usd: float | None
    budget_tokens: int | None
    tasks: dict[str, int]
    waiting: int


class AgentPublic(Public):
    id: uuid.UUID
    team_id: uuid.UUID
    project_id: uuid.UUID | None
    template_id: uuid.UUID | None
    name: str
    role: str
    capabilities: list[str]
    model: str | None
    allowed_tools: list[str]
    max_concurrent_tasks: int
    budget_usd: float | None = None
    budget_tokens: int | None = None
    status: str
    reason: str | None
    created_at: datetime


class AgentBudget(BaseModel):
    """An agent's hard budget; ``null`` removes the limit."""

    budget_usd: float | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)


class AgentStateChangePublic(Public):
    id: uuid.UUID
    agent_id: uuid.UUID
    from_status: str | None
    to_status: str
    reason: str | None
    actor: str
    created_at: datetime


class AgentTemplatePublic(Public):
    id: uuid.UUID
    name: str
    role: str
    system_prompt: str
    capabilities: list[str]
    preferred_model: str | None
    allowed_tools: list[str]
    max_concurrent_tasks: int


class EventPublic(EventMessage):
    """An event (``domain.event_kinds.EventMessage``; ``kind`` is one of ``EventKind``)."""


class CommentPublic(Public):
    id: uuid.UUID
    team_id: uuid.UUID
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    author_id: uuid.UUID | None
    body: str
    mentions: list[str]
    created_at: datetime


class ApprovalPublic(Public):
    id: uuid.UUID
    team_id: uuid.UUID
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    kind: str
    status: str
    title: str
    details: dict[str, Any]
    requested_by: str
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime
