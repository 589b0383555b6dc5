"""A project's start is one job for all its ready tasks: the worker that takes it leases them in one
statement and runs them itself, as many as it has local room for, and queues the rest."""

from __future__ import annotations

import asyncio

from arq.constants import job_key_prefix
from sqlmodel import Session

from berrys_app import queue
from berrys_app.engine import runner
from berrys_app.engine.runtime import Runtime
from berrys_app.settings import get_settings
from tests.engine.helpers import events_of, in_runtime, start_project, tasks_of
from tests.probes import queued_job_ids

THREE = {"tasks": [{"id": key, "title": f"Task {key}"} for key in ("a", "b", "c")]}


def _batch_args(job_id: str) -> tuple[str, ...]:
    job = queue.sync_redis().get(job_key_prefix + job_id)
    assert job is not None
    return tuple(queue.deserialize(job)["a"])


def test_start_enqueues_one_job_for_the_ready_tasks_and_one_worker_runs_them(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, THREE, model="scripted/echo")
    [job_id] = queued_job_ids()
    assert job_id.startswith(f"tasks:{project_id}:")
    tasks = tasks_of(project_id)
    assert sorted(_batch_args(job_id)) == sorted(f"{t.id}:0" for t in tasks.values())  # ids and attempts only

    pairs = [(t.id, 0) for t in tasks.values()]
    assert (
        in_runtime(lambda rt: runner.run_tasks(rt.runner, pairs, worker="w-batch", wait_local=True)) == "leased 3 of 3"
    )
    done = tasks_of(project_id)
    assert {t.status for t in done.values()} == {"completed"}
    assert {t.leased_by for t in done.values()} == {"w-batch"}
    assert len(events_of(project_id, "task.started")) == 3  # one lease each


def test_a_batch_beyond_the_local_room_queues_the_rest_as_task_jobs(session: Session, team, local_tasks) -> None:
    local_tasks(1)
    project_id = start_project(session, team.member, team.team_id, THREE, model="scripted/echo-300ms")
    tasks = sorted(tasks_of(project_id).values(), key=lambda t: t.key)
    queue.sync_redis().delete(job_key_prefix + queued_job_ids()[0])
    queue.sync_redis().delete(get_settings().queue_name)  # the batch job is being run below

    async def scenario(rt: Runtime) -> tuple[str, list[str]]:
        outcome = await runner.run_tasks(rt.runner, [(t.id, 0) for t in tasks], worker="w-small", wait_local=False)
        await asyncio.sleep(0.1)  # the queued hand-off leaves in the loop's next Redis pipeline
        return outcome, queued_job_ids()

    outcome, queued = in_runtime(scenario)
    assert outcome == "leased 1 of 3"
    assert sorted(queued) == sorted(f"task:{t.id}:0" for t in tasks[1:])
    states = {t.key: t.status for t in tasks_of(project_id).values()}
    assert states["a"] in ("running", "completed") and states["b"] == states["c"] == "ready"
