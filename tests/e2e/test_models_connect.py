"""Connect a model as a new user would: add the tests' OpenAI-compatible server (llama_cpp.server
behind the fault proxy) on the Models page, test the connection, make it the team default, then
run a project on it and watch its tokens stream live in the task drawer.

With ``BERRYS_SCREENSHOTS=1`` the Models page is captured into docs/screenshots/models-connect.png."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page: Page, name: str) -> None:
    if os.environ.get("BERRYS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _planned(email: str, project_id: str) -> str:
    """Plan (one task) and approve the project the person created in the browser; the task's id."""
    from berrys_app.db import session_scope
    from berrys_app.services import auth, projects
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        plan = PlanIn.model_validate({"tasks": [{"id": "brief", "title": "Write two sentences about berries"}]})
        project_lifecycle.submit_plan(session, actor, uuid.UUID(project_id), plan)
        session.commit()
        project_lifecycle.approve_plan(session, actor, uuid.UUID(project_id))
        session.commit()
        return str(projects.list_tasks(session, actor, uuid.UUID(project_id), current_only=True)[0].id)


def _execute(email: str, project_id: str) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import auth
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        project_lifecycle.execute_project(session, actor, uuid.UUID(project_id))
        session.commit()


def test_connect_test_default_and_run_a_project_on_it(stack, new_page, _session_proxy) -> None:
    proxy = _session_proxy
    email = unique_email("cora")
    model_id = f"llama-{uuid.uuid4().hex[:6]}"
    page = new_page("")
    register(page, name="Cora Connect", email=email)

    page.click("#new-project")  # before: the dialog says the demo model would run
    expect(page.locator("#demo-model-note")).to_contain_text("tiny and offline")
    page.locator("#connect-model-link").click()
    expect(page).to_have_url(stack.url("/models#connect-model"))

    page.fill("#connect-model-id", model_id)
    page.fill("#connect-display-name", "Our llama")
    page.fill("#connect-endpoint", proxy.base_url)
    page.fill("#connect-api-key", "sk-e2e-secret")
    page.click("#connect-submit")
    expect(page.locator("#connect-notice")).to_contain_text(f"openai/{model_id} connected")
    expect(page.locator("#connect-api-key")).to_have_value("")
    rows = page.locator("#team-models")
    expect(rows).to_contain_text("Our llama")
    expect(rows).to_contain_text("stored")
    assert "sk-e2e-secret" not in page.content()

    page.locator(".test-connection").first.click()
    expect(page.locator("#connect-notice")).to_contain_text("answered in", timeout=60_000)
    assert proxy.headers[-1]["Authorization"] == "Bearer sk-e2e-secret"
    page.locator(".make-default").first.click()
    expect(rows).to_contain_text("team default")
    _shot(page, "models-connect")

    page.goto("/projects")
    page.click("#new-project")
    expect(page.locator("#demo-model-note")).to_have_count(0)  # a real model is the default now
    page.fill("#project-name", "Berries on our llama")
    page.fill("#project-objectives", "Describe berries")
    page.click("#create-project")
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"), timeout=20_000)
    project_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    _planned(email, project_id)
    page.reload()
    page.click("#tab-board")
    page.locator('.task-card[data-task="brief"]').click()
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Nothing recorded yet.")
    before = proxy.count()
    _execute(email, project_id)
    stream = transcript.locator('.transcript-entry[data-kind="stream"]')
    streamed = stream.first.locator(".transcript-text")
    expect(streamed).to_have_text(re.compile(r"\S"), timeout=90_000)  # the first token arrives while running
    expect(streamed).to_have_text(re.compile(r"\w+\W+\w+\W+\w+"), timeout=90_000)  # and more follow, live
    assert proxy.count() > before
    assert any(body.get("stream") and body.get("model") == model_id for body in proxy.requests)
    _shot(page, "models-connect-run")
