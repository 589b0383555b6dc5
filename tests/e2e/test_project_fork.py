"""Fork from the dashboard: a finished project, "Fork from here" on a task with an edited
description, the fork runs (the task before it is copied, not run again) and the Forks tab shows
the lineage and a side-by-side diff where the edited task's output changed.

With ``BERRYS_SCREENSHOTS=1`` the diff view is captured into docs/screenshots/project-fork-diff.png."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_project, plan_json, register, script_model, unique_email

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_fork_from_the_drawer_with_an_edited_task_and_the_diff_shows_the_change(stack, new_page) -> None:
    from berrys_app.services.models import scripted

    page = new_page("")
    register(page, name="Fran Fork", email=unique_email("fran"))
    model = f"fork{uuid.uuid4().hex[:6]}"
    script_model(
        model,
        plan=plan_json([("t1", "Gather facts", []), ("t2", "Write draft", ["t1"]), ("t3", "Review draft", ["t2"])]),
        task_replies={
            "in French": "Brouillon : les baies sont bonnes.",  # the edited task (checked first)
            "do gather facts": "Facts: berries are tasty.",
            "do write draft": "Draft: berries are good.",
            "do review draft": "Reviewed: fine.",
        },
        summary="Berry report",
    )
    create_project(page, name="Berry report", objectives="Explain berries", model=f"scripted/{model}")
    origin = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.click("#action-plan")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review", timeout=30_000)
    page.click("#action-approve-run")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    calls_before = scripted.calls(model)

    page.click("#tab-board")
    page.locator('.task-card[data-task="t2"]').click()
    drawer = page.locator("#task-drawer")
    page.click("#fork-from-here")
    expect(page.locator("#fork-description")).to_have_value("do write draft")
    page.fill("#fork-description", "Write the draft in French.")
    page.click("#submit-fork")

    expect(page).not_to_have_url(re.compile(origin), timeout=20_000)
    expect(drawer).not_to_be_visible()
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    # t2 and t3 ran again and the report was written again; t1 was copied
    assert scripted.calls(model) - calls_before == 3

    page.click("#tab-forks")
    lineage = page.locator("#fork-lineage .lineage-row")
    expect(lineage).to_have_count(2)
    expect(lineage.nth(1)).to_contain_text("fork at t2")
    expect(page.locator('#fork-lineage .lineage-row[data-current="true"]')).to_contain_text("Berry report (fork at t2)")
    diff = page.locator("#fork-diff")
    expect(diff.locator('.diff-row[data-key="t1"]')).to_have_attribute("data-state", "copied")
    changed = diff.locator('.diff-row[data-key="t2"]')
    expect(changed).to_have_attribute("data-state", "changed")
    expect(changed).to_contain_text("Draft: berries are good.")
    expect(changed).to_contain_text("Brouillon : les baies sont bonnes.")
    expect(diff.locator('.diff-row[data-key="t3"]')).to_have_attribute("data-state", "same")
    if os.environ.get("BERRYS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "project-fork-diff.png"), full_page=True)

    # the origin lists its fork too
    page.goto(f"/projects/{origin}")
    page.click("#tab-forks")
    expect(page.locator("#fork-lineage .lineage-row")).to_have_count(2)
    expect(page.locator('#fork-lineage .lineage-row[data-current="true"]')).to_contain_text("Berry report")


def test_a_fork_from_the_drawer_sets_a_tools_policy_and_an_unknown_tool_is_named(stack, new_page) -> None:
    from sqlmodel import select

    from berrys_app.db import session_scope
    from berrys_app.domain.tools import ProjectToolPolicy

    page = new_page("")
    register(page, name="Tess Tool", email=unique_email("tess"))
    model = f"forktool{uuid.uuid4().hex[:6]}"
    script_model(
        model, plan=plan_json([("t1", "Gather facts", [])]), task_replies={"do gather facts": "Facts."}, summary="Tools"
    )
    create_project(page, name="Tool report", objectives="Explain tools", model=f"scripted/{model}")
    origin = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.click("#action-plan")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review", timeout=30_000)
    page.click("#action-approve-run")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)

    page.click("#tab-board")
    page.locator('.task-card[data-task="t1"]').click()
    page.click("#fork-from-here")
    page.fill("#fork-tool", "nosuchtool")
    page.locator("#fork-form button[role=combobox]").first.click()
    page.get_by_role("option", name="always", exact=True).click()
    page.click("#submit-fork")
    expect(page.locator("#fork-error")).to_contain_text("the team has no tool named 'nosuchtool'")

    page.fill("#fork-tool", "http_request")
    page.fill("#fork-tool-schema", '{"properties": {"method": {"enum": ["GET"]}}}')
    page.click("#submit-fork")
    expect(page).not_to_have_url(re.compile(origin), timeout=20_000)
    fork_id = uuid.UUID(page.url.rstrip("/").rsplit("/", 1)[-1])
    with session_scope() as session:
        rows = session.exec(select(ProjectToolPolicy).where(ProjectToolPolicy.project_id == fork_id)).all()
        policies = [(row.tool_name, row.approval_policy, row.arguments_schema) for row in rows]
    assert policies == [("http_request", "always", {"properties": {"method": {"enum": ["GET"]}}})]
