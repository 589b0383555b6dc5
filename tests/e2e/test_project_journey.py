"""The main journey: register -> project -> plan -> edit -> approve -> execute live -> transcript -> download.

The planner and agents answer through the scripted model (rules keyed by prompt
text, since tasks run in parallel); everything else is the real platform.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import create_project, plan_cell, plan_json, register, script_model, unique_email

pytestmark = pytest.mark.e2e

# an agent reply that tries to run code three ways, plus Markdown that must survive unescaped
XSS = (
    "Draft with **bold** text.\n\n"
    "<script>window.__xss = 1</script>\n\n"
    '<img src="x" onerror="window.__xss = 2">\n\n'
    "```\nif a < b && c > d: pass\n```\n\n"
    "> a quoted line\n\n"
    "[click me](javascript:window.__xss=3)"
)


def test_register_plan_edit_approve_execute_transcript_download(stack, new_page, tmp_path) -> None:
    page = new_page("")
    register(page, name="Ada Journey", email=unique_email("ada"))

    model = f"journey{uuid.uuid4().hex[:6]}"
    plan = json.loads(
        plan_json([("t1", "Gather facts", []), ("t2", "Write draft", ["t1"]), ("t3", "Review draft", ["t2"])])
    )
    plan["tasks"][1]["depends_on"][0]["type"] = "input"  # the draft needs the facts' text, not just their end
    script_model(
        model,
        plan=json.dumps(plan),
        task_replies={
            "Task: Gather facts": "Facts: berries are tasty.",
            "Task: Write draft": XSS,
            "Task: Review the draft carefully": "Reviewed: fine.",
        },
        summary="Berry report",
    )
    # the New Project form explains what is wrong, next to the field
    page.click("#new-project")
    page.fill("#project-budget", "lots")
    page.click("#create-project")
    expect(page.locator('.field-error[data-field="objectives"]')).to_have_text(
        "Objectives: add at least one (one per line)"
    )
    expect(page.locator('.field-error[data-field="budget_usd"]')).to_have_text("Budget: a number")
    page.fill("#project-budget", "")
    page.fill("#project-objectives", "something")
    page.click("#create-project")
    expect(page.locator('.field-error[data-field="name"]')).to_be_visible()
    page.keyboard.press("Escape")

    create_project(page, name="Berry report", objectives="Explain berries\nKeep it short", model=f"scripted/{model}")

    # plan: the planner's proposal arrives live
    page.click("#action-plan")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review", timeout=30_000)
    page.click("#tab-plan")
    rows = page.locator("tr.plan-row")
    expect(rows).to_have_count(3)

    # edit: an unknown dependency is flagged inline and blocks saving
    depends = plan_cell(rows.nth(2), "depends_on")
    depends.fill("t9")
    expect(rows.nth(2).locator(".plan-error")).to_have_text("unknown task t9")
    expect(page.locator("#save-plan")).to_be_disabled()
    depends.fill("t2")
    expect(page.locator(".plan-error")).to_have_count(0)
    plan_cell(rows.nth(2), "title").fill("Review the draft carefully")
    page.click("#save-plan")
    expect(page.get_by_text("Plan version 2", exact=False)).to_be_visible(timeout=15_000)
    expect(plan_cell(rows.nth(2), "title")).to_have_value("Review the draft carefully")
    # the diff against v1 names only the edited task and field (hidden fields and edge types survive the save)
    expect(page.locator("#plan-diff")).to_contain_text("t3 (title)")
    expect(page.locator("#plan-diff")).not_to_contain_text("t1 (")
    expect(page.locator("#plan-diff")).not_to_contain_text("t2 (")

    # approve, then execute: tasks turn done live on the board
    page.click("#action-approve")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "ready", timeout=15_000)
    page.click("#tab-board")
    page.click("#action-execute")
    done = page.locator('[data-column="completed"] .task-card')
    expect(done).to_have_count(3, timeout=60_000)
    expect(page.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.locator("#progress-text")).to_have_text("3 / 3 tasks done")

    # a file the task wrote to the workspace (as the project_files tool records it) is listed in its drawer
    project_id = re.search(r"/projects/([0-9a-f-]{36})", page.url).group(1)
    _record_artifact(stack, project_id=project_id, task_key="t2", path="notes/draft.md", content="# Draft notes\n")

    # the transcript of the XSS task: the output is shown as text and runs nothing
    page.locator('.task-card[data-task="t2"]').click()
    drawer = page.locator("#task-drawer")
    expect(drawer).to_be_visible()
    expect(drawer.locator(".transcript-entry")).not_to_have_count(0)
    expect(drawer.locator("#transcript")).to_contain_text("<script>window.__xss = 1</script>")
    expect(drawer.locator("#task-output")).to_contain_text('<img src="x" onerror="window.__xss = 2">')
    expect(drawer.locator("#task-output strong")).to_have_text("bold")
    output = drawer.locator("#task-output")
    expect(output).to_contain_text("if a < b && c > d: pass")  # code blocks are not double-escaped
    expect(output).not_to_contain_text("&lt;")
    expect(output).not_to_contain_text("&amp;")
    expect(output).to_contain_text("a quoted line")
    expect(output).not_to_contain_text("> a quoted line")  # the quote is Markdown, not text
    expect(output).to_contain_text("click me")
    assert drawer.locator("#task-output img").count() == 0
    assert drawer.locator("#task-output script").count() == 0
    assert drawer.locator('#task-output a[href*="javascript" i]').count() == 0
    assert page.evaluate("window.__xss") is None
    expect(drawer.locator("#task-artifacts .artifact-path")).to_have_text(["notes/draft.md"])
    with page.expect_download() as artifact_download:
        drawer.locator("#task-artifacts .artifact-dl").click()
    artifact_path = tmp_path / "draft.md"
    artifact_download.value.save_as(artifact_path)
    assert artifact_path.read_text() == "# Draft notes\n"
    page.keyboard.press("Escape")

    # results: the deliverable renders and downloads; the files the tasks wrote are listed with their task
    page.click("#tab-results")
    expect(page.locator("#results-artifacts .artifact-path")).to_have_text(["notes/draft.md"])
    expect(page.locator("#results-artifacts")).to_contain_text("t2")
    deliverable = page.locator(".deliverable").first
    expect(deliverable).to_contain_text("Berry report")
    with page.expect_download() as info:
        deliverable.locator(".download-deliverable").click()
    path = tmp_path / "deliverable.md"
    info.value.save_as(path)
    assert "Berry report" in path.read_text()

    # sign out: the tokens are gone and pages need a sign-in again
    page.click("#user-name")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert not page.evaluate("localStorage.getItem('berrys_access')")
    page.goto("/projects")
    expect(page).to_have_url(re.compile(r"/login\?next=/projects"))


def _record_artifact(stack, *, project_id: str, task_key: str, path: str, content: str) -> None:
    """Store a workspace file attributed to a task, the row the project_files tool writes."""
    from sqlalchemy import create_engine, pool, text

    engine = create_engine(stack.env["DATABASE_URL"], poolclass=pool.NullPool)
    with engine.begin() as conn:
        task = conn.execute(
            text("select id, project_id from tasks where key = :key order by created_at desc limit 1"),
            {"key": task_key},
        ).one()
        conn.execute(
            text(
                "insert into artifacts (id, project_id, path, content, content_type, size, task_id, created_at,"
                " updated_at) values (gen_random_uuid(), :p, :path, :c, 'text/markdown', :n, :t, now(), now())"
            ),
            {"p": task.project_id, "path": path, "c": content, "n": len(content), "t": task.id},
        )
    engine.dispose()
