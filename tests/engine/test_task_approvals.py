"""A task that waits for a person (budget spent) opens an inbox approval; deciding it or retrying closes it."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from berrys_app.domain.collab import Approval
from berrys_app.domain.projects import ProjectUpdate
from berrys_app.services import collab, projects
from berrys_app.services.errors import Forbidden
from berrys_app.services.models import scripted
from berrys_app.usecases import decisions, project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import fresh, start_project, status_is, tasks_of


def _waiting_project(session: Session, team, name: str) -> uuid.UUID:
    scripted.rule(name, contains="Task:", step={"content": "ok"})
    scripted.rule(name, contains="one final deliverable", step={"content": "final"})
    plan = {"tasks": [{"id": "big", "title": "Expensive"}]}
    project_id = start_project(session, team.member, team.team_id, plan, model=f"scripted/{name}", budget_tokens=3)
    wait_for(lambda: tasks_of(project_id)["big"].status == "waiting_approval", timeout=60, what="task to wait")
    return project_id


def _approvals(project_id: uuid.UUID) -> list[Approval]:
    return fresh(lambda s: list(s.exec(select(Approval).where(Approval.project_id == project_id))))


def test_a_waiting_task_opens_a_budget_approval_and_approving_it_runs_the_task(session: Session, team, workers):
    workers.start("w1")
    project_id = _waiting_project(session, team, "apprbudget")
    [approval] = [a for a in _approvals(project_id) if a.kind == "budget"]
    task = tasks_of(project_id)["big"]
    assert (approval.status, approval.task_id, approval.details["reason"]) == ("pending", task.id, "budget_exceeded")
    inbox, _ = collab.list_approvals(session, team.viewer, team_id=team.team_id)
    assert approval.id in {row.id for row in inbox}

    with pytest.raises(Forbidden):  # a member may retry the task, but deciding a budget approval needs an admin
        decisions.decide_approval(session, team.member, approval.id, approve=True)
        session.commit()
    session.rollback()
    projects.update_project(session, team.admin, project_id, data=ProjectUpdate(budget_tokens=100_000))
    session.commit()
    decisions.decide_approval(session, team.admin, approval.id, approve=True)
    session.commit()
    wait_for(lambda: status_is(project_id, "completed"), timeout=60, what="project to complete")
    assert [a.status for a in _approvals(project_id) if a.kind == "budget"] == ["approved"]


def test_retrying_the_task_closes_its_pending_approval(session: Session, team, workers):
    workers.start("w1")
    project_id = _waiting_project(session, team, "apprretry")
    projects.update_project(session, team.admin, project_id, data=ProjectUpdate(budget_tokens=100_000))
    session.commit()
    project_lifecycle.retry_task(session, team.admin, project_id, tasks_of(project_id)["big"].id)
    session.commit()
    [approval] = [a for a in _approvals(project_id) if a.kind == "budget"]
    assert approval.status == "approved" and "retried by" in (approval.reason or "")
    wait_for(lambda: status_is(project_id, "completed"), timeout=60, what="project to complete")
