"""Attack: a member gets past the budget that only an admin may raise.

Budget approvals are decided by admins, but a member could retry the waiting task (which
closed the approval as approved) or simply raise the project's or an agent's budget.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.collab import Approval
from berrys_app.domain.projects import ProjectCreate, ProjectUpdate
from berrys_app.domain.work import Task, TaskStatus
from berrys_app.services import projects, task_approvals
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Forbidden
from berrys_app.services.planning import PlanIn
from berrys_app.usecases import project_lifecycle
from tests.api.conftest import make_person, make_team


def _world(session: Session):
    team_id = make_team(session, "Budgeted")
    owner_p = make_person(session, team_id=team_id, role=Role.owner)
    member_p = make_person(session, team_id=team_id, role=Role.member)
    owner = Actor(user_id=owner_p.user_id, label=owner_p.email)
    member = Actor(user_id=member_p.user_id, label=member_p.email)
    data = ProjectCreate(name="Capped", budget_usd=1.0, budget_tokens=1000)
    project = projects.create_project(session, owner, team_id=team_id, data=data)
    session.commit()
    project_lifecycle.submit_plan(
        session, owner, project.id, PlanIn.model_validate({"tasks": [{"id": "a", "title": "Spend"}]})
    )
    session.commit()
    project_lifecycle.approve_plan(session, owner, project.id)
    session.commit()
    return project, owner, member


def test_a_member_cannot_raise_the_project_budget(session: Session) -> None:
    project, _, member = _world(session)
    with pytest.raises(Forbidden, match="raising the project's budget needs the admin role"):
        projects.update_project(session, member, project.id, data=ProjectUpdate(budget_usd=500.0))
        session.commit()
    session.rollback()
    with pytest.raises(Forbidden, match="needs the admin role"):
        projects.update_project(session, member, project.id, data=ProjectUpdate(budget_tokens=None))
        session.commit()
    session.rollback()
    projects.update_project(session, member, project.id, data=ProjectUpdate(budget_usd=0.5))  # lowering is fine
    session.commit()


def test_a_member_cannot_raise_an_agents_budget(session: Session) -> None:
    project, owner, member = _world(session)
    agent = projects.list_agents(session, owner, project.id)[0]
    projects.set_agent_budget(session, owner, project.id, agent.id, budget_usd=1.0, budget_tokens=100)
    session.commit()
    with pytest.raises(Forbidden, match="raising an agent's budget needs the admin role"):
        projects.set_agent_budget(session, member, project.id, agent.id, budget_usd=100.0, budget_tokens=100)
        session.commit()


def test_a_member_cannot_retry_past_a_budget_approval(session: Session) -> None:
    project, _, member = _world(session)
    task = session.exec(select(Task).where(Task.project_id == project.id)).one()
    task.status = TaskStatus.waiting_approval
    session.add(task)
    task_approvals.open_for_waiting_task(session, project, task, reason="budget_exceeded", message="budget spent")
    session.commit()

    with pytest.raises(Forbidden, match="waits on a budget approval; retrying it needs the admin role"):
        project_lifecycle.retry_task(session, member, project.id, task.id)
        session.commit()
    session.rollback()
    approval = session.exec(select(Approval).where(Approval.task_id == task.id)).one()
    assert approval.status == "pending", "the member's retry closed the admins' budget approval"
