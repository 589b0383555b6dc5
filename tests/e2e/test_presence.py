"""Presence on the project page: leaving it for another page of the app removes you from the viewers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def _shared_project(owner_email: str, member_email: str) -> str:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams

    with session_scope() as session:
        owner = auth.authenticate(session, auth.login(session, email=owner_email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, owner)[0].id
        invitation = teams.add_member(session, owner, team_id, email=member_email, role="member")
        member = auth.authenticate(session, auth.login(session, email=member_email, password=PASSWORD).access_token)
        teams.accept_invitation(session, member, invitation.id)  # membership needs their consent
        data = ProjectCreate(name="Watched berries", objectives=["watch"])
        return str(projects.create_project(session, owner, team_id=team_id, data=data).id)


def test_a_viewer_who_moves_to_another_page_leaves_the_presence_bar(stack, new_page) -> None:
    emails = {"Olive": unique_email("olive"), "Max": unique_email("max")}
    pages = {}
    for name, email in emails.items():
        pages[name] = new_page("")
        register(pages[name], name=name, email=email)
    project_id = _shared_project(emails["Olive"], emails["Max"])
    olive, max_ = pages["Olive"], pages["Max"]
    for page in (olive, max_):
        page.goto(f"/projects/{project_id}")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "created")
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(1)

    max_.click('a.nav-link[href="/profile"]')  # inside the app: the project page unmounts
    expect(max_.locator("#page-title")).to_have_text("Profile")
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(0)

    max_.go_back()  # and back: a viewer again
    expect(max_.locator("#project-status")).to_have_attribute("data-status", "created")
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(1)
