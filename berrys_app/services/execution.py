"""Execution: materialise an approved plan, dispatch ready tasks, run the agent loop, aggregate.

The hot path per task is two statements on async autocommit connections (``hot_db``), each
shared with the other tasks of the worker that lease or complete at the same moment (group
commit, ``group_commit``): a lease (lock the tasks, take slots of their agents -- at most
``max_concurrent_tasks`` each --, load the context, log ``task.started``) and a completion (write
the final model calls, complete the tasks, give the agents' slots back, count down dependents,
wake tasks parked on those agents, log the events). The worker that completes a task runs its
ready dependents itself, up to ``local_tasks`` at once, and hands only the surplus to the queue.
Events and jobs leave in Redis pipelines from the worker's event loop (``hot_publish``). An agent
is Active while it runs a task, Ready when it runs none (history rows and
``agent.status_changed`` events in the same statements).

Durability: every completion is committed before its dependents are leased (durable per task,
not per level; a dependent whose inputs are all in this worker's memory may start its model call
while that commit runs -- ``speculation`` -- but nothing else before its lease); the lease's
``attempt`` is a fencing token (a worker that lost its lease cannot complete the task), model and tool calls carry stable call keys so a re-run
replays recorded calls instead of repeating them, and the reconciler re-enqueues
whatever Redis forgot (and recounts agent slots that drifted).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select, update

from berrys_app import db, queue
from berrys_app.db import get_engine
from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import (
    AgentStatus,
    Deliverable,
    PlanStatus,
    PlanVersion,
    Task,
    TaskDependency,
    TaskStatus,
)
from berrys_app.services import agents, engine_sql, group_commit, hot_db, hot_publish, planning, speculation
from berrys_app.services.authz import Actor
from berrys_app.services.errors import BudgetExceeded, ServiceError, ToolApprovalRequired
from berrys_app.services.events import emit, emit_written
from berrys_app.services.models.schemas import KnownProject
from berrys_app.services.task_approvals import open_for_waiting_task
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

# (function, args, job_id, defer_s)
Job = tuple[str, tuple[str, ...], str, float]
# context_overflow is fatal because the engine's calls set ``fit_context``: the model layer has already
# trimmed the prompt, so an overflow means trimming cannot help (the system prompt alone is too long).
FATAL_MODEL_REASONS = frozenset({"unknown_model", "missing_api_key", "context_overflow", "network_disabled"})
OPEN_TASK_STATUSES = (
    TaskStatus.pending.value,
    TaskStatus.ready.value,
    TaskStatus.running.value,
    TaskStatus.retrying.value,
    TaskStatus.waiting_approval.value,
)


def task_job(task_id: uuid.UUID | str, attempt: int, defer_s: float = 0.0) -> Job:
    """One job id per attempt: a duplicate enqueue of the same attempt is a no-op."""
    return ("run_task", (str(task_id),), f"task:{task_id}:{attempt}", defer_s)


def tasks_job(project_id: uuid.UUID | str, tasks: Sequence[tuple[uuid.UUID | str, int]]) -> Job:
    """Several ready tasks of a project in one job (its start): one job to start instead of one
    per task, and the worker that takes it leases them in one statement (``run_tasks``). The job
    id names the attempts, so enqueuing the same batch twice is a no-op."""
    args = tuple(f"{task_id}:{attempt}" for task_id, attempt in tasks)
    digest = hashlib.sha1(",".join(sorted(args)).encode()).hexdigest()[:16]
    return ("run_tasks", args, f"tasks:{project_id}:{digest}", 0.0)


def wake_job(task_id: uuid.UUID | str, attempt: int, woken_by: uuid.UUID | str) -> Job:
    """A task parked because its agent was busy, dispatched again when one of the agent's tasks ended.

    Its own job id may still be held by the job that found the agent busy, hence the suffix.
    """
    return ("run_task", (str(task_id),), f"task:{task_id}:{attempt}:after:{woken_by}", 0.0)


def aggregate_job(project_id: uuid.UUID | str, plan_version: int) -> Job:
    return ("aggregate_project", (str(project_id), str(plan_version)), f"aggregate:{project_id}:{plan_version}", 0.0)


def plan_job(project_id: uuid.UUID | str, number: int) -> Job:
    return ("plan_project", (str(project_id),), f"plan:{project_id}:{number}", 0.0)


def dispatch(jobs: Iterable[Job]) -> None:
    """Enqueue after commit, one pipeline per distinct delay."""
    groups: dict[float, list[tuple[str, Sequence[Any], str | None]]] = defaultdict(list)
    for function, args, job_id, defer_s in jobs:
        groups[defer_s].append((function, args, job_id))
    for defer_s, batch in groups.items():
        queue.enqueue_many(batch, defer_s=defer_s)


def enqueue_plan(project_id: uuid.UUID, number: int) -> None:
    dispatch([plan_job(project_id, number)])


# --- plan -> tasks ----------------------------------------------------------------------


def materialize_plan(session: Session, project: Project, plan: PlanVersion, *, actor: Actor) -> list[Task]:
    """Create the approved version's tasks and edges, supersede open tasks of older versions, staff them."""
    close_open_tasks(session, project.id, TaskStatus.superseded, actor=actor, reason="superseded by a new plan")
    session.exec(  # type: ignore[call-overload]
        update(PlanVersion)
        .where(col(PlanVersion.project_id) == project.id, col(PlanVersion.status) == PlanStatus.approved.value)
        .values(status=PlanStatus.superseded.value)
    )
    done = planning.completed_task_keys(session, project.id)
    spec = planning.PlanIn.model_validate(plan.plan)
    by_key: dict[str, Task] = {}
    for item in spec.tasks:
        task = Task(
            project_id=project.id,
            plan_version=plan.version,
            key=item.id,
            title=item.title,
            description=item.description,
            capabilities=item.capabilities,
            expected_output=item.expected_output,
            estimated_minutes=item.estimated_minutes,
            priority=item.priority,
        )
        by_key[item.id] = task
    depended_on: set[str] = set()
    edges: list[TaskDependency] = []
    for item in spec.tasks:
        task = by_key[item.id]
        for dep in item.depends_on:
            upstream = by_key.get(dep.task) or done.get(dep.task)
            if upstream is None:  # validated before; defensive
                continue
            edges.append(TaskDependency(task_id=task.id, depends_on_id=upstream.id, kind=dep.type))
            if dep.task in by_key:
                depended_on.add(dep.task)
                task.remaining_deps += 1
    for key, task in by_key.items():
        task.is_sink = key not in depended_on
    session.add_all(by_key.values())
    session.flush()
    session.add_all(edges)
    plan.status = PlanStatus.approved.value
    session.add(plan)
    project.plan_version = plan.version
    project.sinks_remaining = sum(1 for t in by_key.values() if t.is_sink)
    session.add(project)
    agents.assemble_team(session, project, list(by_key.values()), actor=actor)
    return list(by_key.values())


def start_project(session: Session, project: Project, *, actor: Actor) -> list[Job]:
    """On execute/resume: tasks without open dependencies become ready; everything ready is (re)enqueued."""
    session.flush()  # the transition's event first: the statement's events follow it
    written, rows = session.execute(
        engine_sql.READY_ROOTS_SQL, {"p": project.id, "v": project.plan_version, "team": project.team_id}
    ).one()
    emit_written(session, written or [])
    now = utcnow()
    ready = [(row["id"], row["attempt"], _timestamp(row["next_attempt_at"])) for row in rows or []]
    due = [(task_id, attempt) for task_id, attempt, next_at in ready if not next_at or next_at <= now]
    jobs = [tasks_job(project.id, due)] if len(due) > 1 else [task_job(task_id, attempt) for task_id, attempt in due]
    jobs += [
        task_job(task_id, attempt, (next_at - now).total_seconds())
        for task_id, attempt, next_at in ready
        if next_at and next_at > now
    ]
    agents.wake_project_agents(session, project.id, reason="project executing", actor=actor)
    if project.sinks_remaining <= 0:
        jobs.append(aggregate_job(project.id, project.plan_version))
    return jobs


def _timestamp(value: str | None) -> datetime | None:
    """A ``timestamptz`` as json_build_object renders it."""
    return datetime.fromisoformat(value) if value else None


def pause_tasks(session: Session, project: Project, *, actor: Actor) -> None:
    """Running tasks go back to ready (their workers notice and stop); agents pause."""
    rows = session.execute(
        text(
            "UPDATE tasks SET status = 'ready', lease_expires_at = NULL, leased_by = NULL, dispatched_at = NULL "
            "WHERE project_id = :p AND status = 'running' RETURNING id, key, agent_id"
        ),
        {"p": project.id},
    ).all()
    agents.give_back_slots(session, [row[2] for row in rows], reason="project paused", actor=actor, settle=False)
    for task_id, key, _agent_id in rows:
        emit(
            session,
            "task.interrupted",
            project_id=project.id,
            team_id=project.team_id,
            task_id=task_id,
            actor=actor.label,
            payload={"key": key, "why": "project paused"},
        )
    agents.set_project_agents_status(session, project.id, AgentStatus.paused, reason="project paused", actor=actor)


def close_open_tasks(
    session: Session,
    project_id: uuid.UUID,
    to: TaskStatus,
    *,
    actor: Actor,
    reason: str,
    keep: uuid.UUID | None = None,
    settle: bool = True,
) -> list[tuple[uuid.UUID, str]]:
    """Cancel or supersede every open task of a project; running ones give their agent's slot back."""
    rows = session.execute(
        engine_sql.CLOSE_OPEN_SQL,
        {"p": project_id, "open": list(OPEN_TASK_STATUSES), "to": to.value, "keep": keep or uuid.UUID(int=0)},
    ).all()
    running = [row.agent_id for row in rows if row.was == TaskStatus.running.value]
    agents.give_back_slots(session, running, reason=reason, actor=actor, settle=settle)
    return [(row.id, row.key) for row in rows]


def cancel_tasks(session: Session, project: Project, *, actor: Actor) -> None:
    rows = close_open_tasks(
        session, project.id, TaskStatus.cancelled, actor=actor, reason="project cancelled", settle=False
    )
    for task_id, key in rows:
        emit(
            session,
            "task.cancelled",
            project_id=project.id,
            team_id=project.team_id,
            task_id=task_id,
            actor=actor.label,
            payload={"key": key},
        )
    agents.set_project_agents_status(
        session, project.id, AgentStatus.terminated, reason="project cancelled", actor=actor
    )


def requeue_task(session: Session, project: Project, task: Task, *, actor: Actor) -> list[Job]:
    """Make a waiting/failed task ready again (a person approved more budget, fixed a tool, ...)."""
    if task.status == TaskStatus.failed.value:
        task.failures = 0
    task.status = TaskStatus.ready.value
    task.waiting_reason = None
    task.dispatched_at = utcnow()
    session.add(task)
    emit(
        session,
        "task.ready",
        project_id=project.id,
        team_id=project.team_id,
        task_id=task.id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"key": task.key, "why": "retried by a person"},
    )
    if project.status == ProjectStatus.executing.value:
        return [task_job(task.id, task.attempt)]
    return []


# --- the hot path: lease, run, complete ------------------------------------------------------


@dataclass
class Lease:
    """What a worker holds while it runs a task (attempt = fencing token)."""

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
    allowed_tools: list[str]
    agent_budget_usd: float | None
    agent_budget_tokens: int | None
    project_name: str
    inputs: list[dict[str, Any]]
    worker: str
    project: KnownProject | None = None  # read by the lease: the first attempt's model calls skip their lookup
    pending_calls: list[dict[str, Any]] = field(default_factory=list)  # written with the completion
    lost: bool = field(default=False)
    # a run started ahead of its lease (``speculation``): resolved with the lease, or None if it never comes
    confirmation: asyncio.Future[Any] | None = field(default=None, repr=False, compare=False)
    # called by the agent loop with the final answer, before it returns (``_answered``)
    on_answer: Callable[[str], None] | None = field(default=None, repr=False, compare=False)
    # every dependent its completion makes ready started ahead: the completion may wait for company
    completion_can_wait: bool = field(default=False, repr=False, compare=False)


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def hot_engine() -> Engine:
    """An autocommit engine for the single-statement hot path (no BEGIN/COMMIT/ping round trips)."""
    return db.engine_for(get_settings().require_database_url(), pre_ping=False, autocommit=True)


def _lease_params(task_ids: Sequence[uuid.UUID], worker: str) -> dict[str, Any]:
    return {"ids": list(task_ids), "worker": worker, "lease_s": get_settings().lease_s}


def lease_task(task_id: uuid.UUID, *, worker: str) -> Lease | None:
    """Take the task if it is runnable and its project is executing; log ``task.started``. One round trip."""
    with hot_engine().connect() as conn:
        row = conn.execute(engine_sql.LEASE_SQL, _lease_params([task_id], worker)).mappings().one()
    return _leases_from(row, worker).get(task_id)


async def lease_tasks_async(task_ids: Sequence[uuid.UUID], *, worker: str) -> dict[uuid.UUID, Lease]:
    """Lease several tasks in one statement on the worker's async connections (the runnable ones)."""
    (row,) = await hot_db.fetch(engine_sql.LEASE_SQL_PG, _lease_params(task_ids, worker))
    return _leases_from(row, worker)


async def lease_task_async(task_id: uuid.UUID, *, worker: str) -> Lease | None:
    """``lease_task`` on the worker's async connections, in one statement with the leases that
    other tasks of this event loop ask for meanwhile (group commit)."""
    batcher = group_commit.for_loop(
        ("lease", worker), lambda: group_commit.GroupCommit(partial(_lease_batch, worker), name="lease")
    )
    return await batcher.submit(task_id)


async def _lease_batch(worker: str, task_ids: Sequence[uuid.UUID]) -> list[Lease | None]:
    leases = await lease_tasks_async(list(dict.fromkeys(task_ids)), worker=worker)
    return [leases.pop(task_id, None) for task_id in task_ids]  # a duplicate request gets nothing


def _leases_from(row: Mapping[str, Any], worker: str) -> dict[uuid.UUID, Lease]:
    hot_publish.send(row["events"])
    leases = (_to_lease(item, worker) for item in row["leases"] or [])
    return {lease.task_id: lease for lease in leases}


Continuation = tuple[list[Job], list[Lease]]  # after a completion: jobs to dispatch, dependents leased here


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _to_lease(row: Mapping[str, Any], worker: str) -> Lease:
    task_id, project_id, team_id = _uuid(row["id"]), _uuid(row["project_id"]), _uuid(row["team_id"])
    assert task_id is not None and project_id is not None and team_id is not None
    return Lease(
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
        system_prompt=row["system_prompt"] or "You are a capable assistant. Do the task and report the result.",
        allowed_tools=list(row["allowed_tools"] or []),
        agent_budget_usd=row["agent_budget_usd"],
        agent_budget_tokens=row["agent_budget_tokens"],
        project_name=row["project_name"],
        inputs=list(row["inputs"] or []),
        worker=worker,
        project=KnownProject(
            model=row["project_model"],
            budget_usd=row["project_budget_usd"],
            budget_tokens=row["project_budget_tokens"],
        )
        if row["attempt"] == 1  # no call of this task can have been recorded before its first attempt
        else None,
    )


def _complete_params(items: Sequence[tuple[Lease, str]], *, keep_busy: bool = False) -> dict[str, Any]:
    """One JSON parameter for the tasks, one for their pending model calls (cleared only on success:
    a batch retried item by item must still write them). ``keep_busy``: a follow-up lease runs in
    the same transaction, so an agent given a task it readied stays Active (no Ready flicker)."""
    return {
        "items": json.dumps(
            [
                {"id": str(lease.task_id), "attempt": lease.attempt, "output": output, "key": lease.key}
                for lease, output in items
            ]
        ),
        "calls": json.dumps([call for lease, _ in items for call in lease.pending_calls], default=str),
        "worker": items[0][0].worker,
        "keep_busy": keep_busy,
    }


def complete_task(lease: Lease, output: str) -> list[Job]:
    """Complete (fenced by attempt), make dependents ready, return the jobs to dispatch. One round trip.

    The events are published at once; the caller dispatches the jobs.
    """
    with hot_engine().connect() as conn:
        row = conn.execute(engine_sql.COMPLETE_SQL, _complete_params([(lease, output)])).mappings().one()
    return _after_complete([(lease, output)], row)[0]


async def complete_tasks_async(items: Sequence[tuple[Lease, str]]) -> list[list[Job]]:
    """Complete several tasks in one statement; for each, the jobs its completion made due."""
    (row,) = await hot_db.fetch(engine_sql.COMPLETE_SQL_PG, _complete_params(items))
    return _after_complete(items, row)


async def complete_task_async(lease: Lease, output: str) -> list[Job]:
    """``complete_task`` on the worker's async connections, in one statement with the completions
    of other tasks of this event loop that finish meanwhile (group commit). Each task's completion
    is committed before its dependents can start -- durable per task, not per level."""
    batcher = group_commit.for_loop(
        ("complete", lease.worker),
        lambda: group_commit.GroupCommit(complete_tasks_async, name="completion"),
    )
    return await batcher.submit((lease, output))


async def complete_and_continue_async(lease: Lease, output: str) -> Continuation:
    """``complete_task_async`` for a worker's own run: in the same transaction (and round trip) the
    worker leases the dependents the completions made ready, as many as it has free local slots
    for (group commit with the other completions of this event loop)."""
    batcher = group_commit.for_loop(
        ("complete+lease", lease.worker),
        lambda: group_commit.GroupCommit(partial(_complete_and_lease_batch, lease.worker), name="completion"),
    )
    wait_s = speculation.COMPLETION_WAIT_S if lease.completion_can_wait else 0.0
    return await batcher.submit((lease, output), wait_s=wait_s)


async def _complete_and_lease_batch(worker: str, items: Sequence[tuple[Lease, str]]) -> list[Continuation]:
    # the runs started ahead wait for their leases from these statements: their slots are theirs
    room = _local_runs().room(finishing=len(items)) + speculation.for_loop().room_held()
    if room > 0:
        follow_up = {"done": [str(lease.task_id) for lease, _ in items], "room": room, **_lease_params([], worker)}
        try:
            (row,), (leased,) = await hot_db.fetch_many(
                [
                    (engine_sql.COMPLETE_SQL_PG, _complete_params(items, keep_busy=True)),
                    (engine_sql.LEASE_READIED_SQL_PG, follow_up),
                ]
            )
        except psycopg.Error as exc:  # the completions must not depend on the follow-up lease
            log.warning("completion with follow-up lease failed (%s); completing without it", exc)
        else:
            return _continuations(items, row, leased, worker)
    return [(jobs, []) for jobs in await complete_tasks_async(items)]


def _continuations(
    items: Sequence[tuple[Lease, str]], row: Mapping[str, Any], leased: Mapping[str, Any], worker: str
) -> list[Continuation]:
    """Per completed task: its follow-up jobs and the dependents leased for it in the same transaction."""
    jobs = _after_complete(items, row, leased={item["id"] for item in leased["leases"] or []})
    leases = _leases_from(leased, worker)  # its events after the completions'
    by = {item["id"]: item["by"] for item in row["ready"] or []}
    mine: dict[str, list[Lease]] = defaultdict(list)
    for task_id, new in leases.items():
        mine[by.get(str(task_id), str(items[0][0].task_id))].append(new)
    return [(item_jobs, mine.get(str(lease.task_id), [])) for (lease, _), item_jobs in zip(items, jobs, strict=True)]


def _after_complete(
    items: Sequence[tuple[Lease, str]], row: Mapping[str, Any], *, leased: set[str] = frozenset()
) -> list[list[Job]]:
    """Split the statement's follow-up jobs by the completed task they are attributed to (no job
    for a dependent ``leased`` in the same transaction)."""
    hot_publish.send(row["events"])
    done = set(row["done"] or [])
    jobs: dict[str, list[Job]] = defaultdict(list)
    for item in row["ready"] or []:
        if item["id"] in leased:
            continue
        jobs[item["by"]].append(task_job(item["id"], item["attempt"]))
    for item in row["woken"] or []:
        jobs[item["by"]].append(wake_job(item["id"], item["attempt"], item["by"]))
    for item in row["aggregate"] or []:
        jobs[item["by"]].append(aggregate_job(item["project_id"], item["plan_version"]))
    results: list[list[Job]] = []
    for lease, _ in items:
        lease.pending_calls = []  # written by the statement
        key = str(lease.task_id)
        if key not in done:
            lease.lost = True
        results.append(jobs.get(key, []) if key in done else [])
    return results


def renew_lease(lease: Lease) -> bool:
    """Extend the lease; False when the task was paused/cancelled/taken over (then the run must stop)."""
    with _session() as session:
        ok = session.execute(
            engine_sql.RENEW_SQL, {"id": lease.task_id, "attempt": lease.attempt, "lease_s": get_settings().lease_s}
        ).first()
        session.commit()
        return ok is not None


def release_task(lease: Lease) -> None:
    """Give an interrupted task back (ready, or cancelled if its project was cancelled meanwhile).

    ``task.stopped`` says the worker really stopped working on it (pause/cancel took effect).
    """
    with _session() as session:
        released = session.execute(engine_sql.RELEASE_SQL, {"id": lease.task_id, "attempt": lease.attempt}).all()
        agents.give_back_slots(
            session, [row.agent_id for row in released], reason="task interrupted", actor=_worker_actor(lease)
        )
        emit(
            session,
            "task.stopped",
            project_id=lease.project_id,
            team_id=lease.team_id,
            task_id=lease.task_id,
            actor=lease.worker,
            payload={"key": lease.key, "attempt": lease.attempt},
        )
        session.commit()


def _worker_actor(lease: Lease) -> Actor:
    return Actor.system(f"worker:{lease.worker}")


def wait_for_person(lease: Lease, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
    """The task cannot go on without a person (the budget is spent, a tool call needs approval):
    it waits, the project says why; ``details`` go on the inbox approval."""
    with _session() as session:
        task = session.get(Task, lease.task_id, with_for_update=True)
        if task is None or task.attempt != lease.attempt or task.status != TaskStatus.running.value:
            return
        task.status = TaskStatus.waiting_approval.value
        task.waiting_reason = reason
        task.last_error = message
        task.lease_expires_at = None
        session.add(task)
        session.flush()
        agents.give_back_slots(session, [task.agent_id], reason="task waits for a person", actor=_worker_actor(lease))
        project = session.get(Project, lease.project_id, with_for_update=True)
        if project is not None:
            project.status_reason = f"task {task.key} is waiting for a person: {reason}"
            project.updated_at = utcnow()
            session.add(project)
            open_for_waiting_task(session, project, task, reason=reason, message=message, details=details)
        emit(
            session,
            "task.waiting",
            project_id=lease.project_id,
            team_id=lease.team_id,
            task_id=lease.task_id,
            actor=lease.worker,
            payload={"key": lease.key, "reason": reason, "message": message},
        )
        session.commit()


def record_failure(lease: Lease, error: str, *, fatal: bool) -> list[Job]:
    """Retry with exponential backoff, or fail the task and ask for a replan (bounded) or fail the project."""
    failures = lease.failures + 1
    give_up = fatal or failures >= lease.max_attempts
    backoff = get_settings().retry_backoff_s * (2 ** (failures - 1))
    jobs: list[Job] = []
    with _session() as session:
        row = session.execute(
            text(
                "UPDATE tasks SET failures = :failures, last_error = :error, lease_expires_at = NULL, leased_by = NULL, "
                "status = :status, next_attempt_at = CASE WHEN :retry THEN now() + make_interval(secs => :backoff) END, "
                "finished_at = CASE WHEN :retry THEN NULL ELSE now() END "
                "WHERE id = :id AND attempt = :attempt AND status = 'running' RETURNING id, agent_id"
            ),
            {
                "failures": failures,
                "error": error[:4000],
                "status": TaskStatus.failed.value if give_up else TaskStatus.retrying.value,
                "retry": not give_up,
                "backoff": backoff,
                "id": lease.task_id,
                "attempt": lease.attempt,
            },
        ).first()
        if row is None:
            session.rollback()
            return []
        agents.give_back_slots(session, [row.agent_id], reason="task failed", actor=_worker_actor(lease))
        if not give_up:
            emit(
                session,
                "task.retrying",
                project_id=lease.project_id,
                team_id=lease.team_id,
                task_id=lease.task_id,
                actor=lease.worker,
                payload={"key": lease.key, "failures": failures, "error": error[:500], "retry_in_s": backoff},
            )
            session.commit()
            return [task_job(lease.task_id, lease.attempt, backoff)]
        emit(
            session,
            "task.failed",
            project_id=lease.project_id,
            team_id=lease.team_id,
            task_id=lease.task_id,
            actor=lease.worker,
            payload={"key": lease.key, "failures": failures, "error": error[:500]},
        )
        jobs = _after_task_failed(
            session, lease, f"task {lease.key} ({lease.title}) failed after {failures} attempt(s): {error}"
        )
        session.commit()
    return jobs


def _after_task_failed(session: Session, lease: Lease, why: str) -> list[Job]:
    from berrys_app.services.projects import open_plan_job_number, transition

    project = session.get(Project, lease.project_id, with_for_update=True, populate_existing=True)
    live = (ProjectStatus.executing.value, ProjectStatus.paused.value)  # paused meanwhile: still decide now
    if project is None or project.status not in live or project.plan_version != lease.plan_version:
        return []
    actor = Actor.system(f"worker:{lease.worker}")
    if project.replans_used < project.max_replans:
        project.replans_used += 1
        transition(
            session,
            project,
            ProjectStatus.planning,
            actor=actor,
            reason=f"replan {project.replans_used}/{project.max_replans}: {why}",
        )
        return [plan_job(project.id, open_plan_job_number(session, project))]
    transition(session, project, ProjectStatus.failed, actor=actor, reason=why[:2000])
    # nothing else of a failed project may start; running ones stop via their watcher
    close_open_tasks(
        session, project.id, TaskStatus.cancelled, actor=actor, reason="project failed", keep=lease.task_id
    )
    agents.release_project_agents(session, project.id, reason="project failed", actor=actor)
    return []


def task_prompt(lease: Lease) -> str:
    """The task as the agent sees it, with the outputs of its input dependencies."""
    from berrys_app.services.models.prompts import cut_middle

    parts = [f"Project: {lease.project_name}", f"Task: {lease.title}"]
    if lease.description:
        parts.append(lease.description)
    if lease.expected_output:
        parts.append(f"Expected output: {lease.expected_output}")
    if lease.inputs:
        parts.append("Inputs from earlier tasks:")
        limit = get_settings().task_input_max_chars  # the model layer fits the rest to the window
        parts.extend(
            f"### {item['key']}: {item['title']}\n{cut_middle(item['output'] or '', limit)}" for item in lease.inputs
        )
    return "\n\n".join(parts)


class StepLimitReached(ServiceError):
    code, status = "step_limit", 422


async def agent_loop(lease: Lease) -> str:
    """Model <-> tools until the model answers without tool calls; every call has a stable call key."""
    from berrys_app.services.models import CompletionRequest, complete

    messages: list[dict[str, Any]] = [
        {"role": "system", "content": lease.system_prompt},
        {"role": "user", "content": task_prompt(lease)},
    ]
    tools = await asyncio.to_thread(_tool_specs, lease.allowed_tools, lease.project_id) if lease.allowed_tools else None
    for step in range(get_settings().task_max_steps):
        result = await complete(
            CompletionRequest(
                messages=messages,
                model=lease.model,
                capabilities={"chat", "tools"} if tools else {"chat"},
                tools=tools or None,
                project_id=lease.project_id,
                task_id=lease.task_id,
                agent_id=lease.agent_id,
                call_key=f"task:{lease.task_id}:model:{step}",
                max_tokens=get_settings().task_max_tokens,
                stream=True,  # the dashboard's task drawer shows the text as it is written
                agent_budget_usd=lease.agent_budget_usd if lease.agent_id else None,
                agent_budget_tokens=lease.agent_budget_tokens if lease.agent_id else None,
                known_project=lease.project,
                defer_record=True,
                fit_context=True,  # long tool results / inputs are trimmed, not a failed task
            )
        )
        if not result.tool_calls:
            lease.pending_calls = result.pending_rows  # recorded by the completion statement
            if lease.on_answer is not None:  # now, not a loop turn later when the runner resumes
                answered, lease.on_answer = lease.on_answer, None
                answered(result.content)
            return result.content
        await _leased(lease)  # nothing but the model call runs before the lease
        if result.pending_rows:  # the tools run next: record the call now, a re-run replays it
            await asyncio.to_thread(_record_calls, result.pending_rows)
        messages.append(
            {
                "role": "assistant",
                "content": result.content or None,
                "tool_calls": [
                    {
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
                    }
                    for call in result.tool_calls
                ],
            }
        )
        for index, call in enumerate(result.tool_calls):
            content = await _run_tool(lease, call, f"task:{lease.task_id}:tool:{step}:{index}")
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})
    raise StepLimitReached(f"the agent did not finish within {get_settings().task_max_steps} model calls")


async def _leased(lease: Lease) -> None:
    """Wait until a run started ahead holds its lease (its runner cancels it if the lease never comes)."""
    if lease.confirmation is not None:
        await asyncio.shield(lease.confirmation)


def _record_calls(rows: list[dict[str, Any]]) -> None:
    from berrys_app.services.models.accounting import insert_rows

    with hot_engine().connect() as conn:
        insert_rows(conn, rows)


def _tool_specs(allowed: list[str], project_id: uuid.UUID) -> list[dict[str, Any]]:
    """The agent's allowed tools in litellm format (the project's team and MCP tools included)."""
    from berrys_app.services.tools import tool_specs_for

    with _session() as session:
        return tool_specs_for(session, allowed=allowed, project_id=project_id)


async def _run_tool(lease: Lease, call: dict[str, Any], call_key: str) -> str:
    from berrys_app.services.tools import ToolContext, execute_tool

    # allowance is checked (and a refusal recorded) by the tool service itself
    context = ToolContext(
        project_id=lease.project_id,
        task_id=lease.task_id,
        agent_id=lease.agent_id,
        allowed_tools=lease.allowed_tools,
        call_key=call_key,
    )
    result = await execute_tool(context, call["name"], call.get("arguments") or {})
    return result.content if result.ok else f"error ({result.error_code}): {result.content}"


async def _watch(lease: Lease, work: asyncio.Task[str]) -> None:
    """Renew the lease while the task runs; stop the run when the task was paused, cancelled or taken."""
    settings = get_settings()
    interval = min(settings.control_poll_s, settings.lease_s / 3)
    while not work.done():
        await asyncio.sleep(interval)
        if work.done():
            return
        try:
            alive = await asyncio.to_thread(renew_lease, lease)
        except Exception:
            log.warning("lease renewal failed for %s", lease.task_id, exc_info=True)
            continue
        if not alive:
            log.info("task %s attempt %s: lease gone (paused/cancelled/taken); stopping", lease.key, lease.attempt)
            lease.lost = True
            work.cancel()
            return


class _LocalRuns:
    """The tasks this worker process runs now, and the follow-ups it started itself.

    A completion readies dependents; the worker that completed it runs them here, up to
    ``local_tasks`` at once (no queue round trip, leased in one statement like any other lease),
    and hands only the surplus to the queue, where another worker takes it.
    """

    def __init__(self) -> None:
        self.active = 0
        self.spawned: set[asyncio.Task[str]] = set()
        self.stopping = False  # the worker shuts down: cancelled runs give their tasks back

    def stop(self) -> None:
        """The worker shuts down: every run it cancels gives its task back at once (``_finish``),
        instead of leaving it leased until the lease expires; its spawned runs are cancelled here
        (arq cancels only its own jobs)."""
        self.stopping = True
        for task in self.spawned:
            task.cancel()

    def room(self, *, finishing: int) -> int:
        """Free local slots once ``finishing`` of the runs counted now have ended."""
        return get_settings().local_tasks - (self.active - finishing)

    def hand_off(
        self, jobs: Sequence[Job], *, worker: str, wait: bool, leases: Sequence[Lease] = ()
    ) -> list[asyncio.Task[str]]:
        """Run ``leases`` (already taken for this worker) and the ready tasks of ``jobs`` there is
        room for here; queue the rest."""
        limit = get_settings().local_tasks
        local = [self._spawn(lease.task_id, worker, wait, lease) for lease in leases]
        surplus: list[Job] = []
        for job in jobs:
            if job[0] == "run_task" and job[3] <= 0 and self.active < limit:
                local.append(self._spawn(uuid.UUID(job[1][0]), worker, wait, None))
            else:
                surplus.append(job)
        hot_publish.send(None, surplus)  # at once: another worker may be idle
        return local

    def start_ahead(self, upstream: Lease, output: str, *, wait: bool) -> list[asyncio.Task[str]]:
        """``upstream`` has its output: start the dependents whose inputs are all known here now,
        ahead of their lease (``speculation``), in the free local slots."""
        ahead, upstream.completion_can_wait = speculation.for_loop().on_output(
            upstream, output, room=self.room(finishing=1)
        )
        loop = asyncio.get_running_loop()
        for pending in ahead:  # the model calls first: their runners only wait for the leases
            pending.work = loop.create_task(agent_loop(pending.lease))
        return [self._spawn(p.lease.task_id, upstream.worker, wait, None, ahead=p) for p in ahead]

    def _spawn(
        self,
        task_id: uuid.UUID,
        worker: str,
        wait: bool,
        lease: Lease | None,
        ahead: speculation.Pending | None = None,
    ) -> asyncio.Task[str]:
        self.active += 1  # counted now: the next job of this batch sees it
        task = asyncio.get_running_loop().create_task(self._run(task_id, worker, wait, lease, ahead))
        self.spawned.add(task)
        task.add_done_callback(self.spawned.discard)
        return task

    async def _run(
        self,
        task_id: uuid.UUID,
        worker: str,
        wait: bool,
        lease: Lease | None,
        ahead: speculation.Pending | None,
    ) -> str:
        try:
            return await _run_counted(task_id, worker=worker, wait=wait, counted=True, lease=lease, ahead=ahead)
        except asyncio.CancelledError:
            raise
        except TimeoutError:  # as for an arq job: the lease expires and the reconciler queues it again
            log.warning("task %s ran past the job timeout (%s s); stopped", task_id, get_settings().job_timeout_s)
            return "timeout"
        except Exception:  # nobody awaits a spawned run: log what would otherwise vanish
            log.exception("task %s failed in the worker", task_id)
            return "error"


_LOCAL: dict[int, tuple[asyncio.AbstractEventLoop, _LocalRuns]] = {}


def _local_runs() -> _LocalRuns:
    loop = asyncio.get_running_loop()
    found = _LOCAL.get(id(loop))
    if found is None or found[0] is not loop:
        found = _LOCAL[id(loop)] = (loop, _LocalRuns())
    return found[1]


def stop_local_runs() -> None:
    """Called by the worker's signal handler, before arq cancels its jobs (see ``_LocalRuns.stop``)."""
    _local_runs().stop()


async def local_runs_stopped(timeout_s: float) -> None:
    """Wait (bounded) until the cancelled spawned runs have given their tasks back."""
    spawned = list(_local_runs().spawned)
    if spawned:
        await asyncio.wait(spawned, timeout=timeout_s)


async def run_task(task_id: uuid.UUID, *, worker: str, wait_local: bool = False) -> str:
    """The job body: run one task, then its ready dependents here while there is room (the rest
    go to the queue). ``wait_local``: return only when those follow-ups ended too (burst workers
    in tests stop when the queue is empty and must not leave work behind)."""
    return await _run_counted(task_id, worker=worker, wait=wait_local, counted=False)


async def run_tasks(tasks: Sequence[tuple[uuid.UUID, int]], *, worker: str, wait_local: bool = False) -> str:
    """The job body of ``tasks_job``: lease as many of the tasks as there is local room for, in one
    statement, and run them here; the rest go to the queue as task jobs (another worker may be idle)."""
    runs = _local_runs()
    room = max(0, runs.room(finishing=0))
    here, rest = tasks[:room], tasks[room:]
    leases = await lease_tasks_async([task_id for task_id, _ in here], worker=worker) if here else {}
    queued = [task_job(task_id, attempt) for task_id, attempt in rest]
    local = runs.hand_off(queued, worker=worker, wait=wait_local, leases=list(leases.values()))
    if wait_local and local:
        await asyncio.gather(*local, return_exceptions=True)
    return f"leased {len(leases)} of {len(tasks)}"


# A run that never held the task's lease (a duplicate job, or a run started ahead whose lease did
# not come): nothing of the task ended here.
NOT_RUN = frozenset({"skipped", "not leased"})


async def _run_counted(
    task_id: uuid.UUID,
    *,
    worker: str,
    wait: bool,
    counted: bool,
    lease: Lease | None = None,
    ahead: speculation.Pending | None = None,
) -> str:
    runs = _local_runs()
    ahead_runs: list[asyncio.Task[str]] = []  # dependents this run started ahead of their lease
    if not counted:
        runs.active += 1
    try:
        # a run arq did not start is not under arq's job timeout: give it the same limit
        limit = asyncio.timeout(get_settings().job_timeout_s) if counted else contextlib.nullcontext()
        async with limit:
            outcome, (jobs, leases) = await _run_one(
                task_id, worker=worker, lease=lease, ahead=ahead, wait=wait, ahead_runs=ahead_runs
            )
    finally:
        runs.active -= 1
    if outcome in NOT_RUN:  # another run holds the task: its end, not this one, settles it
        return outcome
    # the leases this completion brought: to the runs started ahead for them, or started now
    leases = speculation.for_loop().settle(task_id, leases)
    local = runs.hand_off(jobs, worker=worker, wait=wait, leases=leases) + ahead_runs
    if wait and local:
        await asyncio.gather(*local, return_exceptions=True)
    return outcome


async def _run_one(
    task_id: uuid.UUID,
    *,
    worker: str,
    lease: Lease | None,
    ahead: speculation.Pending | None = None,
    wait: bool = False,
    ahead_runs: list[asyncio.Task[str]] | None = None,
) -> tuple[str, Continuation]:
    """Lease (unless the completion that readied the task leased it, or the run started ahead of
    its lease), run the agent loop under a watcher, then complete / retry / wait. Once the output
    is there, the dependents whose inputs are all known here start (``ahead_runs``)."""
    # Lease and completion are one short statement each, shared with the other tasks of this
    # worker that lease or complete at the same time (group commit), on async connections.
    state = speculation.for_loop()
    if ahead is not None:
        work = ahead.work or asyncio.create_task(agent_loop(ahead.lease))
        try:
            lease = await _lease_ahead(ahead, work)
        finally:
            state.release(ahead.lease.agent_id)  # the guess's slot; the lease's is held below
        if lease is None:
            return "not leased", ([], [])
        if lease is not ahead.lease:  # leased with another context than the run started from
            work = asyncio.create_task(agent_loop(lease))
    else:
        lease = lease or await lease_task_async(task_id, worker=worker)
        if lease is None:
            return "skipped", ([], [])
        work = asyncio.create_task(agent_loop(lease))
    return await _drive(lease, work, wait=wait, ahead_runs=ahead_runs)


async def _drive(
    lease: Lease, work: asyncio.Task[str], *, wait: bool, ahead_runs: list[asyncio.Task[str]] | None
) -> tuple[str, Continuation]:
    """Run the leased task's agent loop under a watcher, then complete / retry / wait."""
    state = speculation.for_loop()
    state.hold(lease.agent_id)  # given back once: at the answer, else when the run ends
    holding = True

    def answered(output: str) -> None:
        """The task has its answer. Its completion is queued next, in the statement of any later
        lease of its agent or an earlier one (group commit keeps the order): for what this worker
        knows, the agent's slot is free now. The dependents whose inputs are all known here start
        at once."""
        nonlocal holding
        try:
            if holding:
                holding = False
                state.release(lease.agent_id)
            if ahead_runs is not None and not lease.lost:
                ahead_runs.extend(_local_runs().start_ahead(lease, output, wait=wait))
        except Exception:  # starting ahead is an optimisation: never the task's failure
            log.exception("starting the dependents of %s ahead failed", lease.key)

    try:
        return await _finish(lease, work, answered)
    finally:
        if holding:
            state.release(lease.agent_id)


async def _finish(lease: Lease, work: asyncio.Task[str], answered: Callable[[str], None]) -> tuple[str, Continuation]:
    """The agent loop under a watcher, then complete / retry / wait for a person / hand back the task."""
    read_ahead = speculation.for_loop().read_ahead_later(lease.task_id)
    watcher = asyncio.create_task(_watch(lease, work))
    lease.on_answer = answered
    try:
        output = await work
    except asyncio.CancelledError:
        log.info("task %s cancelled: lost=%s cancelling=%s", lease.key, lease.lost, _current_cancelling())
        if lease.lost and not _current_cancelling():
            await asyncio.to_thread(release_task, lease)
            return "interrupted", ([], [])
        if _local_runs().stopping:  # shutdown: ready again now; a live worker's reconciler queues it
            await asyncio.shield(asyncio.to_thread(release_task, lease))
        raise
    except BudgetExceeded as exc:
        await asyncio.to_thread(wait_for_person, lease, "budget_exceeded", exc.message)
        return "waiting", ([], [])
    except ToolApprovalRequired as exc:
        await asyncio.to_thread(wait_for_person, lease, "tool_approval", exc.message, exc.details)
        return "waiting", ([], [])
    except Exception as exc:
        reason = getattr(exc, "reason", None)
        fatal = reason in FATAL_MODEL_REASONS
        label = f"{type(exc).__name__}" + (f"[{reason}]" if reason else "")
        log.info("task %s attempt %s failed: %s: %s", lease.key, lease.attempt, label, exc)
        jobs = await asyncio.to_thread(record_failure, lease, f"{label}: {exc}", fatal=fatal)
        return "failed", (jobs, [])
    finally:
        watcher.cancel()
        read_ahead.cancel()
        unanswered, lease.on_answer = lease.on_answer, None
    if unanswered is not None:  # the answer came before the hook was set (a run started ahead)
        unanswered(output)
    follow_up = await complete_and_continue_async(lease, output)
    return ("completed" if not lease.lost else "lost"), follow_up


async def _lease_ahead(ahead: speculation.Pending, work: asyncio.Task[str]) -> Lease | None:
    """Wait for the lease of a run started ahead of it. The same context: the run goes on under
    that lease. Otherwise the run is cancelled (its paid model call recorded without a key) and
    the lease, if any, is returned for a fresh run."""
    state = speculation.for_loop()
    guess = ahead.lease
    try:
        async with asyncio.timeout(get_settings().lease_s):
            real = await asyncio.shield(ahead.confirmation)
    except TimeoutError:
        real = None
    except asyncio.CancelledError:
        work.cancel()
        raise
    finally:
        state.give_up(guess.task_id)
    if real is not None and speculation.same_context(guess, real):
        for name in ("team_id", "plan_version", "failures", "max_attempts", "project", "worker"):
            setattr(guess, name, getattr(real, name))
        gate, guess.confirmation = guess.confirmation, None
        if gate is not None and not gate.done():
            gate.set_result(None)
        state.stats["confirmed"] += 1
        return guess
    state.stats["cancelled"] += 1
    log.info("task %s started ahead of its lease: %s; stopped", guess.key, "leased" if real else "not leased here")
    work.cancel()
    await asyncio.wait([work])
    if not work.cancelled() and work.exception() is None and guess.pending_calls:
        await asyncio.to_thread(_record_calls, [{**row, "call_key": None} for row in guess.pending_calls])
    return real


def _current_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


# --- aggregation ------------------------------------------------------------------------


def _aggregation_inputs(project_id: uuid.UUID, plan_version: int) -> tuple[Project, list[Task]] | None:
    with _session() as session:
        project = session.get(Project, project_id)
        if (
            project is None
            or project.status != ProjectStatus.executing.value
            or project.plan_version != plan_version
            or project.sinks_remaining > 0
        ):
            return None
        tasks = session.exec(
            select(Task)
            .where(Task.project_id == project_id, Task.status == TaskStatus.completed.value)
            .order_by(col(Task.plan_version), col(Task.finished_at))
        ).all()
        return project, list(tasks)


async def aggregate_project(project_id: uuid.UUID, plan_version: int, *, worker: str) -> str:
    """All tasks done: one model call writes the final report; the project completes."""
    loaded = await asyncio.to_thread(_aggregation_inputs, project_id, plan_version)
    if loaded is None:
        return "skipped"
    project, tasks = loaded
    outputs = "\n\n".join(f"### {t.key}: {t.title}\n{t.output or ''}" for t in tasks)
    note = None
    try:
        from berrys_app.services.models import CompletionRequest, complete

        result = await complete(
            CompletionRequest(
                messages=[
                    {
                        "role": "system",
                        "content": "You combine the results of a team's tasks into one final deliverable for the project.",
                    },
                    {
                        "role": "user",
                        "content": f"Project: {project.name}\n{project.description}\n\nTask results:\n{outputs}",
                    },
                ],
                model=project.model,
                project_id=project.id,
                call_key=f"project:{project.id}:aggregate:{plan_version}",
                max_tokens=get_settings().task_max_tokens,
            )
        )
        content = result.content
    except ServiceError as exc:  # the results exist: never lose them because the summary call failed
        note = f"aggregation model call failed ({getattr(exc, 'reason', exc.code)}): the task results are listed as they are"
        content = outputs
    return await asyncio.to_thread(
        _finish_project, project_id, plan_version, content, [str(t.id) for t in tasks], note, worker
    )


def _finish_project(
    project_id: uuid.UUID, plan_version: int, content: str, task_ids: list[str], note: str | None, worker: str
) -> str:
    from berrys_app.services.projects import transition

    with _session() as session:
        project = session.get(Project, project_id, with_for_update=True)
        if project is None or project.status != ProjectStatus.executing.value or project.plan_version != plan_version:
            return "skipped"
        actor = Actor.system(f"worker:{worker}")
        deliverable = Deliverable(
            project_id=project.id,
            title=f"{project.name}: final report",
            kind="report",
            content=content if not note else f"{note}\n\n{content}",
            source_task_ids=task_ids,
        )
        session.add(deliverable)
        session.flush()
        emit(
            session,
            "deliverable.created",
            project_id=project.id,
            team_id=project.team_id,
            actor=actor.label,
            payload={"deliverable_id": str(deliverable.id), "title": deliverable.title, "note": note},
        )
        transition(session, project, ProjectStatus.completed, actor=actor, reason="all tasks completed")
        agents.release_project_agents(session, project.id, reason="project completed", actor=actor)
        session.commit()
    return "completed"


# --- planning job -----------------------------------------------------------------------


# The planner's last call was refused by the budget and nobody has changed the project since:
# it waits for a person (the reconciler re-enqueues planning jobs every second; they stop here).
_PLANNER_WAITING_SQL = text(
    "SELECT EXISTS (SELECT 1 FROM model_calls WHERE call_key = :key AND status = 'refused' "
    "AND error = 'budget_exceeded' AND created_at > :since)"
)


def _planner_inputs(project_id: uuid.UUID) -> tuple[Project, list[dict[str, str]], str, str | None] | None:
    with _session() as session:
        project = session.get(Project, project_id)
        if project is None or project.status != ProjectStatus.planning.value:
            return None
        number = len(session.exec(select(PlanVersion.id).where(PlanVersion.project_id == project.id)).all()) + 1
        call_key = f"project:{project.id}:plan:{number}"
        if session.execute(_PLANNER_WAITING_SQL, {"key": call_key, "since": project.updated_at}).scalar():
            return None
        replan = project.plan_version > 0
        done = planning.completed_task_keys(session, project.id) if replan else {}
        failure = project.status_reason if replan else None
        messages = planning.planner_messages(project, done=done, failure=failure)
        return project, messages, call_key, failure


def _planner_waits(project_id: uuid.UUID, message: str, worker: str) -> None:
    """A budget refused the planner: the project stays in planning until a person raises the
    budget (any project update lets the planner try again) or submits a plan by hand."""
    with _session() as session:
        project = session.get(Project, project_id)
        if project is None or project.status != ProjectStatus.planning.value:
            return
        emit(
            session,
            "project.waiting",
            project_id=project.id,
            team_id=project.team_id,
            actor=f"planner:{worker}",
            payload={"reason": "budget_exceeded", "message": message[:500], "step": "planning"},
        )
        session.commit()


async def plan_project(project_id: uuid.UUID, *, worker: str) -> str:
    """The planner job: ask the model for a schema-constrained plan, store it, go to review."""
    loaded = await asyncio.to_thread(_planner_inputs, project_id)
    if loaded is None:
        return "skipped"
    project, messages, call_key, failure = loaded
    try:
        from berrys_app.services.models import CompletionRequest, complete

        result = await complete(
            CompletionRequest(
                messages=messages,
                model=project.model,
                capabilities={"chat", "json"},
                response_format=planning.PLAN_SCHEMA,
                project_id=project.id,
                call_key=call_key,
                max_tokens=get_settings().planner_max_tokens,
                fit_context=True,
            )
        )
        data: Any = planning._plan_from_result(result)
        error = None
    except BudgetExceeded as exc:  # not a failed project: a person raises the budget, planning goes on
        await asyncio.to_thread(_planner_waits, project_id, exc.message, worker)
        return "waiting"
    except ServiceError as exc:
        reason = getattr(exc, "reason", exc.code)
        data, error = None, f"the planner's model call failed ({reason}): {exc.message}"
        if reason == "malformed_output":  # the model answered, but not a plan: fall back, don't fail
            data, error = _Unusable(exc.message), None
    return await asyncio.to_thread(_store_planner_result, project_id, data, error, failure, worker)


@dataclass
class _Unusable:
    """The planner answered with something that is not a usable plan."""

    why: str


def _store_planner_result(project_id: uuid.UUID, data: Any, error: str | None, failure: str | None, worker: str) -> str:
    from berrys_app.services.projects import accept_planner_plan, transition

    actor = Actor.system(f"planner:{worker}")
    with _session() as session:
        project = session.get(Project, project_id, with_for_update=True)
        if project is None or project.status != ProjectStatus.planning.value:
            return "skipped"
        jobs: list[Job] = []
        if error is None and not isinstance(data, _Unusable):
            try:
                jobs = accept_planner_plan(session, project, data, actor=actor, replan_reason=failure)
            except ServiceError as exc:
                session.rollback()
                project = session.get(Project, project_id, with_for_update=True, populate_existing=True)
                assert project is not None
                data = _Unusable(exc.message)
        if error is None and isinstance(data, _Unusable):
            warning = (
                f"the planner's output was not a usable plan ({data.why[:300]}); fallback plan: one task per objective"
            )
            jobs = accept_planner_plan(
                session,
                project,
                planning.fallback_plan(project),
                actor=actor,
                replan_reason=failure,
                warnings=[warning],
            )
        if error is not None:
            transition(session, project, ProjectStatus.failed, actor=actor, reason=error[:2000])
        session.commit()
    dispatch(jobs)
    return "failed" if error else "planned"
