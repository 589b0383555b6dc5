"""Agents run at most ``max_concurrent_tasks`` tasks at once; their state follows their running tasks."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import text
from sqlmodel import Session, col, select

from berrys_app import queue
from berrys_app.domain.work import Agent, AgentStateChange, AgentTemplate
from berrys_app.engine import runner
from berrys_app.engine.jobs import task_job, wake_job
from berrys_app.engine.reconciler import reconcile_once
from berrys_app.services.models import scripted
from tests.engine.conftest import wait_for
from tests.engine.helpers import (
    complete_now,
    events_of,
    fresh,
    in_runtime,
    lease_now,
    project_row,
    start_project,
    status_is,
    tasks_of,
)
from tests.probes import queued_job_ids

THREE = {"tasks": [{"id": f"t{i}", "title": f"Solo {i}", "capabilities": ["solo"]} for i in range(3)]}


def _solo_template(session: Session, max_concurrent: int) -> None:
    session.add(
        AgentTemplate(name="soloist", role="Soloist", capabilities=["solo"], max_concurrent_tasks=max_concurrent)
    )
    session.commit()


def _agents(project_id: uuid.UUID) -> list[Agent]:
    return fresh(lambda s: list(s.exec(select(Agent).where(Agent.project_id == project_id))))


def _history(agent_id: uuid.UUID) -> list[tuple[str | None, str, str | None]]:
    def read(s: Session) -> list[tuple[str | None, str, str | None]]:
        rows = s.exec(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent_id)
            .order_by(col(AgentStateChange.created_at))
        )
        return [(r.from_status, r.to_status, r.reason) for r in rows]

    return fresh(read)


def _max_overlap(project_id: uuid.UUID) -> int:
    """The most tasks that ran at the same time (from the recorded start/finish times)."""
    spans = [(t.started_at, t.finished_at) for t in tasks_of(project_id).values()]
    return max(sum(1 for s, f in spans if s <= start < f) for start, _ in spans)


def _run_three(session: Session, team, workers, name: str, max_concurrent: int) -> uuid.UUID:
    _solo_template(session, max_concurrent)
    scripted.rule(name, contains="Task: Solo", step={"content": "solo done", "delay": 0.4})
    scripted.rule(name, contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    workers.start("w2")
    project_id = start_project(session, team.member, team.team_id, THREE, model=f"scripted/{name}", max_agents=1)
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    return project_id


def test_agent_with_one_slot_never_runs_two_tasks_at_once(session: Session, team, workers) -> None:
    project_id = _run_three(session, team, workers, "solo1", 1)
    tasks = sorted(tasks_of(project_id).values(), key=lambda t: t.started_at)
    assert len({t.agent_id for t in tasks}) == 1 and all(t.status == "completed" for t in tasks)
    for earlier, later in itertools.pairwise(tasks):
        assert earlier.finished_at <= later.started_at, [(t.key, t.started_at, t.finished_at) for t in tasks]
    assert _max_overlap(project_id) == 1
    (agent,) = fresh(lambda s: list(s.exec(select(Agent).where(Agent.id == tasks[0].agent_id))))
    assert agent.max_concurrent_tasks == 1 and agent.running_tasks == 0


def test_agent_with_two_slots_overlaps_but_never_three(session: Session, team, workers) -> None:
    project_id = _run_three(session, team, workers, "solo2", 2)
    assert len({t.agent_id for t in tasks_of(project_id).values()}) == 1
    assert _max_overlap(project_id) == 2


def test_lease_refused_for_capacity_keeps_the_task_and_completion_wakes_it(session: Session, team) -> None:
    _solo_template(session, 1)
    plan = {
        "tasks": [
            {"id": "a", "title": "A", "capabilities": ["solo"]},
            {"id": "b", "title": "B", "capabilities": ["solo"]},
        ]
    }
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo", max_agents=1)
    t = tasks_of(project_id)
    first = lease_now(t["a"].id, worker="w1")
    assert first is not None
    assert lease_now(t["b"].id, worker="w2") is None  # the agent's only slot is taken
    b = tasks_of(project_id)["b"]
    assert (b.status, b.waiting_reason, b.attempt) == ("ready", "agent_busy", 0)  # parked, not lost
    assert reconcile_once().enqueued_tasks == 1  # the reconciler covers a parked task too
    jobs = complete_now(first, "a done").jobs
    assert wake_job(b.id, 0, first.task_id) in jobs  # the agent's completion dispatches it
    second = lease_now(b.id, worker="w2")
    assert second is not None and tasks_of(project_id)["b"].waiting_reason is None


def test_reconciler_recounts_a_drifted_slot_counter(session: Session, team) -> None:
    plan = {"tasks": [{"id": "a", "title": "A"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo")
    (agent,) = _agents(project_id)
    session.execute(text("UPDATE agents SET running_tasks = max_concurrent_tasks WHERE id = :a"), {"a": agent.id})
    session.commit()
    assert lease_now(tasks_of(project_id)["a"].id, worker="w") is None  # full by the (wrong) count
    assert reconcile_once().agents_recounted == 1
    assert _agents(project_id)[0].running_tasks == 0
    assert lease_now(tasks_of(project_id)["a"].id, worker="w") is not None


CHAIN = {
    "tasks": [
        {"id": "a", "title": "Research", "capabilities": ["research"]},
        {"id": "b", "title": "Write", "capabilities": ["writing"], "depends_on": ["a"]},
    ]
}


def _status_by_task(project_id: uuid.UUID) -> dict[str, str]:
    tasks = tasks_of(project_id)
    by_id = {a.id: a.status for a in _agents(project_id)}
    return {key: by_id[t.agent_id] for key, t in tasks.items()}


def test_agent_is_active_while_it_runs_a_task_and_ready_when_it_runs_none(session: Session, team, workers) -> None:
    scripted.rule("states", contains="Task: Research", step={"content": "found", "delay": 0.8})
    scripted.rule("states", contains="Task: Write", step={"content": "written", "delay": 0.8})
    scripted.rule("states", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, CHAIN, model="scripted/states")
    assert _status_by_task(project_id) in ({"a": "ready", "b": "ready"}, {"a": "active", "b": "ready"})

    wait_for(lambda: tasks_of(project_id)["a"].status == "running", timeout=30, what="a running")
    assert _status_by_task(project_id) == {"a": "active", "b": "ready"}
    wait_for(lambda: tasks_of(project_id)["b"].status == "running", timeout=30, what="b running")
    assert _status_by_task(project_id) == {"a": "ready", "b": "active"}
    wait_for(lambda: status_is(project_id, "completed"), timeout=30, what="project to complete")

    t = tasks_of(project_id)
    for key in "ab":
        agent_id = t[key].agent_id
        assert _history(agent_id)[-2:] == [
            ("ready", "active", "started a task"),
            ("active", "ready", "finished its tasks"),
        ]
        changes = [
            (e.payload["from"], e.payload["to"])
            for e in events_of(project_id, "agent.status_changed")
            if e.payload["agent_id"] == str(agent_id)
        ]
        assert changes == [("ready", "active"), ("active", "ready")]  # one Active spell per task, as events
    assert fresh(
        lambda s: [
            a.running_tasks for a in s.exec(select(Agent).where(col(Agent.id).in_([t["a"].agent_id, t["b"].agent_id])))
        ]
    ) == [0, 0]


def _ready_active_moves(agent_id: uuid.UUID) -> list[tuple[str | None, str]]:
    return [(frm, to) for frm, to, _ in _history(agent_id) if {frm, to} == {"ready", "active"}]


def test_an_agent_taking_the_task_its_completion_readied_stays_active(session: Session, team, local_tasks) -> None:
    _solo_template(session, 4)
    local_tasks(5)
    chain = {
        "tasks": [
            {"id": "a", "title": "Solo a", "capabilities": ["solo"]},
            {"id": "b", "title": "Solo b", "capabilities": ["solo"], "depends_on": ["a"]},
            {"id": "c", "title": "Solo c", "capabilities": ["solo"], "depends_on": ["b"]},
        ]
    }
    project_id = start_project(session, team.member, team.team_id, chain, model="scripted/echo", max_agents=1)
    t = tasks_of(project_id)
    # b and c follow in-process
    in_runtime(lambda rt: runner.run_task(rt.runner, t["a"].id, worker="w", wait_local=True))
    assert all(task.status == "completed" for task in tasks_of(project_id).values())
    (agent,) = _agents(project_id)
    # Active from a's start to c's end: no Active -> Ready -> Active between the tasks
    assert _ready_active_moves(agent.id) == [("ready", "active"), ("active", "ready")]
    assert (agent.status, agent.running_tasks) == ("ready", 0)
    moves = [
        e.payload["to"] for e in events_of(project_id, "agent.status_changed") if e.payload["agent_id"] == str(agent.id)
    ]
    assert moves == ["active", "ready"]


def test_an_agent_kept_active_for_a_task_the_follow_up_lease_leaves_goes_ready(
    session: Session, team, local_tasks
) -> None:
    session.add(AgentTemplate(name="duettist", role="Duettist", capabilities=["duo"], max_concurrent_tasks=4))
    _solo_template(session, 4)
    local_tasks(1)  # room for one follow-up: the dependent with the lower id
    plan = {
        "tasks": [
            {"id": "a", "title": "Solo a", "capabilities": ["solo"]},
            {"id": "d1", "title": "Solo d1", "capabilities": ["solo"], "depends_on": ["a"]},
            {"id": "d2", "title": "Duo d2", "capabilities": ["duo"], "depends_on": ["a"]},
        ]
    }
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/echo", max_agents=2)
    t = tasks_of(project_id)
    a_agent = t["a"].agent_id
    other = t["d2"].agent_id
    assert a_agent is not None and other is not None and a_agent != other
    first, second = sorted([t["d1"].id, t["d2"].id])  # the follow-up lease takes `first`: give it the other agent
    session.execute(text("UPDATE tasks SET agent_id = :o WHERE id = :f"), {"o": other, "f": first})
    session.execute(text("UPDATE tasks SET agent_id = :a WHERE id = :s"), {"a": a_agent, "s": second})
    session.commit()
    queue.sync_redis().flushdb()

    in_runtime(lambda rt: runner.run_task(rt.runner, t["a"].id, worker="w", wait_local=True))

    after = {task.id: task for task in tasks_of(project_id).values()}
    assert after[first].status == "completed" and after[second].status == "ready"  # queued for a later lease
    agents = {agent.id: agent for agent in _agents(project_id)}
    # a's agent was kept Active for `second`, which the lease did not take: it must not stay Active idle
    assert (agents[a_agent].status, agents[a_agent].running_tasks) == ("ready", 0)
    assert _ready_active_moves(a_agent) == [("ready", "active"), ("active", "ready")]
    assert all((agent.status == "active") == (agent.running_tasks > 0) for agent in agents.values())
    assert queued_job_ids() == [task_job(second, 0)[2]]
