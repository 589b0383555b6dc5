"""Group commit on the hot path: concurrent leases and completions of one worker share statements,
and every task still gets exactly its own result; one bad item does not sink the batch."""

from __future__ import annotations

import asyncio

from sqlmodel import Session

from berrys_app import queue
from berrys_app.domain.work import AgentTemplate
from berrys_app.engine import group_commit, lease, runner, statements
from berrys_app.engine.context import TaskContext
from berrys_app.engine.jobs import aggregate_job, task_job
from berrys_app.engine.runtime import Runtime
from berrys_app.queue import Job
from tests.engine.helpers import events_of, in_runtime, layered_plan, start_project, tasks_of
from tests.probes import queued_job_ids

FAN_OUT = {  # one task, three dependents
    "tasks": [{"id": "a", "title": "A"}, *({"id": f"d{i}", "title": f"D{i}", "depends_on": ["a"]} for i in range(3))]
}


def _statements(rt: Runtime, kind: str, worker: str) -> int:
    batcher = rt.runner.commits.existing((kind, worker))
    return 0 if batcher is None else batcher.statements


def test_concurrent_leases_and_completions_share_statements_and_stay_per_task(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, layered_plan(6, 2, fan_in=1), model="scripted/echo")
    tasks = tasks_of(project_id)
    first = [tasks[f"L0T{i}"] for i in range(6)]

    async def scenario(rt: Runtime) -> tuple[list[TaskContext | None], list[list[Job]], int, int]:
        leases = await asyncio.gather(*(lease.lease(rt.runner.commits, t.id, worker="w") for t in first))
        lease_statements = _statements(rt, "lease", "w")
        outputs = [f"output of {t.key}" for t in first]
        completions = await asyncio.gather(
            *(
                lease.complete(rt.runner.commits, ctx, out)
                for ctx, out in zip(leases, outputs, strict=True)
                if ctx is not None
            )
        )
        return leases, [c.jobs for c in completions], lease_statements, _statements(rt, "complete", "w")

    leases, jobs, lease_statements, complete_statements = in_runtime(scenario)
    assert all(ctx is not None for ctx in leases)
    assert (lease_statements, complete_statements) == (1, 1)  # six leases, six completions: one statement each

    after = tasks_of(project_id)
    for i, task in enumerate(first):
        assert after[task.key].status == "completed" and after[task.key].output == f"output of {task.key}"
        # each completion gets the job of exactly its own dependent (L1Ti depends on L0Ti only)
        assert jobs[i] == [task_job(after[f"L1T{i}"].id, 0)]
        assert after[f"L1T{i}"].status == "ready" and after[f"L1T{i}"].remaining_deps == 0
    assert len(events_of(project_id, "task.started")) == 6
    assert len(events_of(project_id, "task.completed")) == 6
    assert len(events_of(project_id, "task.ready")) == 6 + 6  # level 0 at execute, level 1 now


def test_a_dependent_of_two_tasks_completed_in_one_statement_is_readied_once(session: Session, team) -> None:
    plan = {
        "tasks": [
            {"id": "a", "title": "A"},
            {"id": "b", "title": "B"},
            {"id": "c", "title": "C", "depends_on": ["a", "b"]},
        ]
    }
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo")
    t = tasks_of(project_id)

    async def scenario(rt: Runtime) -> list[list[Job]]:
        leases = await asyncio.gather(*(lease.lease(rt.runner.commits, t[k].id, worker="w") for k in "ab"))
        completions = await asyncio.gather(
            *(lease.complete(rt.runner.commits, ctx, "done") for ctx in leases if ctx is not None)
        )
        return [c.jobs for c in completions]

    jobs = in_runtime(scenario)
    c = tasks_of(project_id)["c"]
    assert (c.status, c.remaining_deps) == ("ready", 0)
    assert sorted(len(j) for j in jobs) == [0, 1] and [task_job(c.id, 0)] in jobs  # one job, not two
    assert [e.task_id for e in events_of(project_id, "task.ready")].count(c.id) == 1


def test_a_failing_item_fails_alone_and_the_rest_of_its_batch_completes(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, layered_plan(4, 1), model="scripted/echo")
    tasks = list(tasks_of(project_id).values())

    async def scenario(rt: Runtime) -> list[object]:
        leases = await asyncio.gather(*(lease.lease(rt.runner.commits, t.id, worker="w") for t in tasks))
        outputs = ["fine"] * len(tasks)
        outputs[1] = "bad \x00 byte"  # PostgreSQL text cannot hold NUL: this item's statement fails
        results = await asyncio.gather(
            *(
                lease.complete(rt.runner.commits, ctx, out)
                for ctx, out in zip(leases, outputs, strict=True)
                if ctx is not None
            ),
            return_exceptions=True,
        )
        assert _statements(rt, "complete", "w") == 1 + len(tasks)  # the batch, then one by one
        return results

    results = in_runtime(scenario)
    assert isinstance(results[1], Exception) and not any(
        isinstance(r, Exception) for i, r in enumerate(results) if i != 1
    )
    statuses = {t.key: t.status for t in tasks_of(project_id).values()}
    assert statuses[tasks[1].key] == "running"  # its lease stands; the reconciler takes it back if it expires
    assert all(statuses[t.key] == "completed" for i, t in enumerate(tasks) if i != 1)


def test_one_lease_statement_gives_an_agent_no_more_than_its_free_slots(session: Session, team) -> None:
    session.add(AgentTemplate(name="duo", role="Duo", capabilities=["duo"], max_concurrent_tasks=2))
    session.commit()
    plan = {"tasks": [{"id": f"t{i}", "title": f"T{i}", "capabilities": ["duo"], "priority": i} for i in range(4)]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo", max_agents=1)
    t = tasks_of(project_id)
    leases = asyncio.run(lease.lease_many([t[f"t{i}"].id for i in range(4)], worker="w"))
    assert sorted(ctx.key for ctx in leases.values()) == ["t2", "t3"]  # two slots, highest priority first
    after = tasks_of(project_id)
    assert [after[f"t{i}"].waiting_reason for i in range(4)] == ["agent_busy", "agent_busy", None, None]
    agent_started = [e for e in events_of(project_id, "agent.status_changed") if e.payload["to"] == "active"]
    assert len(agent_started) == 1  # Ready -> Active once, not once per task


def test_the_worker_that_completes_a_task_runs_its_ready_dependents_itself(session: Session, team, local_tasks) -> None:
    local_tasks(20)
    project_id = start_project(session, team.member, team.team_id, layered_plan(3, 4), model="scripted/echo")
    first = [t for t in tasks_of(project_id).values() if t.key.startswith("L0")]
    queue.sync_redis().flushdb()  # only what the run itself enqueues from here on

    async def scenario(rt: Runtime) -> None:
        await asyncio.gather(*(runner.run_task(rt.runner, t.id, worker="w", wait_local=True) for t in first))

    in_runtime(scenario)
    tasks = tasks_of(project_id)
    assert all(t.status == "completed" for t in tasks.values())
    assert {t.leased_by for t in tasks.values()} == {"w"}
    assert queued_job_ids() == [aggregate_job(project_id, 1)[2]]  # no task went through the queue


def test_surplus_dependents_go_to_the_queue(session: Session, team, local_tasks) -> None:
    local_tasks(0)
    project_id = start_project(session, team.member, team.team_id, FAN_OUT, model="scripted/echo")
    t = tasks_of(project_id)
    queue.sync_redis().flushdb()
    in_runtime(lambda rt: runner.run_task(rt.runner, t["a"].id, worker="w", wait_local=True))
    after = tasks_of(project_id)
    assert after["a"].status == "completed" and all(after[f"d{i}"].status == "ready" for i in range(3))
    assert sorted(queued_job_ids()) == sorted(task_job(t[f"d{i}"].id, 0)[2] for i in range(3))


def test_the_reconciler_leaves_a_just_readied_task_to_the_worker_that_readied_it(session: Session, team) -> None:
    from sqlalchemy import text

    from berrys_app.engine.reconciler import reconcile_once

    project_id = start_project(
        session, team.member, team.team_id, {"tasks": [{"id": "a", "title": "A"}]}, model="scripted/echo"
    )
    a = tasks_of(project_id)["a"]
    queue.sync_redis().flushdb()
    assert reconcile_once().enqueued_tasks == 0  # ready a moment ago: its worker leases it
    session.execute(text("UPDATE tasks SET dispatched_at = now() - interval '2 seconds' WHERE id = :id"), {"id": a.id})
    session.commit()
    assert reconcile_once().enqueued_tasks == 1  # not leased after that: the queue gets it back
    assert queued_job_ids() == [task_job(a.id, 0)[2]]


def test_a_completion_leases_the_dependents_it_readied_in_its_own_transaction(
    session: Session, team, local_tasks
) -> None:
    local_tasks(2)
    project_id = start_project(session, team.member, team.team_id, FAN_OUT, model="scripted/echo")
    t = tasks_of(project_id)
    queue.sync_redis().flushdb()

    async def scenario(rt: Runtime) -> int:
        await runner.run_task(rt.runner, t["a"].id, worker="w", wait_local=True)
        return _statements(rt, "lease", "w")

    lease_statements = in_runtime(scenario)
    after = tasks_of(project_id)
    ran_here = sorted(k for k in ("d0", "d1", "d2") if after[k].status == "completed")
    assert len(ran_here) == 2 and all(after[k].leased_by == "w" for k in ran_here)  # the two free slots
    (queued,) = {"d0", "d1", "d2"} - set(ran_here)
    assert after[queued].status == "ready"
    assert queued_job_ids() == [task_job(t[queued].id, 0)[2]]  # the surplus is queued
    # a's lease was a statement of its own; its dependents were leased by a's completion statement
    assert lease_statements == 1
    assert all(after[k].started_at >= after["a"].finished_at for k in ran_here)
    assert sorted(e.task_id for e in events_of(project_id, "task.started")) == sorted(
        after[k].id for k in ["a", *ran_here]
    )


def test_a_failing_follow_up_lease_does_not_hold_up_the_completion(
    session: Session, team, local_tasks, monkeypatch
) -> None:
    local_tasks(5)
    project_id = start_project(session, team.member, team.team_id, FAN_OUT, model="scripted/echo")
    t = tasks_of(project_id)
    queue.sync_redis().flushdb()
    monkeypatch.setattr(statements, "LEASE_READIED_SQL_PG", "SELECT 1 / 0 AS leases")
    in_runtime(lambda rt: runner.run_task(rt.runner, t["a"].id, worker="w", wait_local=True))
    after = tasks_of(project_id)
    assert after["a"].status == "completed"
    # the dependents were leased the usual way, by a statement of their own, and ran here
    assert all(after[f"d{i}"].status == "completed" and after[f"d{i}"].leased_by == "w" for i in range(3))


def test_an_item_that_can_wait_is_held_for_company_and_goes_with_the_next_urgent_one() -> None:
    """``wait_s``: the statement waits that long for more items; an urgent item takes it along at
    once, in queue order; alone, it goes when its wait is over."""
    batches: list[tuple[float, list[str]]] = []

    async def record(items):
        batches.append((asyncio.get_running_loop().time(), list(items)))
        return [f"done {item}" for item in items]

    async def scenario() -> tuple[float, list[str], int, float]:
        loop = asyncio.get_running_loop()
        batcher = group_commit.GroupCommit(record, name="test")
        start = loop.time()
        patient = asyncio.ensure_future(batcher.submit("patient", wait_s=5.0))
        await asyncio.sleep(0.1)
        held = len(batches)  # nothing ran while the patient item waited for company
        results = await asyncio.gather(patient, batcher.submit("urgent"))
        alone_start = loop.time()
        await batcher.submit("alone", wait_s=0.2)
        return loop.time() - start, results, held, batches[-1][0] - alone_start

    elapsed, results, held, alone_after = asyncio.run(scenario())
    assert held == 0
    assert results == ["done patient", "done urgent"]
    assert [items for _, items in batches] == [["patient", "urgent"], ["alone"]]
    assert elapsed < 5.0  # the urgent item did not wait for the patient one's 5 s
    assert alone_after >= 0.2  # alone, an item that can wait goes when its wait is over
