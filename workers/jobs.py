"""The job functions arq runs. Each is thin: load ids, call a service.

``JOBS`` and ``CRON_JOBS`` are what ``WorkerSettings`` registers.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from arq import cron

import berrys_app.services.models  # noqa: F401  (import litellm at startup, not inside the first job's event loop)
from berrys_app import tracing
from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.engine import aggregation_job, planner_job, runner
from berrys_app.engine.reconciler import reconcile_once
from berrys_app.engine.runtime import Runtime
from berrys_app.observability import logs
from berrys_app.services import events, retention, usage_rollup
from berrys_app.settings import get_settings
from workers import automation, mail


async def ping(ctx: dict[str, Any], note: str = "") -> str:
    """A no-op job that records an event: proves the queue -> worker -> DB -> live path."""
    with session_scope() as session:
        events.emit(
            session,
            EventKind.WORKER_PING,
            actor=ctx.get("worker_id", "worker"),
            payload={"note": note},
        )
    return "pong"


def _worker(ctx: dict[str, Any]) -> str:
    """The identity this process leases under (unique per process: ``heartbeat.lease_holder``)."""
    return str(ctx.get("lease_holder") or ctx.get("worker_id", "worker"))


async def plan_project(ctx: dict[str, Any], project_id: str) -> str:
    """Ask the planner for a plan (or a replan) of a project in ``planning``."""
    logs.bind(project_id=project_id)
    with tracing.span("plan", project_id=project_id, attributes=_job_attributes(ctx, "plan_project")), _runtime(ctx):
        return await planner_job.plan_project(uuid.UUID(project_id), worker=_worker(ctx))


async def run_task(ctx: dict[str, Any], task_id: str) -> str:
    """Lease and run one task through its agent loop (ids only; resumes from recorded calls).

    The job leaves arq's queue as soon as it starts. arq keeps a running job in the queue until it
    ends, and a poll reads the queue's head (``queue_read_limit`` ids): a run_task job runs the
    task's ready dependents after it (for up to 30 s), so such jobs would fill the head and hide
    the queued ones behind them. Nothing is lost by removing it early: the in-progress key still
    prevents a second start, and PostgreSQL's lease, not arq, decides what a dead worker lost.
    """
    await _leave_queue(ctx)
    with _runtime(ctx) as rt:
        return await runner.run_task(
            rt.runner, uuid.UUID(task_id), worker=_worker(ctx), wait_local=bool(ctx.get("burst"))
        )


async def run_tasks(ctx: dict[str, Any], *tasks: str) -> str:
    """Lease and run several ready tasks (``task_id:attempt`` each; a project's start) here, as
    many as there is room for; queue the rest. Leaves arq's queue at once, as ``run_task``."""
    await _leave_queue(ctx)
    with (
        tracing.span("start tasks", project_id=_project_of(ctx), attributes=_job_attributes(ctx, "run_tasks")),
        _runtime(ctx) as rt,
    ):
        return await _run_tasks(ctx, rt, tasks)


async def _run_tasks(ctx: dict[str, Any], rt: Runtime, tasks: tuple[str, ...]) -> str:
    pairs = [(uuid.UUID(task_id), int(attempt)) for task_id, attempt in (item.rsplit(":", 1) for item in tasks)]
    return await runner.run_tasks(rt.runner, pairs, worker=_worker(ctx), wait_local=bool(ctx.get("burst")))


def _runtime(ctx: dict[str, Any]) -> contextlib.AbstractContextManager[Runtime]:
    """The worker's runtime (``on_startup``), active for the job: its pool, Redis client and
    publisher serve the calls made deep inside the job (``engine.runtime``)."""
    return ctx["runtime"].active()


async def _leave_queue(ctx: dict[str, Any]) -> None:
    if ctx.get("job_id") and ctx.get("redis") is not None:
        await ctx["redis"].zrem(get_settings().queue_name, ctx["job_id"])


async def aggregate_project(ctx: dict[str, Any], project_id: str, plan_version: str) -> str:
    """All tasks done: write the deliverable and complete the project."""
    logs.bind(project_id=project_id)
    with (
        tracing.span("aggregate", project_id=project_id, attributes=_job_attributes(ctx, "aggregate_project")),
        _runtime(ctx),
    ):
        return await aggregation_job.aggregate_project(uuid.UUID(project_id), int(plan_version), worker=_worker(ctx))


def _job_attributes(ctx: dict[str, Any], function: str) -> dict[str, Any]:
    """A job span's attributes (OpenTelemetry messaging conventions). A ``run_task`` job has no
    span of its own: its task's project is known only once leased, and the attempt's span
    (``engine.runner.Run``) stands for it."""
    return {
        "messaging.system": "arq",
        "messaging.operation.type": "process",
        "messaging.message.id": ctx.get("job_id"),
        "berrys.job.function": function,
        "berrys.job.try": ctx.get("job_try"),
        "berrys.worker": _worker(ctx),
    }


def _project_of(ctx: dict[str, Any]) -> str | None:
    """The project of a ``run_tasks`` job, from its id (``engine.jobs.tasks_job``: tasks:<project>:<digest>)."""
    parts = str(ctx.get("job_id") or "").split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "tasks" else None


async def reconcile(ctx: dict[str, Any]) -> str:
    """Take back expired leases and rebuild the queue from PostgreSQL."""
    report = await asyncio.to_thread(reconcile_once)
    return f"expired={report.expired} tasks={report.enqueued_tasks}"


async def apply_retention(ctx: dict[str, Any]) -> str:
    """Daily: trim old engine-traffic events, model- and tool-call excerpts (``BERRYS_RETENTION_DAYS``)
    and, only if the operator set it, old audit entries (``BERRYS_AUDIT_RETENTION_DAYS``)."""
    settings = get_settings()
    report = await asyncio.to_thread(retention.purge, settings.retention_days, audit_days=settings.audit_retention_days)
    return (
        f"events={report.events_deleted} excerpts={report.excerpts_cleared}"
        f" tool_excerpts={report.tool_excerpts_cleared} audit={report.audit_deleted}"
    )


async def roll_up_usage(ctx: dict[str, Any]) -> str:
    """Hourly: sum the model calls of the days just closed per team, model and day (the Models page)."""
    report = await asyncio.to_thread(usage_rollup.roll_up)
    return f"closed_before={report.closed_before} rows={report.rows}"


def _every(seconds: int) -> set[int]:
    return set(range(0, 60, max(1, seconds)))


JOBS: list[Any] = [
    ping,
    plan_project,
    run_task,
    run_tasks,
    aggregate_project,
    reconcile,
    apply_retention,
    roll_up_usage,
]
CRON_JOBS: list[Any] = [
    cron(reconcile, second=_every(get_settings().reconcile_interval_s), microsecond=0, run_at_startup=True, timeout=30),
    *mail.CRON_JOBS,
    *automation.CRON_JOBS,
    # one worker runs it (arq's cron job id is unique per run time); hours on a big backlog
    cron(apply_retention, hour=get_settings().retention_hour, minute=17, second=0, microsecond=0, timeout=6 * 3600),
    cron(roll_up_usage, minute=43, second=0, microsecond=0, timeout=3600),  # one worker runs it, as above
]
