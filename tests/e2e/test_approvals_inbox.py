"""The approvals inbox lists a plan waiting for review and approving it there moves the project on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def test_plan_waiting_for_review_is_approved_from_the_inbox(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    email = unique_email("ines")
    page = new_page("")
    register(page, name="Ines Inbox", email=email)
    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        project = projects.create_project(
            session, actor, team_id=team_id, data=ProjectCreate(name="Inbox berries", objectives=["decide"])
        )
        session.commit()
        project_lifecycle.submit_plan(
            session, actor, project.id, PlanIn.model_validate({"tasks": [{"id": "x", "title": "X"}]})
        )
        session.commit()
        project_id = project.id

    page.goto("/approvals")
    row = page.locator(".approvals-row").filter(has_text="plan")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".approvals-row")).to_have_count(0)
    with session_scope() as session:
        assert projects.get_project(session, actor, project_id).status == "ready"
