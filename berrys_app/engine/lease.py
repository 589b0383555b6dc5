"""The hot path: lease and complete, one statement each, shared by the runs of a worker that
lease or complete at the same moment (group commit, ``group_commit``), on async autocommit
connections (``db.aio``).

A lease locks the tasks, takes slots of their agents (at most ``max_concurrent_tasks`` each),
loads the context and logs ``task.started``. A completion completes the tasks (fenced by attempt;
their model calls were each committed as they were answered), gives the agents' slots back, counts down dependents, wakes tasks
parked on those agents and logs the events. The worker that completes a task may lease the
dependents it made ready in the same transaction (``complete_and_lease``). Events and jobs leave
in Redis pipelines after the statement (``hot_publish``).

The group commits are the worker's (``commits``, from its runtime: ``engine.runtime``); the
statements run on the current async pool (``db.aio``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psycopg
from sqlmodel import Session

from berrys_app.db import aio, get_engine
from berrys_app.engine import group_commit, statements
from berrys_app.engine.context import TaskContext, from_row
from berrys_app.engine.jobs import aggregate_job, task_job, wake_job
from berrys_app.queue import Job
from berrys_app.services import hot_publish
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finished:
    """A run's answer, to complete its task with."""

    ctx: TaskContext
    output: str


@dataclass(frozen=True)
class Completion:
    """What a completion did: ``done`` False when the fence refused it (the lease was lost);
    the jobs it made due; the dependents it leased for this worker in the same transaction."""

    done: bool
    jobs: list[Job] = field(default_factory=list)
    leases: list[TaskContext] = field(default_factory=list)


def _lease_params(task_ids: Sequence[uuid.UUID], worker: str) -> dict[str, Any]:
    settings = get_settings()
    return statements.bind(
        ids=list(task_ids), worker=worker, lease_s=settings.lease_s, max_crashes=settings.max_task_crashes
    )


async def lease_many(task_ids: Sequence[uuid.UUID], *, worker: str) -> dict[uuid.UUID, TaskContext]:
    """Lease the runnable ones of ``task_ids`` in one statement (a project's start)."""
    (row,) = await aio.fetch(statements.LEASE_SQL_PG, _lease_params(task_ids, worker))
    return _leases_from(row, worker)


async def lease(commits: group_commit.GroupCommits, task_id: uuid.UUID, *, worker: str) -> TaskContext | None:
    """Take the task if it is runnable and its project is executing; ``None`` otherwise. In one
    statement with the leases other runs of this worker ask for meanwhile (group commit)."""
    batcher = commits.get(
        ("lease", worker), lambda: group_commit.GroupCommit(partial(_lease_batch, worker), name="lease")
    )
    return await batcher.submit(task_id)


async def _lease_batch(worker: str, task_ids: Sequence[uuid.UUID]) -> list[TaskContext | None]:
    leases = await lease_many(list(dict.fromkeys(task_ids)), worker=worker)
    return [leases.pop(task_id, None) for task_id in task_ids]  # a duplicate request gets nothing


def _leases_from(row: Mapping[str, Any], worker: str) -> dict[uuid.UUID, TaskContext]:
    hot_publish.send(row["events"])
    contexts = (from_row(item, worker) for item in row["leases"] or [])
    return {ctx.task_id: ctx for ctx in contexts}


def _complete_params(items: Sequence[Finished], *, keep_busy: bool = False) -> dict[str, Any]:
    """One JSON parameter for the tasks. ``keep_busy``: a follow-up
    lease runs in the same transaction, so an agent given a task it readied stays Active."""
    return statements.bind(
        items=json.dumps(
            [{"id": str(f.ctx.task_id), "attempt": f.ctx.attempt, "output": f.output, "key": f.ctx.key} for f in items]
        ),
        worker=items[0].ctx.worker,
        keep_busy=keep_busy,
    )


async def complete_many(items: Sequence[Finished]) -> list[Completion]:
    """Complete several tasks in one statement; for each, what its completion did."""
    (row,) = await aio.fetch(statements.COMPLETE_SQL_PG, _complete_params(items))
    return _after_complete(items, row)


async def complete(commits: group_commit.GroupCommits, ctx: TaskContext, output: str) -> Completion:
    """Complete (fenced by attempt) in one statement with the completions of other runs of this
    worker that finish meanwhile (group commit). Each task's completion is committed before
    its dependents can start -- durable per task, not per level. The caller dispatches the jobs."""
    batcher = commits.get(("complete", ctx.worker), lambda: group_commit.GroupCommit(complete_many, name="completion"))
    return await batcher.submit(Finished(ctx, output))


Room = Callable[[int], int]  # free local slots once that many of the runs counted now have ended


async def complete_and_lease(
    commits: group_commit.GroupCommits, finished: Finished, *, room: Room, wait_s: float = 0.0
) -> Completion:
    """``complete`` for a worker's own run: in the same transaction (and round trip) the worker
    leases the dependents the completions made ready, as many as ``room`` says it can run.
    ``wait_s``: the completion is not urgent (``speculation``) and may wait for company."""
    worker = finished.ctx.worker
    batcher = commits.get(
        ("complete+lease", worker),
        lambda: group_commit.GroupCommit(partial(_complete_and_lease_batch, worker, room), name="completion"),
    )
    return await batcher.submit(finished, wait_s=wait_s)


async def _complete_and_lease_batch(worker: str, room: Room, items: Sequence[Finished]) -> list[Completion]:
    free = room(len(items))
    if free > 0:
        follow_up = {"done": [str(f.ctx.task_id) for f in items], "room": free, **_lease_params([], worker)}
        try:
            (row,), (leased,) = await aio.fetch_many(
                [
                    (statements.COMPLETE_SQL_PG, _complete_params(items, keep_busy=True)),
                    (statements.LEASE_READIED_SQL_PG, follow_up),
                ]
            )
        except psycopg.Error as exc:  # the completions must not depend on the follow-up lease
            log.warning("completion with follow-up lease failed (%s); completing without it", exc)
        else:
            return _with_leases(items, row, leased, worker)
    return await complete_many(items)


def _with_leases(
    items: Sequence[Finished], row: Mapping[str, Any], leased: Mapping[str, Any], worker: str
) -> list[Completion]:
    """Per completed task: its follow-up jobs and the dependents leased for it in the same transaction."""
    completions = _after_complete(items, row, leased={item["id"] for item in leased["leases"] or []})
    leases = _leases_from(leased, worker)  # its events after the completions'
    by = {item["id"]: item["by"] for item in row["ready"] or []}
    mine: dict[str, list[TaskContext]] = defaultdict(list)
    for task_id, new in leases.items():
        mine[by.get(str(task_id), str(items[0].ctx.task_id))].append(new)
    return [
        Completion(c.done, c.jobs, mine.get(str(f.ctx.task_id), [])) for f, c in zip(items, completions, strict=True)
    ]


def _after_complete(
    items: Sequence[Finished], row: Mapping[str, Any], *, leased: set[str] = frozenset()
) -> list[Completion]:
    """Split the statement's follow-up jobs by the completed task they are attributed to (no job
    for a dependent ``leased`` in the same transaction)."""
    hot_publish.send(row["events"])
    done = set(row["done"] or [])
    jobs: dict[str, list[Job]] = defaultdict(list)
    for item in row["ready"] or []:
        if item["id"] not in leased:
            jobs[item["by"]].append(task_job(item["id"], item["attempt"]))
    for item in row["woken"] or []:
        jobs[item["by"]].append(wake_job(item["id"], item["attempt"], item["by"]))
    for item in row["aggregate"] or []:
        jobs[item["by"]].append(aggregate_job(item["project_id"], item["plan_version"]))
    return [
        Completion(True, jobs.get(key, [])) if key in done else Completion(False)
        for key in (str(f.ctx.task_id) for f in items)
    ]


def renew(ctx: TaskContext) -> bool:
    """Extend the lease; False when the task was paused/cancelled/taken over (then the run must stop)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        ok = session.execute(
            statements.RENEW_SQL, statements.bind(id=ctx.task_id, attempt=ctx.attempt, lease_s=get_settings().lease_s)
        ).first()
        session.commit()
        return ok is not None
