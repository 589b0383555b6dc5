"""A worker's runtime: built once, active for a job and the tasks the job starts, reachable nowhere
else (no state looked up by event loop)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlmodel import Session

from berrys_app.db import aio
from berrys_app.engine.jobs import task_job
from berrys_app.engine.runtime import Runtime, open_runtime, running
from berrys_app.services import hot_publish
from tests.engine.helpers import start_project, tasks_of
from tests.probes import queued_job_ids
from workers import jobs
from workers.settings import on_shutdown

PID = "SELECT pg_backend_pid() AS pid"


async def test_a_job_and_the_tasks_it_starts_share_the_runtime_pool_and_publisher(env: dict[str, str]) -> None:
    job = task_job(uuid.uuid4(), 0)
    async with running() as rt:
        assert aio.current() is rt.pool
        (mine,) = await aio.fetch(PID, {})
        (spawned,) = await asyncio.create_task(aio.fetch(PID, {}))  # a run the job spawns
        assert spawned["pid"] == mine["pid"] and len(rt.pool.idle) == 1  # one pooled connection, reused
        hot_publish.send(None, [job])
        assert rt.publisher.pending() == 1  # held for the loop turn's pipeline, not sent yet
    assert queued_job_ids() == [job[2]]  # closing the runtime sent it
    assert aio.current() is None and rt.pool.idle == []


async def test_outside_a_runtime_nothing_is_current_and_each_call_gets_its_own_connection(
    env: dict[str, str],
) -> None:
    outside = open_runtime()  # built, never made active: invisible to the code below
    try:
        assert aio.current() is None
        (first,) = await aio.fetch(PID, {})
        (second,) = await aio.fetch(PID, {})
        assert first["pid"] != second["pid"]  # a connection per call, closed after it
        job = task_job(uuid.uuid4(), 0)
        hot_publish.send(None, [job])
        assert queued_job_ids() == [job[2]] and outside.publisher.pending() == 0  # sent at once
    finally:
        await outside.close()


def test_a_task_job_runs_on_the_runtime_in_its_ctx_and_shutdown_closes_it(session: Session, team) -> None:
    project_id = start_project(
        session, team.member, team.team_id, {"tasks": [{"id": "a", "title": "A"}]}, model="scripted/echo"
    )
    a = tasks_of(project_id)["a"]

    async def worker_life() -> tuple[Runtime, int]:
        rt = open_runtime()
        ctx: dict[str, Any] = {"runtime": rt, "lease_holder": "w-rt", "burst": True, "jobs": {"done": 0}}
        await jobs.run_task(ctx, str(a.id))
        used = len(rt.pool.idle)  # the lease, the call's row, the completion: on this pool
        ctx["worker_id"] = "w-rt"
        await on_shutdown(ctx)
        return rt, used

    rt, used = asyncio.run(worker_life())
    assert used >= 1 and rt.pool.idle == []  # used by the job's statements, closed at shutdown
    assert tasks_of(project_id)["a"].status == "completed"
    assert rt.runner.commits.existing(("complete+lease", "w-rt")) is not None  # the runtime's group commit
