"""Speculative start: a dependent's model call begins while its upstream completion commits, and
nothing else it does happens before its lease. Runs the production path in-process (lease, agent
loop, group commit, follow-up lease) against real PostgreSQL with a slow scripted model, so the
read-ahead of dependents happens while the upstream call runs."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import get_engine
from berrys_app.domain.work import Agent
from berrys_app.engine import lease, runner
from berrys_app.engine.agent_loop import run_agent
from berrys_app.engine.runtime import Runtime
from berrys_app.services.models import scripted
from tests.engine.helpers import events_of, in_runtime, ok_calls_per_key, start_project, step_key, tasks_of
from tests.probes import set_setting

SLOW = "scripted/echo-300ms"  # long enough for the read-ahead (after 20 ms) to finish first
CHAIN = {
    "tasks": [
        {"id": "a", "title": "Gather facts"},
        {
            "id": "b",
            "title": "Write it up",
            "description": "Use the facts.",
            "depends_on": [{"task": "a", "type": "input"}],
        },
    ]
}


def _run_chain(project_id, *, during_upstream_call=None) -> dict[str, int]:
    """Run task a (and what it starts) in one event loop; ``during_upstream_call`` runs in a thread
    150 ms into a's model call, after the read-ahead. Returns the loop's speculation counters."""
    a = tasks_of(project_id)["a"]

    async def scenario(rt: Runtime) -> dict[str, int]:
        side = None
        if during_upstream_call is not None:
            side = asyncio.get_running_loop().run_in_executor(None, _after, 0.15, during_upstream_call)
        await runner.run_task(rt.runner, a.id, worker="w-spec", wait_local=True)
        if side is not None:
            await side
        return dict(rt.runner.speculation.stats)

    return in_runtime(scenario)


def _after(delay: float, fn) -> None:
    threading.Event().wait(delay)
    with Session(get_engine()) as session:
        fn(session)
        session.commit()


def _calls_of(task_id) -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        rows = session.execute(
            text("SELECT call_key, status, error, created_at FROM model_calls WHERE task_id = :t ORDER BY created_at"),
            {"t": task_id},
        ).mappings()
        return [dict(row) for row in rows]


def test_dependent_model_call_starts_before_the_upstream_completion_commits(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, CHAIN, model=SLOW)
    stats = _run_chain(project_id)

    tasks = tasks_of(project_id)
    a, b = tasks["a"], tasks["b"]
    assert a.status == b.status == "completed"
    assert stats == {"started": 1, "confirmed": 1, "cancelled": 0}
    (b_call,) = _calls_of(b.id)
    assert b_call["created_at"] < a.finished_at  # b's call began before a's completion was written
    assert b.started_at >= a.finished_at  # ... and b was leased by that completion, after it
    assert a.output in b.output  # the input dependency's output reached the prompt started ahead
    assert ok_calls_per_key(project_id) == {f"task:{a.id}:model:0": 1, f"task:{b.id}:model:0": 1}
    started = [e.task_id for e in events_of(project_id, "task.started")]
    assert started == [a.id, b.id]  # one lease each: the run started ahead was not leased twice


def test_run_started_ahead_is_stopped_when_its_lease_does_not_come(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, CHAIN, model=SLOW)
    b_id = tasks_of(project_id)["b"].id

    def take_b_away(s: Session) -> None:  # e.g. cancelled or replanned while a was running
        s.execute(text("UPDATE tasks SET status = 'cancelled' WHERE id = :b"), {"b": b_id})

    stats = _run_chain(project_id, during_upstream_call=take_b_away)

    tasks = tasks_of(project_id)
    assert tasks["a"].status == "completed" and tasks["b"].status == "cancelled"
    assert stats == {"started": 1, "confirmed": 0, "cancelled": 1}
    assert tasks["b"].output is None and not events_of(project_id, "task.started")[1:]
    # the abandoned call is accounted for (it may have been paid), never as b's answer
    calls = _calls_of(b_id)
    assert len(calls) == 1 and calls[0]["status"] != "ok", calls
    assert f"task:{b_id}:model:0" not in ok_calls_per_key(project_id)


def test_run_started_ahead_restarts_from_the_lease_when_the_context_changed(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, CHAIN, model=SLOW)
    b_id = tasks_of(project_id)["b"].id

    def edit_b(s: Session) -> None:  # changed after the read-ahead: the guess is stale
        s.execute(text("UPDATE tasks SET description = 'Use the facts, in French.' WHERE id = :b"), {"b": b_id})

    stats = _run_chain(project_id, during_upstream_call=edit_b)

    b = tasks_of(project_id)["b"]
    assert b.status == "completed" and "in French" in b.output  # answered from the real lease
    assert stats == {"started": 1, "confirmed": 0, "cancelled": 1}
    assert ok_calls_per_key(project_id)[f"task:{b_id}:model:0"] == 1


def test_tools_wait_for_the_lease_the_answer_is_recorded_at_once(session: Session, team) -> None:
    plan = {"tasks": [{"id": "a", "title": "Compute"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/gated")
    scripted.push("gated", {"tool_calls": [{"name": "python", "arguments": {"code": "print(1)"}}]}, {"content": "done"})
    a = tasks_of(project_id)["a"]

    async def scenario(rt: Runtime) -> tuple[int, list, str]:
        ctx = await lease.lease(rt.runner.commits, a.id, worker="w-gate")
        assert ctx is not None
        gate = (
            asyncio.get_running_loop().create_future()
        )  # as for a run started ahead whose lease has not come back yet
        work = asyncio.create_task(run_agent(ctx, leased=gate))
        for _ in range(200):
            if scripted.calls("gated") >= 1:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        calls_before, recorded_before = scripted.calls("gated"), _calls_of(a.id)
        assert not work.done()
        gate.set_result(None)
        return calls_before, recorded_before, (await work).content

    calls_before, recorded_before, output = in_runtime(scenario)
    assert calls_before == 1  # the tool step waited: no tool run, no second model call ...
    assert [(step_key(c["call_key"]), c["status"]) for c in recorded_before] == [(f"task:{a.id}:model:0", "ok")]
    assert output == "done" and scripted.calls("gated") == 2  # ... but the paid answer was recorded at once
    assert [step_key(c["call_key"]) for c in _calls_of(a.id)] == [f"task:{a.id}:model:{n}" for n in (0, 1)]


def _run_chain_with_busy_agent(session: Session, team, model: str, *, long_s: float) -> tuple[Any, dict[str, int]]:
    """a -> b, plus c (``long_s``); b and c share an agent that runs one task at a time. a and c
    run in one event loop; returns the project and the loop's speculation counters."""
    name = model.split("/", 1)[1]
    scripted.rule(name, contains="Task: Gather facts", step={"content": "facts", "delay": 0.3})
    scripted.rule(name, contains="Task: Long job", step={"content": "long", "delay": long_s})
    scripted.rule(name, contains="Task: Write it up", step={"content": "written"})
    plan = {"tasks": [*CHAIN["tasks"], {"id": "c", "title": "Long job"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model=model)
    tasks = tasks_of(project_id)
    busy = Agent(team_id=team.team_id, project_id=project_id, name="solo", role="Solo", max_concurrent_tasks=1)
    session.add(busy)
    session.commit()
    session.execute(
        text("UPDATE tasks SET agent_id = :agent WHERE id IN (:b, :c)"),
        {"agent": busy.id, "b": tasks["b"].id, "c": tasks["c"].id},
    )
    session.commit()

    async def scenario(rt: Runtime) -> dict[str, int]:
        await runner.run_tasks(rt.runner, [(tasks["a"].id, 0), (tasks["c"].id, 0)], worker=f"w-{name}", wait_local=True)
        return dict(rt.runner.speculation.stats)

    return project_id, in_runtime(scenario)


def test_a_dependent_whose_agent_is_busy_here_is_not_started_ahead(session: Session, team) -> None:
    """Its lease would park it (agent at capacity): starting it ahead would pay for a call to throw away."""
    project_id, stats = _run_chain_with_busy_agent(session, team, "scripted/mixed", long_s=0.9)

    done = tasks_of(project_id)
    assert {t.status for t in done.values()} == {"completed"}
    assert stats["started"] == 0  # c held the agent's only slot when a's output came
    assert done["b"].started_at >= done["c"].finished_at  # b ran once the slot was free
    assert len(_calls_of(done["b"].id)) == 1  # and no call was made for it ahead and thrown away


def test_a_completion_only_its_dependents_leases_wait_for_waits_for_company(
    session: Session, team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b started ahead: a's completion is not urgent (b's model call runs meanwhile), so its
    statement waits ``COMPLETION_WAIT_S`` for other completions; b still gets its lease from it."""
    set_setting(monkeypatch, "BERRYS_SPECULATION_COMPLETION_WAIT", "0.5")
    project_id = start_project(session, team.member, team.team_id, CHAIN, model=SLOW)
    stats = _run_chain(project_id)

    tasks = tasks_of(project_id)
    a, b = tasks["a"], tasks["b"]
    assert stats == {"started": 1, "confirmed": 1, "cancelled": 0}
    assert a.status == b.status == "completed"
    (b_call,) = _calls_of(b.id)
    assert (a.finished_at - b_call["created_at"]).total_seconds() >= 0.5  # held back while b's call ran
    assert b.started_at >= a.finished_at and a.output in b.output


def test_a_duplicate_job_of_the_upstream_does_not_cancel_the_dependent_started_ahead(
    session: Session, team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq is at-least-once, and the reconciler re-dispatches a job that waited long in the queue:
    a second run of a that finds it leased ends "skipped". a's completion has not come back then,
    so b, started ahead, must still wait for its lease from it (it used to be cancelled: its model
    call was made again, a failing one counted twice by the circuit breaker)."""
    set_setting(
        monkeypatch, "BERRYS_SPECULATION_COMPLETION_WAIT", "1.0"
    )  # a's completion waits: room for the duplicate
    project_id = start_project(session, team.member, team.team_id, CHAIN, model=SLOW)
    a_id = tasks_of(project_id)["a"].id

    async def scenario(rt: Runtime) -> tuple[str, dict[str, int]]:
        first = asyncio.create_task(runner.run_task(rt.runner, a_id, worker="w-spec", wait_local=True))
        await asyncio.sleep(0.8)  # a answered at ~0.3 s, b started ahead, a's completion waits
        duplicate = await runner.run_task(rt.runner, a_id, worker="w-spec")
        await first
        return duplicate, dict(rt.runner.speculation.stats)

    duplicate, stats = in_runtime(scenario)

    tasks = tasks_of(project_id)
    assert duplicate == "skipped"
    assert tasks["a"].status == tasks["b"].status == "completed"
    assert stats == {"started": 1, "confirmed": 1, "cancelled": 0}
    assert len(_calls_of(tasks["b"].id)) == 1  # b's model call was made once


def test_a_completion_that_readies_a_dependent_not_started_ahead_goes_at_once(
    session: Session, team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """a's dependent b was not started ahead (its agent's slot is taken here): a's completion is
    what b waits for, so it does not wait for company."""
    set_setting(monkeypatch, "BERRYS_SPECULATION_COMPLETION_WAIT", "5.0")
    project_id, stats = _run_chain_with_busy_agent(session, team, "scripted/urgent", long_s=0.6)

    done = tasks_of(project_id)
    assert stats["started"] == 0 and {t.status for t in done.values()} == {"completed"}
    (a_call,) = _calls_of(done["a"].id)
    assert (done["a"].finished_at - a_call["created_at"]).total_seconds() < 2.0  # not held for 5 s
