"""The team-wide pages render real data for an owner, the audit log refuses a member,
and (with ``BERRYS_SCREENSHOTS=1``) every main page is captured into docs/screenshots/."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import PASSWORD, register, script_model, unique_email

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page: Page, name: str) -> None:
    if os.environ.get("BERRYS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(400)  # let plotly/animations settle: cosmetic only, nothing is asserted after it
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _finished_project(owner_email: str, member_email: str, model: str) -> str:
    """A project with a 6-task plan, executed to completion by the workers (scripted model)."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    steps = [
        ("research", "Research berry varieties", []),
        ("prices", "Collect market prices", []),
        ("analysis", "Analyse demand", ["research", "prices"]),
        ("draft", "Draft the report", ["analysis"]),
        ("charts", "Prepare charts", ["analysis"]),
        ("review", "Review and polish", ["draft", "charts"]),
    ]
    script_model(
        model,
        plan="{}",
        task_replies={f"Task: {title}": f"## {title}\n\n- point one\n- point two" for _, title, _ in steps},
        summary="Berry market report",
    )
    with session_scope() as session:
        owner = auth.authenticate(session, auth.login(session, email=owner_email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, owner)[0].id
        invitation = teams.add_member(session, owner, team_id, email=member_email, role="member")
        member = auth.authenticate(session, auth.login(session, email=member_email, password=PASSWORD).access_token)
        teams.accept_invitation(session, member, invitation.id)  # membership needs their consent
        project = projects.create_project(
            session,
            owner,
            team_id=team_id,
            data=ProjectCreate(
                name="Berry market report",
                objectives=["Size the berry market", "Recommend where to sell"],
                budget_usd=5.0,
                model=f"scripted/{model}",
            ),
        )
        session.commit()
        plan = PlanIn.model_validate(
            {
                "tasks": [
                    {
                        "id": key,
                        "title": title,
                        "capabilities": ["research"],
                        "depends_on": deps,
                        "estimated_minutes": 10,
                    }
                    for key, title, deps in steps
                ]
            }
        )
        project_lifecycle.submit_plan(session, owner, project.id, plan)
        session.commit()
        project_lifecycle.approve_plan(session, owner, project.id)
        session.commit()
        project_lifecycle.execute_project(session, owner, project.id)
        session.commit()
        return str(project.id)


def test_workspace_pages_render_and_audit_needs_admin(stack, new_page) -> None:
    owner_email, member_email = unique_email("owen"), unique_email("mia")
    member = new_page("")
    register(member, name="Mia Member", email=member_email)
    page = new_page("/login")
    expect(page.locator("#sign-in")).to_be_visible()
    shot(page, "login")
    register(page, name="Owen Owner", email=owner_email)
    project_id = _finished_project(owner_email, member_email, f"shots{uuid.uuid4().hex[:6]}")

    page.goto(f"/projects/{project_id}")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.locator("#plan-graph .main-svg").first).to_be_visible()
    shot(page, "project-graph")
    # clicking a node of the plan graph opens that task's drawer
    node = page.locator("#plan-graph .scatterlayer .trace").nth(2).locator(".point").nth(5)
    box = node.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#task-drawer")).to_contain_text("Review and polish")
    page.keyboard.press("Escape")
    expect(page.locator("#task-drawer")).to_have_count(0)
    page.click("#tab-board")
    expect(page.locator('[data-column="completed"] .task-card')).to_have_count(6)
    shot(page, "project-board")
    page.locator('.task-card[data-task="review"]').click()
    expect(page.locator("#task-drawer")).to_be_visible()
    expect(page.locator("#task-output")).to_contain_text("point one")
    shot(page, "task-drawer")
    page.keyboard.press("Escape")
    page.click("#tab-plan")
    expect(page.locator("tr.plan-row")).to_have_count(6)
    shot(page, "project-plan")
    page.click("#tab-timeline")
    expect(page.locator('.timeline-item[data-kind="task.completed"]')).to_have_count(6)
    shot(page, "project-activity")
    page.click("#tab-results")
    expect(page.locator(".deliverable").first).to_contain_text("Berry market report")
    shot(page, "project-results")

    page.goto("/projects")
    expect(page.locator(f'.project-row[data-project="{project_id}"]')).to_contain_text("6/6")
    shot(page, "projects")
    page.goto("/agents")
    expect(page.locator("#agents .agents-row").first).to_be_visible()
    expect(page.locator("#templates .templates-row").first).to_be_visible()
    shot(page, "agents")
    page.goto("/models")
    expect(page.locator("#models .models-row").first).to_be_visible()
    shot(page, "models")
    page.goto("/tools")
    expect(page.locator("#tools .tools-row").first).to_be_visible()
    shot(page, "tools")
    page.goto("/team")
    expect(page.locator("#members .members-row")).to_have_count(2)
    shot(page, "team")
    page.goto("/audit")
    expect(page.locator("#audit .audit-row").first).to_be_visible()
    shot(page, "audit")
    page.goto("/profile")
    page.fill("#key-name", "ci")
    page.click("#create-key")
    expect(page.locator("#new-key")).to_have_text(re.compile(r"\S{16,}"))
    expect(page.locator("#api-keys .api-keys-row")).to_have_count(1)
    page.goto("/system")
    expect(page.get_by_test_id("health-postgresql")).to_have_text("up")  # loaded before the picture
    expect(page.locator("#sandbox-card")).to_contain_text("bytes output")
    shot(page, "system")
    page.emulate_media(color_scheme="dark")
    page.goto(f"/projects/{project_id}")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    shot(page, "project-results-dark")

    # a member of Owen's team: no audit link, and the service refuses the page's data
    member.goto("/projects")
    member.click("#team-switcher")
    member.get_by_role("option", name="Owen Owner's team").click()
    expect(member.locator("#my-role")).to_have_text("member")
    expect(member.locator('a.nav-link[href="/audit"]')).to_have_count(0)
    member.goto("/audit")
    expect(member.locator(".page-error")).to_be_visible()
    expect(member.locator("#audit")).to_have_count(0)


def test_team_page_invites_by_email_lists_and_revokes_invitations_and_creates_a_team(stack, new_page) -> None:
    """Invite someone without an account (pending), a registered person (joins when they accept
    on their Profile page), revoke a pending invitation, refuse a duplicate visibly, start a team."""
    known = unique_email("kim")
    other = new_page("")
    register(other, name="Kim Known", email=known)
    page = new_page("")
    register(page, name="Ida Inviter", email=unique_email("ida"))
    page.goto("/team")
    expect(page.locator("#members .members-row")).to_have_count(1)

    stranger = unique_email("newcomer")
    page.fill("#invite-email", stranger)
    page.click("#invite")
    expect(page.locator("#invite-notice")).to_contain_text("we mailed them a link")
    expect(page.locator("#invitations .invitations-row")).to_have_count(1)
    expect(page.locator("#invitations .invitations-row").first).to_contain_text("pending")

    page.fill("#invite-email", stranger)  # a second invitation to the same email is refused visibly
    page.click("#invite")
    expect(page.locator("#invite-error")).to_contain_text("already invited")

    page.fill("#invite-email", known)
    page.click("#invite")
    expect(page.locator("#invite-notice")).to_contain_text("They join when they accept")
    expect(page.locator("#members .members-row")).to_have_count(1)  # not without their consent
    # Kim accepts on her Profile page; Ida's team page follows live
    other.goto("/profile")
    invitation = other.locator("#my-invitations .my-invitations-row", has_text="Ida Inviter")
    expect(invitation).to_contain_text("member")
    invitation.locator(".accept-invitation").click()
    expect(other.locator("#my-invitations .my-invitations-row")).to_have_count(0)
    expect(page.locator("#members .members-row")).to_have_count(2)
    page.reload()
    expect(page.locator("#invitations .invitations-row", has_text=known)).to_contain_text("accepted")
    expect(page.locator("#activity .activity-row", has_text="Member added").first).to_contain_text("member")

    page.locator("#invitations .invitations-row", has_text=stranger).locator(".revoke-invitation").click()
    expect(page.locator("#invitations .invitations-row", has_text=stranger)).to_have_count(0)
    expect(page.locator("#invitations .invitations-row")).to_have_count(1)

    page.click("#new-team")
    page.click("#create-team")  # no name: the service's refusal is shown in the dialog
    expect(page.locator("#new-team-error")).to_contain_text("a team needs a name")
    page.fill("#new-team-name", "Berry pickers")
    page.click("#create-team")
    expect(page.locator("#team-switcher")).to_contain_text("Berry pickers")
    expect(page.locator("#members .members-row")).to_have_count(1)
    expect(page.locator("#my-role")).to_have_text("owner")


def test_new_project_form_offers_catalogue_models_and_a_deadline_and_keys_get_an_expiry(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import Project

    page = new_page("")
    register(page, name="Fay Form", email=unique_email("fay"))
    page.click("#new-project")
    expect(page.locator("#model-choices option").first).to_be_attached()  # choices from the catalogue
    page.fill("#project-name", "Deadline berries")
    page.fill("#project-objectives", "pick")
    page.fill("#project-deadline", "2001-01-01T10:00")
    page.click("#create-project")
    expect(page.locator('.field-error[data-field="deadline"]')).to_have_text("Deadline: must be in the future")
    page.fill("#project-deadline", "2099-05-04T17:30")
    page.click("#create-project")
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"), timeout=20_000)
    project_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    with session_scope() as session:
        project = session.get(Project, uuid.UUID(project_id))
        assert project is not None and project.deadline is not None
        assert project.deadline.isoformat().startswith("2099-05-04T17:30")

    page.goto("/projects")
    page.click("#status-filter")
    expect(page.get_by_role("option", name="Ready", exact=True)).to_be_visible()
    expect(page.get_by_role("option", name="Plan to review", exact=True)).to_be_visible()
    page.keyboard.press("Escape")

    page.goto("/profile")
    page.fill("#key-name", "short-lived")
    page.click("#key-expiry")
    page.get_by_role("option", name="7 days").click()
    page.click("#create-key")
    row = page.locator("#api-keys .api-keys-row")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(4)).to_have_text(re.compile(r"^20\d\d-\d\d-\d\d"))  # Expires
    expect(row.locator("td").nth(5)).to_have_text("never")  # Last used
