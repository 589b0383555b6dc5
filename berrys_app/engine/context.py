"""What a lease hands the agent loop: the task as it was when leased. Frozen -- the loop reads it,
the runner (``runner.Run``) owns everything that changes while the task runs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from berrys_app.services.models.schemas import KnownProject

DEFAULT_SYSTEM_PROMPT = "You are a capable assistant. Do the task and report the result."


@dataclass(frozen=True)
class TaskContext:
    """One leased attempt of a task (``attempt`` is the fencing token)."""

    task_id: uuid.UUID
    project_id: uuid.UUID
    team_id: uuid.UUID
    plan_version: int
    key: str
    title: str
    description: str
    expected_output: str
    attempt: int
    failures: int
    max_attempts: int
    agent_id: uuid.UUID | None
    model: str | None
    system_prompt: str
    allowed_tools: tuple[str, ...]
    agent_budget_usd: float | None
    agent_budget_tokens: int | None
    project_name: str
    inputs: tuple[Mapping[str, Any], ...]
    worker: str
    project: KnownProject | None = None  # read by the lease: the first attempt's model calls skip their lookup


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def from_row(row: Mapping[str, Any], worker: str) -> TaskContext:
    """A context from a lease statement's JSON row (``statements.LEASE_SQL`` and friends)."""
    task_id, project_id, team_id = _uuid(row["id"]), _uuid(row["project_id"]), _uuid(row["team_id"])
    assert task_id is not None and project_id is not None and team_id is not None
    return TaskContext(
        task_id=task_id,
        project_id=project_id,
        team_id=team_id,
        plan_version=row["plan_version"],
        key=row["key"],
        title=row["title"],
        description=row["description"],
        expected_output=row["expected_output"],
        attempt=row["attempt"],
        failures=row["failures"],
        max_attempts=row["max_task_attempts"],
        agent_id=_uuid(row["agent_id"]),
        model=row["project_model"] or row["agent_model"],
        system_prompt=row["system_prompt"] or DEFAULT_SYSTEM_PROMPT,
        allowed_tools=tuple(row["allowed_tools"] or ()),
        agent_budget_usd=row["agent_budget_usd"],
        agent_budget_tokens=row["agent_budget_tokens"],
        project_name=row["project_name"],
        inputs=tuple(row["inputs"] or ()),
        worker=worker,
        project=KnownProject(
            model=row["project_model"],
            budget_usd=row["project_budget_usd"],
            budget_tokens=row["project_budget_tokens"],
            team_id=team_id,
        )
        if row["attempt"] == 1  # no call of this task can have been recorded before its first attempt
        else None,
    )
