"""What a new user sees (issue 21): a favicon and logo, human labels, initials, forms that say
everything at once, a board that fits at 1440 px, planning/report progress and Approve and run.

With ``BERRYS_SCREENSHOTS=1`` the changed views are captured into docs/screenshots/."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import PASSWORD, create_project, plan_json, register, unique_email
from tests.e2e.test_workspace_pages import shot

pytestmark = pytest.mark.e2e

PLACEHOLDER_FITS = """(el) => {
  const style = getComputedStyle(el);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(el.placeholder).width <= room;
}"""
# a long unbroken line that is not a loop (a "1.1.1…" answer would fail as degenerate output)
LONG_LINE = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(24))
RAW_LABEL = re.compile(r"\b(waiting_approval|plan_review|[a-z]+\.[a-z_]+_[a-z_]+)\b")


def _wide_page(browser, stack) -> Page:
    """A 1440 px wide window (a laptop), as the issue's board was looked at."""
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def test_favicon_and_logo_answer_on_every_page_and_initials_are_first_and_last(stack, new_page) -> None:
    page = new_page("")
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    register(page, name="Test User", email=unique_email("tu"))
    expect(page.locator("#user-avatar")).to_have_text("TU")
    for path in ("/projects", "/approvals", "/team", "/system", "/tools", "/agents"):
        page.goto(path)
        expect(page.locator("#page-title")).to_be_visible()
        logo = page.locator("#brand-logo").first
        expect(logo).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth", logo.element_handle()) > 0
        icon = page.locator('head link[rel="icon"]').first  # in <head>, where browsers look
        expect(icon).to_have_attribute("href", "/favicon.ico")
    response = page.request.get("/favicon.ico")
    assert response.status == 200 and response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert failed == []  # no 404 for the icon, the logo or anything else on these pages


def test_new_project_form_shows_every_error_at_once_keeps_limits_and_survives_esc(stack, new_page) -> None:
    page = new_page("")
    register(page, name="Form Filler", email=unique_email("form"))
    page.click("#new-project")
    page.fill("#project-name", "x" * 300)
    assert len(page.input_value("#project-name")) == 200  # the schema's limit, in the input
    page.fill("#project-name", " ")
    page.fill("#project-budget", "lots")
    page.fill("#project-tokens", "-5")
    page.click("#create-project")
    errors = page.locator(".field-error")
    expect(page.locator('.field-error[data-field="objectives"]')).to_have_text(
        "Objectives: add at least one (one per line)"
    )
    expect(page.locator('.field-error[data-field="budget_usd"]')).to_have_text("Budget: a number")
    expect(page.locator('.field-error[data-field="budget_tokens"]')).to_have_text("Token budget: at least 0")
    expect(page.locator('.field-error[data-field="name"]')).to_have_text("Name: must not be blank")
    expect(errors).to_have_count(4)  # all at once, not one per submit
    expect(errors.filter(has_text="String should")).to_have_count(0)
    shot(page, "new-project-errors")

    # Esc in a field (closing the model suggestions) keeps the dialog and what was typed
    page.fill("#project-objectives", "Explain berries")
    page.click("#project-model")
    page.keyboard.press("Escape")
    expect(page.locator("#new-project-dialog")).to_be_visible()
    expect(page.locator("#project-objectives")).to_have_value("Explain berries")
    page.click("#create-project")  # outside a field, Esc still closes it
    page.keyboard.press("Escape")
    expect(page.locator("#new-project-dialog")).to_have_count(0)


def test_board_fits_at_1440_labels_are_human_and_approve_and_run_goes_straight_to_executing(stack, browser) -> None:
    page = _wide_page(browser, stack)
    try:
        register(page, name="Wide Screen", email=unique_email("wide"))
        model = f"polish{uuid.uuid4().hex[:6]}"
        plan = plan_json([("t1", "Gather facts", []), ("t2", "Write draft", ["t1"]), ("t3", "Review", ["t2"])])
        from berrys_app.services.models import scripted

        # the planner and the report writer take a while: the page must say what is going on
        scripted.reset(model)
        scripted.rule(model, contains="You combine the results", step={"content": "# Report\n\nDone.", "delay": 4})
        scripted.rule(model, contains="You are the planner", step={"content": plan, "delay": 3})
        scripted.rule(model, contains="Task: Gather facts", step={"content": "Facts: " + LONG_LINE})
        scripted.rule(model, contains="Task: Write draft", step={"content": "Draft."})
        scripted.rule(model, contains="Task: Review", step={"content": "Reviewed."})
        create_project(page, name="Wide board", objectives="Explain berries", model=f"scripted/{model}")
        expect(page.locator("#project-status")).to_have_text("Created")

        page.click("#action-plan")
        expect(page.locator("#planning-progress")).to_be_visible(timeout=10_000)
        expect(page.get_by_text("No tasks yet: ask for a plan.")).to_have_count(0)
        expect(page.locator(".planning-placeholder")).to_be_visible()
        shot(page, "project-planning")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review", timeout=30_000)
        expect(page.locator("#project-status")).to_have_text("Plan to review")
        expect(page.locator("#planning-progress")).to_have_count(0)

        # the graph: arrows, titles, a legend; zoom and pan are on
        page.click("#tab-graph")
        expect(page.locator("#plan-graph .main-svg").first).to_be_visible()
        expect(page.locator("#plan-graph .textpoint", has_text="Gather facts")).to_have_count(1)
        expect(page.locator("#plan-graph path.point")).not_to_have_count(0)
        expect(page.locator("#graph-legend .legend-item")).to_have_count(9)
        expect(page.locator("#graph-legend")).to_contain_text("Waiting for approval")
        shot(page, "project-review-graph")

        page.click("#tab-board")
        columns = page.locator(".board-column")
        expect(columns).to_have_count(8)
        for index in range(8):
            box = columns.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1440, (index, box)
        board_text = page.locator("#board").inner_text()
        assert "Waiting for approval" in board_text and not RAW_LABEL.search(board_text), board_text

        page.click("#action-approve-run")  # one click: approved and running, no separate Execute
        expect(page.locator("#project-status")).to_have_attribute(
            "data-status", re.compile("executing|completed"), timeout=15_000
        )
        expect(page.locator("#action-execute")).to_have_count(0)
        expect(page.locator("#report-progress")).to_be_visible(timeout=60_000)
        expect(page.locator("#report-progress")).to_contain_text("writing the report")
        shot(page, "project-writing-report")
        expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
        expect(page.locator("#project-status")).to_have_text("Completed")
        expect(page.locator("#report-progress")).to_have_count(0)

        # a long unbroken output line wraps inside the drawer
        page.locator('.task-card[data-task="t1"]').click()
        output = page.locator("#task-output")
        expect(output).to_contain_text(LONG_LINE[:40])
        width = page.evaluate("(el) => [el.scrollWidth, el.clientWidth]", output.element_handle())
        assert width[0] <= width[1] + 1, width
        page.keyboard.press("Escape")

        # the report: the summary, then every task's output, the long line wrapped in its card
        page.click("#tab-results")
        report = page.locator(".deliverable").first
        for text in ("Done.", LONG_LINE[:40], "Draft.", "Reviewed."):
            expect(report).to_contain_text(text)
        width = page.evaluate("(el) => [el.scrollWidth, el.clientWidth]", report.element_handle())
        assert width[0] <= width[1] + 1, width
        shot(page, "project-results-wrapped")

        page.click("#tab-timeline")
        timeline = page.locator("#timeline").inner_text()
        assert "Task completed" in timeline and "task.completed" not in timeline
        page.goto("/projects")
        expect(page.locator(".project-row").first).to_contain_text("Completed")
    finally:
        page.context.close()


def test_rejecting_an_approval_without_a_reason_says_so_and_the_nav_counts_pending(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    email = unique_email("appr")
    page = new_page("")
    register(page, name="Approver Person", email=email)
    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        project = projects.create_project(
            session, actor, team_id=team_id, data=ProjectCreate(name="Needs a look", objectives=["x"])
        )
        session.commit()
        project_lifecycle.submit_plan(
            session, actor, project.id, PlanIn.model_validate({"tasks": [{"id": "t1", "title": "T"}]})
        )
        session.commit()
    page.goto("/approvals")
    expect(page.locator('a.nav-link[href="/approvals"] .nav-badge')).to_have_text("1")
    row = page.locator("#approvals .approvals-row").first
    expect(row).to_contain_text("Plan")
    reason = row.locator(".approval-reason").locator("xpath=descendant-or-self::input").first
    expect(reason).to_have_attribute("placeholder", "Reason (required to reject)")
    # the whole placeholder fits in the box (measured in the input's own font)
    assert page.evaluate(PLACEHOLDER_FITS, reason.element_handle()), "the placeholder is cut off"
    row.get_by_role("button", name="Reject").click()
    expect(row.locator(".approval-error")).to_have_text("A rejection needs a reason")
    shot(page, "approvals")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator("#approvals .approvals-row")).to_have_count(0)
    expect(page.locator('a.nav-link[href="/approvals"] .nav-badge')).to_have_count(0)


def test_the_pending_approvals_badge_follows_the_team_live_on_any_page(stack, new_page) -> None:
    """Approvals opened and decided elsewhere (another person, REST, a worker) change the badge
    of a tab showing another page, without a reload."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    email = unique_email("badge")
    page = new_page("")
    register(page, name="Badge Watcher", email=email)
    page.goto("/projects")
    expect(page.locator("#page-title")).to_be_visible()
    badge = page.locator('a.nav-link[href="/approvals"] .nav-badge')
    expect(badge).to_have_count(0)
    ids = []
    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        for name in ("First", "Second"):
            project = projects.create_project(
                session, actor, team_id=team_id, data=ProjectCreate(name=name, objectives=["x"])
            )
            project_lifecycle.submit_plan(
                session, actor, project.id, PlanIn.model_validate({"tasks": [{"id": "t1", "title": "T"}]})
            )
            ids.append(project.id)
    expect(badge).to_have_text("2")
    shot(page, "nav-badge")
    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        project_lifecycle.approve_plan(session, actor, ids[0])
    expect(badge).to_have_text("1")
    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        project_lifecycle.reject_plan(session, actor, ids[1], reason="not now")
    expect(badge).to_have_count(0)
