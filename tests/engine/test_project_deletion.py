"""Deleting a paused or executing project (real PostgreSQL, Redis and workers; the scripted model).

Agents are pooled per team and reused by later projects, so a deleted project must hand its
agents back as Ready, with no project and no slot taken, and its running tasks must stop: no
agent left paused or busy for a project that no longer exists, nothing leased or queued.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelCall
from berrys_app.domain.work import Agent, Task
from berrys_app.services import agents
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import events_of, fresh, project_row, start_project, status_is, tasks_of
from tests.probes import queued_job_ids

SLOW = {"tasks": [{"id": f"s{i}", "title": f"Slow {i}"} for i in range(3)]}


def _team_agents(team_id: uuid.UUID) -> list[Agent]:
    return fresh(lambda s: list(s.exec(select(Agent).where(Agent.team_id == team_id).order_by(col(Agent.created_at)))))


def _running(project_id: uuid.UUID) -> bool:
    rows = tasks_of(project_id).values()
    return bool(rows) and all(task.status == "running" for task in rows)


def _pool_is_free(team_id: uuid.UUID) -> None:
    """Every agent of the team is back in the pool: Ready, on no project, no slot taken."""
    pool = _team_agents(team_id)
    assert pool
    assert [(a.status, a.project_id, a.running_tasks) for a in pool] == [("ready", None, 0)] * len(pool)


def _second_project_reuses(session: Session, team, model: str, agent_ids: set[uuid.UUID]) -> None:
    """A later project of the team runs to completion on the deleted project's agents."""
    project_id = start_project(session, team.member, team.team_id, SLOW, model=model)
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="the next project to finish")
    assert project_row(project_id).status == "completed", project_row(project_id).status_reason
    used = {task.agent_id for task in tasks_of(project_id).values()}
    assert used and used <= agent_ids  # reused from the pool, not created afresh
    assert {a.id for a in _team_agents(team.team_id)} == agent_ids


def test_deleting_a_paused_project_hands_its_agents_back_to_the_pool(session: Session, team, workers) -> None:
    scripted.rule("delpaused", contains="Task: Slow", step={"content": "slow done", "delay": 2.0})
    scripted.rule("delpaused", contains="one final deliverable", step={"content": "final"})
    scripted.rule("delpaused2", contains="Task: Slow", step={"content": "quick"})
    scripted.rule("delpaused2", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, SLOW, model="scripted/delpaused")
    wait_for(lambda: _running(project_id), timeout=60, what="all tasks running")
    project_lifecycle.pause_project(session, team.member, project_id, reason="coffee")
    session.commit()
    wait_for(lambda: len(events_of(project_id, "task.stopped")) == 3, timeout=5, what="workers to stop")
    on_project = agents.project_agents(session, project_id)
    assert on_project and {a.status for a in on_project} == {"paused"}
    agent_ids = {a.id for a in on_project}

    project_lifecycle.delete_project(session, team.admin, project_id)
    session.commit()

    assert project_row(project_id) is None and not tasks_of(project_id)
    _pool_is_free(team.team_id)
    handed_back = [e.payload for e in events_of(project_id, "agent.status_changed") if e.payload["to"] == "ready"]
    assert {uuid.UUID(p["agent_id"]) for p in handed_back} == agent_ids
    assert {(p["from"], p["reason"]) for p in handed_back} == {("paused", "project deleted")}
    _second_project_reuses(session, team, "scripted/delpaused2", agent_ids)


def test_deleting_an_executing_project_stops_its_runs_and_frees_its_agents(session: Session, team, workers) -> None:
    scripted.rule("delrun", contains="Task: Slow", step={"content": "never used", "delay": 5.0})
    scripted.rule("delrun2", contains="Task: Slow", step={"content": "quick"})
    scripted.rule("delrun2", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, SLOW, model="scripted/delrun")
    wait_for(lambda: _running(project_id), timeout=60, what="all tasks running")
    on_project = agents.project_agents(session, project_id)
    assert on_project and {a.status for a in on_project} == {"active"}
    assert sum(a.running_tasks for a in on_project) == 3
    agent_ids = {a.id for a in on_project}
    ids = {str(project_id), *(str(task.id) for task in tasks_of(project_id).values())}

    project_lifecycle.delete_project(session, team.admin, project_id)
    session.commit()

    # at once, not when the reconciler next recounts the slots
    _pool_is_free(team.team_id)
    # the runs stop within control_poll (0.1 s), long before their 5 s model calls would end
    wait_for(lambda: len(events_of(project_id, "task.stopped")) == 3, timeout=1.5, what="workers to stop")
    assert not tasks_of(project_id)
    assert not fresh(lambda s: s.exec(select(ModelCall).where(ModelCall.project_id == project_id)).all())
    assert not fresh(lambda s: s.exec(select(Task).where(col(Task.agent_id).in_(agent_ids))).all())
    # nothing of it waits in the queue (job ids name the task or the project; cron jobs stay)
    assert not [job for job in queued_job_ids() if any(i in str(job) for i in ids)]
    _pool_is_free(team.team_id)
    _second_project_reuses(session, team, "scripted/delrun2", agent_ids)
    assert scripted.calls("delrun") == 3  # the deleted project's calls were never answered nor retried
    assert workers.procs["w1"].poll() is None, workers.logs()
