"""Two members watch the same project live; a viewer sees no Execute and is refused if they try."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, script_model, unique_email

pytestmark = pytest.mark.e2e


def _actor(email: str):
    from berrys_app.db import session_scope
    from berrys_app.services import auth

    with session_scope() as session:
        pair = auth.login(session, email=email, password=PASSWORD)
        return auth.authenticate(session, pair.access_token)


def _team_project(owner_email: str, members: dict[str, str], model: str) -> tuple[str, str]:
    """Owner adds the members, creates a project and submits a hand-made plan (-> plan_review)."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    owner = _actor(owner_email)
    with session_scope() as session:
        team_id = teams.list_my_teams(session, owner)[0].id
        for email, role in members.items():
            invitation = teams.add_member(session, owner, team_id, email=email, role=role)
            teams.accept_invitation(session, _actor(email), invitation.id)  # membership needs their consent
        project = projects.create_project(
            session,
            owner,
            team_id=team_id,
            data=ProjectCreate(name="Shared berries", objectives=["share"], model=f"scripted/{model}"),
        )
        session.commit()
        plan = PlanIn.model_validate(
            {
                "tasks": [
                    {"id": "a", "title": "Alpha step"},
                    {"id": "b", "title": "Beta step", "depends_on": ["a"]},
                ]
            }
        )
        project_lifecycle.submit_plan(session, owner, project.id, plan)
        session.commit()
        return str(team_id), str(project.id)


def _signed_in(new_page, *names: str) -> tuple[dict[str, str], dict]:
    """A browser tab per name, each registered (and signed in) as a new user: (emails, pages)."""
    emails = {name: unique_email(name) for name in names}
    pages = {}
    for name, email in emails.items():
        pages[name] = new_page("")
        register(pages[name], name=name.title(), email=email)
    return emails, pages


def test_two_members_see_the_same_project_live_and_a_viewer_cannot_execute(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import auth
    from berrys_app.services.errors import Forbidden
    from berrys_app.usecases import project_lifecycle

    emails, pages = _signed_in(new_page, "olive", "max", "vera")
    model = f"team{uuid.uuid4().hex[:6]}"
    script_model(
        model,
        plan="{}",
        task_replies={"Task: Alpha step": "alpha done", "Task: Beta step": "beta done"},
    )
    _, project_id = _team_project(emails["olive"], {emails["max"]: "member", emails["vera"]: "viewer"}, model)

    olive, max_, vera = pages["olive"], pages["max"], pages["vera"]
    for page in (olive, max_, vera):
        page.goto(f"/projects/{project_id}")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review")

    # presence: each sees the others
    expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(1)
    expect(max_.locator('#presence .viewer[data-name="Olive"]')).to_have_count(1)

    # the viewer sees no buttons that change the project
    expect(vera.locator("#my-role")).to_have_text("viewer")
    expect(vera.locator("#action-approve")).to_have_count(0)

    # Max approves; Olive's page follows live
    max_.click("#action-approve")
    expect(olive.locator("#project-status")).to_have_attribute("data-status", "ready", timeout=15_000)
    expect(vera.locator("#project-status")).to_have_attribute("data-status", "ready", timeout=15_000)
    expect(vera.locator("#action-execute")).to_have_count(0)
    expect(olive.locator("#action-execute")).to_be_visible()

    # the viewer's own dashboard token is refused by the service (what a crafted event would reach)
    token = vera.evaluate("localStorage.getItem('berrys_access')")
    assert token
    with session_scope() as session, pytest.raises(Forbidden):
        project_lifecycle.execute_project(session, auth.authenticate(session, token), uuid.UUID(project_id))
        session.commit()

    # Olive executes; Max's board fills live
    olive.click("#action-execute")
    max_.click("#tab-board")
    expect(max_.locator('[data-column="completed"] .task-card')).to_have_count(2, timeout=60_000)
    expect(max_.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(vera.locator("#progress-text")).to_have_text("2 / 2 tasks done", timeout=15_000)

    # a comment with an @mention shows up on the other member's timeline live
    olive.click("#tab-timeline")
    max_.click("#tab-timeline")
    olive.fill("#comment-input", "@Max looks good")
    olive.click("#post-comment")
    expect(max_.locator('.timeline-item[data-kind="comment.created"]')).to_contain_text("@Max looks good")


def test_a_member_whose_role_changes_or_who_is_removed_is_followed_live(stack, new_page) -> None:
    """Membership changes reach open tabs: the new role at once; a removed member's tab stops
    receiving the team's project updates and forgets the project (no reload needed)."""
    from berrys_app.db import session_scope
    from berrys_app.services import collab, teams

    emails, pages = _signed_in(new_page, "olive", "max")
    team_id, project_id = _team_project(emails["olive"], {emails["max"]: "member"}, f"gone{uuid.uuid4().hex[:6]}")
    olive, max_ = pages["olive"], pages["max"]
    for page in (olive, max_):
        page.goto(f"/projects/{project_id}")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review")
        page.click("#tab-timeline")
    owner, member = _actor(emails["olive"]), _actor(emails["max"])

    with session_scope() as session:
        teams.change_role(session, owner, uuid.UUID(team_id), member.user_id, role="viewer")
    expect(max_.locator("#my-role")).to_have_text("viewer")
    expect(max_.locator("#action-approve")).to_have_count(0)

    with session_scope() as session:
        collab.add_comment(session, owner, project_id=uuid.UUID(project_id), body="before removal")
    expect(max_.locator('.timeline-item[data-kind="comment.created"]')).to_contain_text("before removal")

    with session_scope() as session:
        teams.remove_member(session, owner, uuid.UUID(team_id), member.user_id)
    for body in ("first after removal", "second after removal"):
        with session_scope() as session:
            collab.add_comment(session, owner, project_id=uuid.UUID(project_id), body=body)
    # messages are delivered in order: once Olive shows the second, the first went past Max's tab
    expect(olive.locator(".timeline-item", has_text="second after removal")).to_have_count(1)
    expect(max_.locator(".timeline-item", has_text="after removal")).to_have_count(0)
    expect(max_.locator("#load-error")).to_be_visible()  # the tab forgot the project it may no longer see


def test_mentions_by_display_name_reach_the_mentions_page_live_with_the_full_body(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import collab

    emails, pages = _signed_in(new_page, "olive", "max")
    _, project_id = _team_project(emails["olive"], {emails["max"]: "member"}, f"men{uuid.uuid4().hex[:6]}")
    owner = _actor(emails["olive"])
    max_ = pages["max"]
    max_.goto("/mentions")
    expect(max_.locator("#mentions-empty")).to_be_visible()

    long_tail = " and more" * 40  # longer than the old 200-character excerpt
    with session_scope() as session:
        collab.add_comment(session, owner, project_id=uuid.UUID(project_id), body=f"@Max please review{long_tail} END")
    mention = max_.locator("#mentions .mention")
    expect(mention).to_have_count(1)
    expect(mention).to_contain_text("Olive")
    expect(mention).to_contain_text("Shared berries")
    expect(mention.locator(".mention-body")).to_have_text(f"@Max please review{long_tail} END")
