"""Durability with real worker processes: kill -9 mid-run, Redis losing everything, expired leases."""

from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy import text
from sqlmodel import Session

from berrys_app import queue
from berrys_app.db import get_engine
from berrys_app.engine.jobs import task_job
from berrys_app.engine.reconciler import reconcile_once
from berrys_app.services.models import scripted
from berrys_app.settings import get_settings
from tests.engine.conftest import wait_for
from tests.engine.helpers import (
    complete_now,
    events_of,
    layered_plan,
    lease_now,
    ok_calls_per_key,
    project_row,
    start_project,
    status_is,
    tasks_of,
)
from tests.probes import queued_job_ids


def _script(name: str, delay: float) -> None:
    scripted.rule(name, contains="one final deliverable", step={"content": "final"})
    scripted.rule(name, contains="Task: Step", step={"content": "step done", "delay": delay})


@pytest.mark.slow
def test_kill_9_workers_mid_run_every_task_completes_exactly_once(session: Session, team, workers) -> None:
    _script("k9", 0.5)
    workers.start("w1")
    workers.start("w2")
    plan = layered_plan(5, 10)  # 50 tasks
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/k9", max_task_attempts=3)

    def holder() -> str | None:
        """A worker that holds a running task right now ("" once the project finished)."""
        if status_is(project_id, "completed", "failed"):
            return ""
        running = [t.leased_by for t in tasks_of(project_id).values() if t.status == "running" and t.leased_by]
        return running[0].split("#")[0] if running else None  # the worker's name, without its process part

    kills = 0
    for _ in range(4):
        victim = wait_for(holder, timeout=40, what="a worker holding a task")
        if not victim:
            break
        workers.kill9(victim)  # mid-run: it holds at least one leased task
        kills += 1
        workers.start(victim)
        time.sleep(0.5)
    assert kills >= 3
    try:
        wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    except AssertionError:
        stuck = [
            (t.key, t.status, t.attempt, t.leased_by, t.remaining_deps)
            for t in tasks_of(project_id).values()
            if t.status != "completed"
        ]
        raise AssertionError(
            (project_row(project_id).status, stuck, queued_job_ids(), workers.logs()[-3000:])
        ) from None
    assert project_row(project_id).status == "completed", (project_row(project_id).status_reason, workers.logs())

    tasks = tasks_of(project_id)
    assert len(tasks) == 50 and all(t.status == "completed" for t in tasks.values())
    completed = [e.task_id for e in events_of(project_id, "task.completed")]
    assert len(completed) == 50 and len(set(completed)) == 50  # exactly once in the results
    per_key = ok_calls_per_key(project_id)
    assert all(n == 1 for n in per_key.values()), {k: n for k, n in per_key.items() if n > 1}
    assert sum(1 for key in per_key if key.startswith("task:")) == 50
    assert events_of(project_id, "task.lease_expired"), "killed workers' leases should have been taken back"


@pytest.mark.parametrize("local_tasks", ["50", "0"], ids=["runs-the-worker-started", "arq-jobs"])
def test_a_worker_stopped_by_sigterm_gives_its_running_tasks_back_at_once(
    session: Session, team, workers, local_tasks: str
) -> None:
    """Both kinds of run: those the worker started itself (a project's start, a follow-up ``b``
    leased by ``a``'s completion) and, with no local room, arq jobs. With a 60 s lease only their
    release lets them run again soon."""
    name = "term"
    scripted.rule(name, contains="Task: Slow root", step={"content": "root done", "delay": 3})
    scripted.rule(name, contains="Task: Quick", step={"content": "quick done"})
    scripted.rule(name, contains="Task: Slow follow-up", step={"content": "follow-up done", "delay": 3})
    scripted.rule(name, contains="one final deliverable", step={"content": "final"})
    workers.env.update(BERRYS_LEASE_S="60", BERRYS_LOCAL_TASKS=local_tasks)
    workers.start("w1")
    plan = {
        "tasks": [
            {"id": "r", "title": "Slow root"},
            {"id": "a", "title": "Quick"},
            {"id": "b", "title": "Slow follow-up", "depends_on": ["a"]},
        ]
    }
    project_id = start_project(session, team.member, team.team_id, plan, model=f"scripted/{name}")

    def both_running() -> bool:
        return all(tasks_of(project_id)[key].status == "running" for key in ("r", "b"))

    wait_for(both_running, timeout=30, what="r and b running on w1")

    workers.term("w1")
    t = tasks_of(project_id)
    assert (t["r"].status, t["b"].status) == ("ready", "ready"), workers.logs()
    assert t["r"].lease_expires_at is None and t["b"].lease_expires_at is None
    stopped = {e.payload["key"] for e in events_of(project_id, "task.stopped")}
    assert stopped == {"r", "b"}

    started = time.monotonic()
    workers.start("w2")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=40, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    assert time.monotonic() - started < 30  # well inside the 60 s lease the stopped worker held
    t = tasks_of(project_id)
    assert {k: t[k].output for k in ("r", "a", "b")} == {"r": "root done", "a": "quick done", "b": "follow-up done"}


@pytest.mark.slow
def test_redis_loss_mid_run_reconciler_restores_the_queue(session: Session, team, workers, redis_url: str) -> None:
    _script("flush", 0.4)
    workers.start("w1")
    workers.start("w2")
    # 150 wide: the start's batch job leases local_tasks (50) on one worker and queues the other 100
    # as task jobs, more than the other worker's arq slots (24), so jobs wait in the queue
    plan = layered_plan(150, 2, fan_in=1)
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/flush", max_task_attempts=5)

    def queued_and_running() -> bool:
        statuses = [t.status for t in tasks_of(project_id).values()]
        return "running" in statuses and statuses.count("ready") >= 5

    wait_for(queued_and_running, timeout=60, what="running and queued tasks")
    waiting = [t.key for t in tasks_of(project_id).values() if t.status == "ready"]
    queued = queued_job_ids()
    assert queued, "jobs should wait in the queue when Redis loses them"
    redis.Redis.from_url(redis_url).flushdb()  # FLUSHALL for this test's database
    # those jobs are gone (workers may enqueue new follow-ups at once: the run goes on)
    assert not set(queued) & set(queued_job_ids())
    _script("flush", 0.4)  # the scripted model's rules lived in Redis too
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    assert project_row(project_id).status == "completed", (project_row(project_id).status_reason, workers.logs())
    tasks = tasks_of(project_id)
    assert all(tasks[key].status == "completed" for key in waiting)
    assert len({e.task_id for e in events_of(project_id, "task.completed")}) == 300


def test_expired_lease_is_taken_back_and_stale_worker_is_fenced(session: Session, team) -> None:
    plan = {"tasks": [{"id": "a", "title": "A"}, {"id": "b", "title": "B", "depends_on": ["a"]}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    first = lease_now(a.id, worker="dead")
    assert first is not None and lease_now(a.id, worker="other") is None  # one holder at a time
    session.execute(text("UPDATE tasks SET lease_expires_at = now() - interval '1 second'"))  # the lease runs out
    session.commit()
    queue.sync_redis().flushdb()  # and Redis forgot the queue
    report = reconcile_once()
    assert report.expired == 1 and report.enqueued_tasks == 1
    assert queued_job_ids() == [f"task:{a.id}:1"]
    second = lease_now(a.id, worker="alive")
    assert second is not None and second.attempt == 2
    assert not complete_now(first, "stale").done  # fenced: the dead worker cannot complete
    jobs = complete_now(second, "fresh").jobs
    b = tasks_of(project_id)["b"]
    assert jobs == [task_job(b.id, 0)] and b.status == "ready"
    assert tasks_of(project_id)["a"].output == "fresh"


def test_job_picked_by_a_dead_worker_before_leasing_is_redispatched(session: Session, team) -> None:
    """arq keeps such a job "in progress" for job_timeout + 10 s; the task must not wait that long."""
    plan = {"tasks": [{"id": "a", "title": "A"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    client = queue.sync_redis()
    client.zrem(get_settings().queue_name, f"task:{a.id}:0")  # a worker took the job ...
    client.set(f"arq:in-progress:task:{a.id}:0", "1")  # ... and died before leasing the task
    report = reconcile_once()
    assert report.redispatched == 0  # still within the lease period: maybe the worker is just slow
    session.execute(text("UPDATE tasks SET dispatched_at = now() - interval '1 minute'"))
    session.commit()
    report = reconcile_once()
    assert report.redispatched == 1
    [job_id] = queued_job_ids()
    assert job_id.startswith(f"task:{a.id}:0:r")
    assert tasks_of(project_id)["a"].dispatched_at > a.dispatched_at


@pytest.mark.slow
def test_a_task_the_worker_runs_itself_is_stopped_at_the_job_timeout(session: Session, team, workers) -> None:
    """A dependent run in-process after its dependency (not through arq) is under the job timeout too."""
    scripted.rule("jt", contains="Task: Quick", step={"content": "quick done"})
    scripted.rule("jt", contains="Task: Slow", step={"content": "slow done", "delay": 30})
    workers.env.update(BERRYS_JOB_TIMEOUT="1")
    workers.start("w1")
    plan = {"tasks": [{"id": "quick", "title": "Quick"}, {"id": "slow", "title": "Slow", "depends_on": ["quick"]}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/jt")
    slow_id = tasks_of(project_id)["slow"].id

    def stopped_call() -> tuple[float, str] | None:
        with get_engine().connect() as conn:
            row = conn.execute(
                text("SELECT latency_ms, error FROM model_calls WHERE task_id = :t AND status = 'error'"),
                {"t": slow_id},
            ).first()
        return None if row is None else (float(row[0]), str(row[1]))

    latency_ms, error = wait_for(stopped_call, timeout=20, what="the slow task's call to be stopped")
    assert error == "cancelled" and latency_ms < 5000  # stopped near 1 s, not after the model's 30 s
    assert tasks_of(project_id)["slow"].leased_by.startswith("w1#")  # run by the worker that completed "quick"
    assert "ran past the job timeout" in workers.logs()


def test_a_restarted_worker_leases_under_a_new_identity(session: Session, team, workers) -> None:
    """The launcher restarts a worker under the same name; its leases must not look like the dead
    process's (``leased_by`` is unique per process), while its heartbeat keeps the name."""
    one = {"tasks": [{"id": "a", "title": "A"}]}

    def holder_of_a_finished_run() -> str:
        project_id = start_project(session, team.member, team.team_id, one, model="scripted/echo")
        wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=30, what="project to finish")
        assert project_row(project_id).status == "completed", workers.logs()
        return str(tasks_of(project_id)["a"].leased_by)

    workers.start("w1")
    before = holder_of_a_finished_run()
    workers.kill9("w1")
    workers.start("w1")
    after = holder_of_a_finished_run()
    assert before.startswith("w1#") and after.startswith("w1#") and before != after
    with get_engine().connect() as conn:
        names = conn.execute(text("SELECT worker_id FROM worker_heartbeats")).scalars().all()
    assert names == ["w1"]  # one worker on the System page, restarted
