"""The engine's tables: plan versions, tasks and their dependencies, agents, deliverables.

A task row is the durable state of one unit of work: status, attempt (leases taken,
used as a fencing token and in job ids), failures (what retries count), crashes (leases
that expired: the worker died running it; ``max_task_crashes`` of them fail the task), the lease
expiry, the last error and the output. ``remaining_deps`` is a counter so the worker
that completes a task can find the dependents that became ready in one UPDATE.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field


class TaskStatus(StrEnum):
    pending = "pending"  # waiting for dependencies
    ready = "ready"  # dependencies done, enqueued
    running = "running"  # leased by a worker
    retrying = "retrying"  # failed, will be enqueued again after a backoff
    waiting_approval = "waiting_approval"  # needs a person (e.g. budget_exceeded)
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    superseded = "superseded"  # replaced by a newer plan version


class DependencyKind(StrEnum):
    completion = "completion"  # downstream waits for upstream to finish
    input = "input"  # ... and receives its output in its context


class PlanStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    superseded = "superseded"


class AgentStatus(StrEnum):
    ready = "ready"
    active = "active"
    paused = "paused"
    terminated = "terminated"


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_plan_versions_project_version"),)

    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    version: int
    source: str = Field(default="planner", max_length=20)  # planner | manual | replan
    status: str = Field(default=PlanStatus.proposed.value, max_length=20)
    plan: dict[str, Any] = json_field(dict)
    critical_path: list[str] = json_field(list)
    estimated_total_minutes: float = 0.0
    diff: dict[str, Any] = json_field(dict)
    warnings: list[str] = json_field(list)
    reason: str | None = Field(default=None, max_length=2000)
    created_by: uuid.UUID | None = Field(default=None)
    created_at: datetime = created_field()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "plan_version", "key", name="uq_tasks_project_version_key"),
        Index("ix_tasks_status_lease", "status", "lease_expires_at"),
        Index("ix_tasks_agent_status", "agent_id", "status"),  # an agent's running / parked tasks
    )

    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    plan_version: int
    key: str = Field(max_length=100)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    capabilities: list[str] = json_field(list)
    expected_output: str = Field(default="", sa_column=Column(Text, nullable=False))
    estimated_minutes: float = 0.0
    priority: int = 0
    status: str = Field(default=TaskStatus.pending.value, max_length=20)
    remaining_deps: int = 0
    is_sink: bool = False
    attempt: int = 0
    failures: int = 0
    crashes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    lease_expires_at: datetime | None = ts_field()
    leased_by: str | None = Field(default=None, max_length=200)
    next_attempt_at: datetime | None = ts_field()
    # when the task was last handed to the queue: a ready task not leased within a lease period
    # (its job was picked by a worker that died before leasing) is re-dispatched under a fresh job id
    dispatched_at: datetime | None = ts_field()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    waiting_reason: str | None = Field(default=None, max_length=100)
    output: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id", ondelete="SET NULL")
    assignment_reason: str | None = Field(default=None, max_length=1000)
    started_at: datetime | None = ts_field()
    finished_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class TaskDependency(SQLModel, table=True):
    __tablename__ = "task_dependencies"

    task_id: uuid.UUID = Field(foreign_key="tasks.id", primary_key=True, ondelete="CASCADE")
    depends_on_id: uuid.UUID = Field(foreign_key="tasks.id", primary_key=True, ondelete="CASCADE", index=True)
    kind: str = Field(default=DependencyKind.completion.value, max_length=20)


class AgentTemplate(SQLModel, table=True):
    __tablename__ = "agent_templates"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=200)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    capabilities: list[str] = json_field(list)
    preferred_model: str | None = Field(default=None, max_length=200)
    allowed_tools: list[str] = json_field(list)
    max_concurrent_tasks: int = Field(default=4, ge=1)
    budget_usd: float | None = Field(default=None, ge=0)  # per agent created from it (hard, checked per call)
    budget_tokens: int | None = Field(default=None, ge=0)
    created_at: datetime = created_field()


class Agent(SQLModel, table=True):
    __tablename__ = "agents"

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    project_id: uuid.UUID | None = Field(default=None, foreign_key="projects.id", index=True, ondelete="SET NULL")
    template_id: uuid.UUID | None = Field(default=None, foreign_key="agent_templates.id", ondelete="SET NULL")
    name: str = Field(max_length=200)
    role: str = Field(max_length=200)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    capabilities: list[str] = json_field(list)
    model: str | None = Field(default=None, max_length=200)
    allowed_tools: list[str] = json_field(list)
    max_concurrent_tasks: int = 4
    # tasks this agent runs right now: the lease takes a slot only while it is below
    # max_concurrent_tasks (the row lock serialises concurrent leases); every way out of
    # ``running`` gives the slot back, and the reconciler recounts it from the task rows
    running_tasks: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    budget_usd: float | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)
    status: str = Field(default=AgentStatus.ready.value, max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = created_field()


class AgentStateChange(SQLModel, table=True):
    __tablename__ = "agent_state_changes"

    id: uuid.UUID = id_field()
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    actor: str = Field(default="system", max_length=200)
    created_at: datetime = created_field()


class Deliverable(SQLModel, table=True):
    __tablename__ = "deliverables"

    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    kind: str = Field(default="report", max_length=50)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_task_ids: list[str] = json_field(list)
    created_at: datetime = created_field()
