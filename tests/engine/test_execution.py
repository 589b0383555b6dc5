"""Execution with real PostgreSQL, Redis and worker processes; the scripted model plays the LLM."""

from __future__ import annotations

import json

from sqlmodel import Session

from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.event_payloads import PAYLOADS
from berrys_app.services import agents, projects
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import events_of, project_row, start_project, status_is, tasks_of

DIAMOND = {
    "tasks": [
        {"id": "a", "title": "Research", "capabilities": ["research"]},
        {"id": "b", "title": "Write", "capabilities": ["writing"], "depends_on": [{"task": "a", "type": "input"}]},
        {"id": "c", "title": "Code", "capabilities": ["code"], "depends_on": [{"task": "a", "type": "completion"}]},
        {"id": "d", "title": "Review", "capabilities": ["review"], "depends_on": ["b", "c"]},
    ]
}


def _diamond_script(name: str) -> None:
    scripted.rule(name, contains="Task: Research", step={"content": "FACT-42 found"})
    scripted.rule(name, contains="Task: Write", step={"content": "written", "delay": 0.4})
    scripted.rule(name, contains="Task: Code", step={"content": "coded", "delay": 0.4})
    scripted.rule(name, contains="Task: Review", step={"content": "reviewed"})
    scripted.rule(name, contains="one final deliverable", step={"content": "FINAL REPORT"})


def _prompts(model: str) -> list[str]:
    """The text of each recorded call to ``scripted/<model>``."""
    return ["\n".join(m.get("content") or "" for m in msgs) for msgs in scripted.requests(model)]


def test_diamond_runs_in_dependency_order_with_parallel_branches(session: Session, team, workers) -> None:
    _diamond_script("diamond")
    workers.start("w1")
    workers.start("w2")
    project_id = start_project(session, team.member, team.team_id, DIAMOND, model="scripted/diamond")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    assert project_row(project_id).status == "completed", (project_row(project_id).status_reason, workers.logs())

    t = tasks_of(project_id)
    assert all(task.status == "completed" for task in t.values())
    assert t["a"].finished_at <= t["b"].started_at and t["a"].finished_at <= t["c"].started_at
    assert t["b"].started_at < t["c"].finished_at and t["c"].started_at < t["b"].finished_at  # overlap
    assert t["d"].started_at >= max(t["b"].finished_at, t["c"].finished_at)
    assert [t[k].output for k in "abcd"] == ["FACT-42 found", "written", "coded", "reviewed"]

    deliverables = projects.list_deliverables(session, team.viewer, project_id)
    assert len(deliverables) == 1 and deliverables[0].content.startswith("## Summary\n\nFINAL REPORT\n\n")
    kinds = [e.kind for e in events_of(project_id)]
    for kind in (
        "plan.proposed",
        "plan.approved",
        "task.ready",
        "task.started",
        "task.completed",
        "deliverable.created",
    ):
        assert kind in kinds
    assert kinds.count("task.completed") == 4
    statuses = [e.payload["to"] for e in events_of(project_id, "project.status_changed")]
    assert statuses[-2:] == ["executing", "completed"]
    for event in events_of(project_id):  # rows written in SQL (lease, completion) as well as by emit()
        PAYLOADS[EventKind(event.kind)].model_validate(event.payload)


def test_input_dependency_output_reaches_downstream_prompt(session: Session, team, workers) -> None:
    _diamond_script("inputs")
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, DIAMOND, model="scripted/inputs")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    prompts = _prompts("inputs")
    write = next(p for p in prompts if "Task: Write" in p)
    code = next(p for p in prompts if "Task: Code" in p)
    assert "FACT-42 found" in write  # input dependency: a's output is in b's context
    assert "FACT-42 found" not in code  # completion dependency: ordering only
    final = next(p for p in prompts if "one final deliverable" in p)
    assert "reviewed" in final and "written" in final


def test_retry_then_success(session: Session, team, workers) -> None:
    scripted.push("flaky", {"error": "server_error"}, {"content": "second time lucky"}, {"content": "report"})
    workers.start("w1")
    plan = {"tasks": [{"id": "only", "title": "Flaky"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/flaky", max_task_attempts=3)
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    task = tasks_of(project_id)["only"]
    assert (task.status, task.failures, task.output) == ("completed", 1, "second time lucky")
    retry = events_of(project_id, "task.retrying")
    assert len(retry) == 1 and "provider_error" in retry[0].payload["error"]


def test_retry_exhausted_then_replan_then_completion(session: Session, team, workers) -> None:
    new_plan = {
        "summary": "route around the failure",
        "tasks": [
            {
                "id": "g",
                "title": "Gamma",
                "description": "another way",
                "capabilities": ["writing"],
                "expected_output": "text",
                "estimated_minutes": 5,
                "priority": 1,
                "depends_on": [{"task": "a", "type": "input"}],
            }
        ],
    }
    scripted.rule("replan", contains="You are the planner", step={"content": json.dumps(new_plan)})
    scripted.rule("replan", contains="Task: Alpha", step={"content": "alpha done"})
    scripted.rule("replan", contains="Task: Beta", step={"error": "server_error"})
    scripted.rule("replan", contains="Task: Gamma", step={"content": "gamma done"})
    scripted.rule("replan", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    plan = {"tasks": [{"id": "a", "title": "Alpha"}, {"id": "b", "title": "Beta", "depends_on": ["a"]}]}
    project_id = start_project(
        session,
        team.member,
        team.team_id,
        plan,
        model="scripted/replan",
        max_task_attempts=2,
        max_replans=1,
        auto_approve=True,
    )
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    project = project_row(project_id)
    beta_calls = sum("Task: Beta" in p for p in _prompts("replan"))
    task_events = [(e.kind, e.payload.get("key"), e.payload.get("attempt")) for e in events_of(project_id)]
    assert project.status == "completed", (project.status_reason, beta_calls, task_events, workers.logs())
    # one call per attempt: the planner shares the failing model, and a third fault would have
    # opened its circuit (a duplicate job of Alpha once cancelled Beta's run started ahead)
    assert beta_calls == 2, (task_events, workers.logs())
    assert project.replans_used == 1 and project.plan_version == 2
    t = tasks_of(project_id)
    assert t["b"].status == "failed" and t["b"].failures == 2
    assert t["g"].status == "completed" and t["a"].status == "completed"
    v2 = projects.get_plan(session, team.viewer, project_id, 2)
    assert v2.source == "replan" and v2.diff["added"] == ["g"] and "Beta" in (v2.reason or "")
    assert any("Task: Gamma" in p and "alpha done" in p for p in _prompts("replan"))


def test_replans_exhausted_fails_project_with_reason(session: Session, team, workers) -> None:
    scripted.rule("doomed", contains="Task: Beta", step={"error": "server_error"})
    workers.start("w1")
    plan = {"tasks": [{"id": "b", "title": "Beta"}]}
    project_id = start_project(
        session, team.member, team.team_id, plan, model="scripted/doomed", max_task_attempts=2, max_replans=0
    )
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")
    project = project_row(project_id)
    assert project.status == "failed" and "task b (Beta) failed after 2 attempt(s)" in project.status_reason


def test_budget_refusal_pauses_the_task_for_a_person(session: Session, team, workers) -> None:
    scripted.rule("budget", contains="Task:", step={"content": "ok"})
    scripted.rule("budget", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    plan = {"tasks": [{"id": "big", "title": "Expensive"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/budget", budget_tokens=3)
    wait_for(lambda: tasks_of(project_id)["big"].status == "waiting_approval", timeout=60, what="task to wait")
    task = tasks_of(project_id)["big"]
    project = project_row(project_id)
    assert task.waiting_reason == "budget_exceeded" and project.status == "executing"
    assert "waiting for a person: budget_exceeded" in project.status_reason
    assert projects.project_usage(session, team.viewer, project_id)["waiting"] == 1
    assert events_of(project_id, "task.waiting")[0].payload["reason"] == "budget_exceeded"
    assert scripted.calls("budget") == 0  # refused before calling the model

    # a person raises the budget and lets the task go on
    from berrys_app.domain.projects import ProjectUpdate

    projects.update_project(session, team.admin, project_id, data=ProjectUpdate(budget_tokens=100_000))
    session.commit()
    project_lifecycle.retry_task(session, team.admin, project_id, task.id)
    session.commit()
    wait_for(lambda: status_is(project_id, "completed"), timeout=60, what="project to complete")


SLOW = {"tasks": [{"id": f"s{i}", "title": f"Slow {i}"} for i in range(3)]}


def _running(project_id) -> bool:
    return all(task.status == "running" for task in tasks_of(project_id).values())


def test_pause_stops_running_tasks_and_resume_finishes(session: Session, team, workers) -> None:
    scripted.rule("pause", contains="Task: Slow", step={"content": "slow done", "delay": 2.0})
    scripted.rule("pause", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, SLOW, model="scripted/pause")
    wait_for(lambda: _running(project_id), timeout=60, what="all tasks running")
    project_lifecycle.pause_project(session, team.member, project_id, reason="coffee")
    session.commit()
    # the worker stops within control_poll (0.1 s), long before the 2 s model calls would end
    wait_for(lambda: len(events_of(project_id, "task.stopped")) == 3, timeout=1.5, what="workers to stop")
    assert all(task.status == "ready" for task in tasks_of(project_id).values())
    assert {e.payload["status"] for e in events_of(project_id, "task.stopped")} == {"ready"}  # what pages show
    assert not events_of(project_id, "task.completed")
    assert project_row(project_id).status == "paused"
    assert {a.status for a in agents.project_agents(session, project_id)} == {"paused"}

    project_lifecycle.resume_project(session, team.member, project_id)
    session.commit()
    wait_for(lambda: status_is(project_id, "completed"), timeout=60, what="project to complete after resume")
    assert all(task.status == "completed" and task.attempt == 2 for task in tasks_of(project_id).values())


def test_cancel_stops_running_tasks(session: Session, team, workers) -> None:
    scripted.rule("cancel", contains="Task: Slow", step={"content": "never", "delay": 5.0})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, SLOW, model="scripted/cancel")
    wait_for(lambda: _running(project_id), timeout=60, what="all tasks running")
    project_lifecycle.cancel_project(session, team.member, project_id, reason="wrong idea")
    session.commit()
    wait_for(lambda: len(events_of(project_id, "task.stopped")) == 3, timeout=1.5, what="workers to stop")
    assert {task.status for task in tasks_of(project_id).values()} == {"cancelled"}
    assert {e.payload["status"] for e in events_of(project_id, "task.stopped")} == {"cancelled"}
    project = project_row(project_id)
    assert (project.status, project.status_reason) == ("cancelled", "wrong idea")
    statuses = {e.payload["to"] for e in events_of(project_id, "agent.status_changed")}
    assert "terminated" in statuses


def test_agent_budget_refusal_waits_and_raising_it_lets_the_task_finish(session: Session, team, workers) -> None:
    from berrys_app.domain.work import AgentTemplate

    session.add(AgentTemplate(name="frugal", role="Frugal", capabilities=["frugal"], budget_tokens=3))
    session.commit()
    scripted.rule("agentbudget", contains="Task:", step={"content": "ok"})
    scripted.rule("agentbudget", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    plan = {"tasks": [{"id": "f", "title": "Frugal work", "capabilities": ["frugal"]}]}
    project_id = start_project(session, team.member, team.team_id, plan, model="scripted/agentbudget")
    wait_for(lambda: tasks_of(project_id)["f"].status == "waiting_approval", timeout=60, what="task to wait")
    task = tasks_of(project_id)["f"]
    assert task.waiting_reason == "budget_exceeded"
    assert scripted.calls("agentbudget") == 0  # the agent's 3-token budget refused the call before it was made
    (agent,) = projects.list_agents(session, team.member, project_id)
    assert agent.budget_tokens == 3 and agent.id == task.agent_id

    projects.set_agent_budget(session, team.admin, project_id, agent.id, budget_usd=None, budget_tokens=None)
    session.commit()
    project_lifecycle.retry_task(session, team.admin, project_id, task.id)
    session.commit()
    wait_for(lambda: status_is(project_id, "completed"), timeout=60, what="project to complete")
    assert events_of(project_id, "agent.budget_changed")[0].payload["budget_tokens"] is None
