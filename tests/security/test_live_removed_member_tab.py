"""Attack (e2e, two browser contexts): a removed member keeps the project page open.

Removal used to drop the tab's subscription only until its next 20 s heartbeat, which
subscribed it (and joined presence) again without a check; the page also kept showing
everything it had. Now the tab is told within a second, forgets the project, and gets
nothing more.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_team_live import _actor, _signed_in, _team_project

pytestmark = pytest.mark.e2e


def test_a_removed_members_open_tab_receives_nothing_within_a_second_and_never_again(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import collab, teams

    emails, pages = _signed_in(new_page, "olive", "max")
    team_id, project_id = _team_project(emails["olive"], {emails["max"]: "member"}, f"rm{uuid.uuid4().hex[:6]}")
    olive, max_ = pages["olive"], pages["max"]
    for page in (olive, max_):
        page.goto(f"/projects/{project_id}")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review")
        page.click("#tab-timeline")
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(1)
    owner, member = _actor(emails["olive"]), _actor(emails["max"])
    with session_scope() as session:
        collab.add_comment(session, owner, project_id=uuid.UUID(project_id), body="before removal")
    expect(max_.locator(".timeline-item", has_text="before removal")).to_have_count(1)

    with session_scope() as session:
        teams.remove_member(session, owner, uuid.UUID(team_id), member.user_id)
    # within a second the removed member's tab is closed: nothing of the project stays on it
    expect(max_.locator("#load-error")).to_be_visible(timeout=1_000)
    expect(max_.locator(".timeline-item")).to_have_count(0, timeout=1_000)
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(0, timeout=1_000)

    for body in ("first after removal", "second after removal"):
        with session_scope() as session:
            collab.add_comment(session, owner, project_id=uuid.UUID(project_id), body=body)
    expect(olive.locator(".timeline-item", has_text="second after removal")).to_have_count(1)
    expect(max_.locator(".timeline-item", has_text="after removal")).to_have_count(0)
