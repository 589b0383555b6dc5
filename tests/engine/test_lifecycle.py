"""Project lifecycle and CRUD: roles, transitions, plans in review, events, team assembly."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from berrys_app.domain.events import Event
from berrys_app.domain.projects import ProjectCreate, ProjectUpdate
from berrys_app.domain.work import Agent, AgentStateChange, AgentStatus, AgentTemplate, Task, TaskDependency
from berrys_app.engine import agent_moves
from berrys_app.services import agents, projects
from berrys_app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berrys_app.usecases import project_lifecycle
from tests.probes import queued_job_ids

PLAN = {
    "summary": "diamond",
    "tasks": [
        {"id": "a", "title": "Research", "capabilities": ["research"], "estimated_minutes": 10},
        {"id": "b", "title": "Write", "capabilities": ["writing"], "depends_on": [{"task": "a", "type": "input"}]},
        {"id": "c", "title": "Code", "capabilities": ["code"], "depends_on": ["a"]},
        {"id": "d", "title": "Review", "capabilities": ["review"], "depends_on": ["b", "c"]},
    ],
}


def _events(session: Session, project_id, kind: str) -> list[Event]:
    return list(
        session.exec(select(Event).where(Event.project_id == project_id, Event.kind == kind).order_by(col(Event.id)))
    )


def test_roles_are_enforced(session: Session, team) -> None:
    with pytest.raises(Forbidden):
        projects.create_project(session, team.viewer, team_id=team.team_id, data=ProjectCreate(name="x"))
        session.commit()
    project = projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="Mine"))
    session.commit()
    assert projects.get_project(session, team.viewer, project.id).name == "Mine"
    with pytest.raises(NotFound):  # other teams do not even learn it exists
        projects.get_project(session, team.actors["outsider"], project.id)
    with pytest.raises(Forbidden):
        project_lifecycle.request_plan(session, team.viewer, project.id)
        session.commit()
    with pytest.raises(Forbidden):
        project_lifecycle.delete_project(session, team.member, project.id)
        session.commit()
    project_lifecycle.delete_project(session, team.admin, project.id)
    session.commit()
    with pytest.raises(NotFound):
        projects.get_project(session, team.owner, project.id)


def test_list_projects_filters_and_paginates(session: Session, team) -> None:
    for i in range(5):
        projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name=f"Alpha {i}"))
        session.commit()
    projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="Beta"))
    session.commit()
    rows, total = projects.list_projects(session, team.viewer, page=1, per_page=4)
    assert total == 6 and len(rows) == 4
    rows, total = projects.list_projects(session, team.viewer, team_id=team.team_id, q="alpha", page=2, per_page=4)
    assert total == 5 and len(rows) == 1
    assert projects.list_projects(session, team.actors["outsider"])[1] == 0
    with pytest.raises(ValidationFailed):
        projects.list_projects(session, team.viewer, status="bogus")
    with pytest.raises(ValidationFailed):
        projects.list_projects(session, team.viewer, per_page=1000)


def test_illegal_transitions_are_refused_with_a_clear_error(session: Session, team) -> None:
    project = projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="P"))
    session.commit()
    with pytest.raises(Conflict) as info:
        project_lifecycle.execute_project(session, team.member, project.id)
        session.commit()
    assert "created" in info.value.message
    with pytest.raises(Conflict):
        project_lifecycle.approve_plan(session, team.member, project.id)
        session.commit()
    with pytest.raises(Conflict) as info:
        project_lifecycle.resume_project(session, team.member, project.id)
        session.commit()
    project_lifecycle.cancel_project(session, team.member, project.id, reason="changed my mind")
    session.commit()
    with pytest.raises(Conflict) as info:
        project_lifecycle.request_plan(session, team.member, project.id)
        session.commit()
    assert info.value.details["allowed"] == []
    with pytest.raises(Conflict):
        projects.update_project(session, team.member, project.id, data=ProjectUpdate(name="new"))
        session.commit()


def test_hand_made_plan_review_reject_and_approve(session: Session, team) -> None:
    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="P", max_agents=3)
    )
    session.commit()
    bad = {"tasks": [{"id": "a", "title": "A", "depends_on": ["b"]}, {"id": "b", "title": "B", "depends_on": ["a"]}]}
    with pytest.raises(ValidationFailed) as info:
        project_lifecycle.submit_plan(session, team.member, project.id, bad)
        session.commit()
    assert info.value.details["cycle"] in (["a", "b", "a"], ["b", "a", "b"])
    session.rollback()

    v1 = project_lifecycle.submit_plan(session, team.member, project.id, PLAN)
    session.commit()
    assert v1.version == 1 and v1.critical_path[0] == "a" and v1.critical_path[-1] == "d"
    assert projects.get_project(session, team.viewer, project.id).status == "plan_review"
    with pytest.raises(ValidationFailed):
        project_lifecycle.reject_plan(session, team.member, project.id, reason="  ")
        session.commit()
    with pytest.raises(Forbidden):
        project_lifecycle.reject_plan(session, team.viewer, project.id, reason="no")
        session.commit()
    project_lifecycle.reject_plan(session, team.member, project.id, reason="too coarse")
    session.commit()
    assert projects.get_plan(session, team.viewer, project.id, 1).status == "rejected"

    edited = {**PLAN, "tasks": [*PLAN["tasks"], {"id": "e", "title": "Publish", "depends_on": ["d"]}]}
    v2 = project_lifecycle.submit_plan(session, team.member, project.id, edited)
    session.commit()
    assert v2.version == 2 and v2.diff["added"] == ["e"]
    project = project_lifecycle.approve_plan(session, team.member, project.id)
    session.commit()
    assert project.status == "ready" and project.plan_version == 2 and project.sinks_remaining == 1

    tasks = {t.key: t for t in projects.list_tasks(session, team.viewer, project.id)}
    assert set(tasks) == {"a", "b", "c", "d", "e"}
    assert tasks["a"].remaining_deps == 0 and tasks["d"].remaining_deps == 2
    edges = session.exec(select(TaskDependency).where(TaskDependency.task_id == tasks["b"].id)).all()
    assert [(e.depends_on_id, e.kind) for e in edges] == [(tasks["a"].id, "input")]
    assert all(t.agent_id and t.assignment_reason for t in tasks.values())
    kinds = [e.payload["to"] for e in _events(session, project.id, "project.status_changed")]
    assert kinds == ["planning", "plan_review", "rejected", "planning", "plan_review", "ready"]
    assert _events(session, project.id, "plan.approved")[0].payload == {"version": 2}
    assert _events(session, project.id, "project.status_changed")[0].actor == team.member.label


def test_team_assembly_matches_capabilities_reuses_and_respects_max_agents(session: Session, team) -> None:
    agents.seed_templates(session)
    agents.seed_templates(session)  # idempotent
    session.commit()
    assert len(session.exec(select(AgentTemplate)).all()) == len(agents.DEFAULT_TEMPLATES)

    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="P", max_agents=2)
    )
    session.commit()
    project_lifecycle.submit_plan(session, team.member, project.id, PLAN)
    session.commit()
    project_lifecycle.approve_plan(session, team.member, project.id)
    session.commit()
    crew = agents.project_agents(session, project.id)
    assert len(crew) == 2  # four capabilities, but max_agents=2
    tasks = {t.key: t for t in projects.list_tasks(session, team.viewer, project.id)}
    by_id = {a.id: a for a in crew}
    assert "research" in by_id[tasks["a"].agent_id].capabilities
    assert any("max_agents=2" in t.assignment_reason for t in tasks.values())
    assert _events(session, project.id, "agent.created")
    assert {a.id for a in projects.list_agents(session, team.viewer, project.id)} == set(by_id)
    history = projects.agent_history(session, team.viewer, project.id, crew[0].id)
    assert history[0].from_status is None and history[0].reason == crew[0].reason

    # a second project reuses the first one's agents once they are idle again
    agent_moves.release_project_agents(session, project.id, reason="done", actor=team.owner)
    session.commit()
    other = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="Q", max_agents=5)
    )
    session.commit()
    project_lifecycle.submit_plan(
        session, team.member, other.id, {"tasks": [{"id": "r", "title": "R", "capabilities": ["research"]}]}
    )
    session.commit()
    project_lifecycle.approve_plan(session, team.member, other.id)
    session.commit()
    task = projects.list_tasks(session, team.viewer, other.id)[0]
    assert task.agent_id in by_id and task.assignment_reason.startswith("reused idle team agent")


def test_agent_state_machine_keeps_history(session: Session, team) -> None:
    agent = Agent(team_id=team.team_id, name="x", role="r")
    session.add(agent)
    session.flush()
    agent_moves.set_agent_status(session, agent, AgentStatus.active, reason="work", actor=team.owner)
    agent_moves.set_agent_status(session, agent, AgentStatus.paused, reason="pause", actor=team.owner)
    agent_moves.set_agent_status(session, agent, AgentStatus.terminated, reason="bye", actor=team.owner)
    with pytest.raises(Conflict):
        agent_moves.set_agent_status(session, agent, AgentStatus.active, reason="again", actor=team.owner)
    session.commit()
    history = session.exec(
        select(AgentStateChange).where(AgentStateChange.agent_id == agent.id).order_by(col(AgentStateChange.created_at))
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        ("ready", "active"),
        ("active", "paused"),
        ("paused", "terminated"),
    ]


def test_request_plan_enqueues_the_planner_job(session: Session, team) -> None:

    project = projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="P"))
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    assert queued_job_ids() == [f"plan:{project.id}:1"]
    assert session.get(Task, project.id) is None
