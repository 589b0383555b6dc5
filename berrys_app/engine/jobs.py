"""The jobs the engine queues, with deterministic ids: enqueuing the same job twice is a no-op."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from berrys_app.queue import Job


def task_job(task_id: uuid.UUID | str, attempt: int, defer_s: float = 0.0) -> Job:
    """One job id per attempt: a duplicate enqueue of the same attempt is a no-op."""
    return Job("run_task", (str(task_id),), f"task:{task_id}:{attempt}", defer_s)


def tasks_job(project_id: uuid.UUID | str, tasks: Sequence[tuple[uuid.UUID | str, int]]) -> Job:
    """Several ready tasks of a project in one job (its start): one job to start instead of one
    per task, and the worker that takes it leases them in one statement (``run_tasks``). The job
    id names the attempts, so enqueuing the same batch twice is a no-op."""
    args = tuple(f"{task_id}:{attempt}" for task_id, attempt in tasks)
    digest = hashlib.sha1(",".join(sorted(args)).encode()).hexdigest()[:16]
    return Job("run_tasks", args, f"tasks:{project_id}:{digest}", 0.0)


def wake_job(task_id: uuid.UUID | str, attempt: int, woken_by: uuid.UUID | str) -> Job:
    """A task parked because its agent was busy, dispatched again when one of the agent's tasks ended.

    Its own job id may still be held by the job that found the agent busy, hence the suffix.
    """
    return Job("run_task", (str(task_id),), f"task:{task_id}:{attempt}:after:{woken_by}", 0.0)


def aggregate_job(project_id: uuid.UUID | str, plan_version: int) -> Job:
    return Job("aggregate_project", (str(project_id), str(plan_version)), f"aggregate:{project_id}:{plan_version}", 0.0)


def plan_job(project_id: uuid.UUID | str, number: int) -> Job:
    return Job("plan_project", (str(project_id),), f"plan:{project_id}:{number}", 0.0)
