"""The Trace tab of a completed project: the waterfall from PostgreSQL (task attempts, model and
tool calls, the plan approval's wait), the critical path marked, a span's excerpt on click.
With ``BERRYS_SCREENSHOTS=1`` it is captured to docs/screenshots/project-trace.png."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email
from tests.e2e.test_workspace_pages import shot

pytestmark = pytest.mark.e2e

STEPS = [  # key, title, capabilities, depends on, the model's delay (s)
    ("research", "Research berry varieties", ["research"], [], 0.1),
    ("prices", "Collect market prices", ["code"], [], 0.3),
    ("analysis", "Analyse demand", ["analysis"], ["research", "prices"], 0.2),
    ("draft", "Draft the report", ["writing"], ["analysis"], 0.4),
    ("charts", "Prepare charts", ["writing"], ["analysis"], 0.1),
    ("review", "Review and polish", ["review"], ["draft", "charts"], 0.2),
]


def _script(model: str) -> None:
    from berrys_app.services.models import scripted

    scripted.reset(model)
    scripted.rule(model, contains="You combine the results", step={"content": "# Berry report\n\nAll done."})
    # the prices task searches first: its second call carries the tool call's marker
    scripted.rule(model, contains="zq-prices", step={"content": "Prices: 4 EUR/kg", "delay": 0.1})
    scripted.rule(
        model,
        contains="Task: Collect market prices",
        step={"tool_calls": [{"name": "search_outputs", "arguments": {"query": "zq-prices"}}], "delay": 0.2},
    )
    for _, title, _, _, delay in STEPS:
        scripted.rule(model, contains=f"Task: {title}", step={"content": f"## {title}\n\n- done", "delay": delay})


def _completed_project(email: str, model: str) -> str:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    _script(model)
    with session_scope() as session:
        owner = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, owner)[0].id
        project = projects.create_project(
            session,
            owner,
            team_id=team_id,
            data=ProjectCreate(name="Berry market trace", objectives=["Size the market"], model=f"scripted/{model}"),
        )
        plan = [
            {"id": key, "title": title, "capabilities": caps, "depends_on": deps, "estimated_minutes": 5}
            for key, title, caps, deps, _ in STEPS
        ]
        project_lifecycle.submit_plan(session, owner, project.id, PlanIn.model_validate({"tasks": plan}))
        project_lifecycle.approve_plan(session, owner, project.id)
        project_lifecycle.execute_project(session, owner, project.id)
        return str(project.id)


def test_trace_tab_shows_the_run_as_a_waterfall(stack, new_page) -> None:
    email = unique_email("tara")
    page = new_page("")
    register(page, name="Tara Trace", email=email)
    project_id = _completed_project(email, f"trace{uuid.uuid4().hex[:6]}")
    page.goto(f"/projects/{project_id}")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)

    page.click("#tab-trace")
    waterfall = page.locator("#trace-waterfall")
    expect(waterfall.locator('.trace-span[data-kind="project"]')).to_have_count(1)
    expect(waterfall.locator('.trace-span[data-kind="task"]')).to_have_count(6)
    expect(waterfall.locator('.trace-span[data-kind="task"][data-status="completed"]')).to_have_count(6)
    # six tasks' calls, the prices task's second call after its tool, and the report
    expect(waterfall.locator('.trace-span[data-kind="model"]')).to_have_count(8)
    expect(waterfall.locator('.trace-span[data-kind="tool"]')).to_contain_text("tool search_outputs")
    expect(waterfall.locator('.trace-span[data-kind="aggregate"]')).to_have_count(1)
    expect(waterfall.locator('.trace-span[data-kind="approval"]')).to_contain_text("waiting for a person: plan")
    # prices (tool + two calls) outlasted research; draft outlasted charts
    expect(page.locator("#trace-critical-path")).to_have_text("prices → analysis → draft → review")
    expect(waterfall.locator('.trace-span[data-kind="task"][data-critical="1"]')).to_have_count(4)
    expect(page.locator("#trace-tasks")).to_have_text("6")

    draft = waterfall.locator('.trace-span[data-kind="task"]', has_text="Draft the report")
    draft_call = draft.locator("xpath=following-sibling::div[1]")
    expect(draft_call).to_have_attribute("data-kind", "model")
    draft_call.click()
    detail = page.locator("#trace-detail")
    expect(detail).to_contain_text("prompt: Task: Draft the report")
    expect(detail).to_contain_text("response: ## Draft the report")
    shot(page, "project-trace")
