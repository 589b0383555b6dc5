"""The Agents page's "Current task" follows task events live, in memory."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.work import Task
from berrys_app.services import auth, projects, teams
from berrys_app.services.authz import Actor
from berrys_app.services.planning import PlanIn
from berrys_app.usecases import project_lifecycle


def _agents_tab():
    from reflex.state import State

    from berrys_app.ui.state.workspace import AgentsState

    root = State(_reflex_internal_init=True)
    return root.get_substate(AgentsState.get_full_name().split(".")[1:])


def test_current_task_is_set_on_start_and_cleared_when_the_task_ends(session: Session) -> None:
    user = auth.create_user(session, email="ag@example.com", name="Ag")
    actor = Actor(user_id=user.id, label=user.email)
    team_id = teams.list_my_teams(session, actor)[0].id
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="P", objectives=["x"]))
    session.commit()
    project_lifecycle.submit_plan(
        session, actor, project.id, PlanIn.model_validate({"tasks": [{"id": "a", "title": "Pick"}]})
    )
    session.commit()
    project_lifecycle.approve_plan(session, actor, project.id)  # the plan's tasks are created
    session.commit()
    task = session.exec(select(Task).where(Task.project_id == project.id)).one()

    tab = _agents_tab()
    agent_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    tab.agents = [
        {"id": agent_id, "name": "A", "status": "ready", "task": "—", "task_id": ""},
        {"id": other_id, "name": "B", "status": "ready", "task": "—", "task_id": ""},
    ]
    tab._on_live({"kind": "task.started", "task_id": str(task.id), "payload": {"agent_id": agent_id}})
    assert tab.agents[0]["task"] == "Pick" and tab.agents[0]["status"] == "active"
    assert tab.agents[1]["task"] == "—"

    tab._on_live({"kind": "task.completed", "task_id": str(task.id), "payload": {}})
    assert tab.agents[0]["task"] == "—" and tab.agents[0]["task_id"] == ""
