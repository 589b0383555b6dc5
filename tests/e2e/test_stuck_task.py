"""A task that spent the budget is not a dead end on the dashboard: inbox item, settings, Retry."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def _executing_project(email: str, model: str) -> str:
    """A one-task project with a 3-token budget, approved and executing (set up through the services)."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        data = ProjectCreate(name="Thrifty", objectives=["do it"], model=model, budget_tokens=3)
        project = projects.create_project(session, actor, team_id=team_id, data=data)
        session.commit()
        plan = PlanIn.model_validate({"tasks": [{"id": "big", "title": "Expensive work"}]})
        project_lifecycle.submit_plan(session, actor, project.id, plan)
        session.commit()
        project_lifecycle.approve_plan(session, actor, project.id)
        session.commit()
        project_lifecycle.execute_project(session, actor, project.id)
        session.commit()
        return str(project.id)


def _budget_approvals(project_id: str) -> list[str]:
    from sqlmodel import select

    from berrys_app.db import session_scope
    from berrys_app.domain.collab import Approval

    with session_scope() as session:
        rows = session.exec(
            select(Approval).where(Approval.project_id == uuid.UUID(project_id), Approval.kind == "budget")
        ).all()
        return [row.status for row in rows]


def test_budget_stuck_task_gets_an_approval_a_budget_raise_and_a_retry(stack, new_page) -> None:
    from berrys_app.services.models import scripted

    name = f"thrifty{uuid.uuid4().hex[:6]}"
    scripted.rule(name, contains="Task: Expensive work", step={"content": "done at last"})
    scripted.rule(name, contains="You combine the results", step={"content": "# Report"})
    email = unique_email("tess")
    page = new_page("")
    register(page, name="Tess Thrifty", email=email)
    project_id = _executing_project(email, f"scripted/{name}")
    page.goto(f"/projects/{project_id}")
    page.click("#tab-board")
    waiting = page.locator('[data-column="waiting_approval"] .task-card')
    expect(waiting).to_have_count(1, timeout=60_000)
    assert _budget_approvals(project_id) == ["pending"]  # the team's inbox has the decision

    # the budget is raised from the dashboard; bad input is explained next to the field
    page.click("#project-settings")
    page.fill("#settings-tokens", "plenty")
    page.click("#save-settings")
    expect(page.locator('.field-error[data-field="budget_tokens"]')).to_contain_text("whole number")
    page.fill("#settings-tokens", "100000")
    page.click("#save-settings")
    expect(page.locator("#settings-dialog")).to_have_count(0)

    # the drawer offers Retry for the waiting task; it runs and the project completes
    waiting.click()
    drawer = page.locator("#task-drawer")
    expect(drawer).to_contain_text("budget_exceeded")
    expect(drawer.locator("#task-errors .task-error")).to_contain_text(["waiting"])  # each attempt's error is listed
    drawer.locator("#retry-task").click()
    page.keyboard.press("Escape")
    expect(page.locator('[data-column="completed"] .task-card')).to_have_count(1, timeout=60_000)
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    assert _budget_approvals(project_id) == ["approved"]  # settled by the retry
