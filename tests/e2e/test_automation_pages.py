"""The Templates and Webhooks pages: save a project as a template, start one from it, and follow
the webhook it causes in the delivery log (a 500, then the retry's 200), then redeliver by hand."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.automation.receiver import receiving
from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def _seed_project(owner_email: str) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        owner = auth.authenticate(session, auth.login(session, email=owner_email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, owner)[0].id
        project = projects.create_project(
            session, owner, team_id=team_id, data=ProjectCreate(name="Berry digest", objectives=["Sum up berries"])
        )
        project_lifecycle.submit_plan(
            session, owner, project.id, {"summary": "s", "tasks": [{"id": "a", "title": "Read"}]}
        )


def _pick(page: Page, form: str, label: str) -> None:
    page.locator(f"{form} button[role=combobox]").first.click()
    page.get_by_role("option", name=label).click()


def _log_shows(page: Page, text: str, timeout_s: float = 45) -> None:
    """The delivery log is read on demand: ask again until it shows ``text``."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.locator("#webhooks .show-log").first.click()
        try:
            expect(page.locator("#deliveries")).to_contain_text(text, timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def test_templates_and_the_webhook_delivery_log(stack, new_page) -> None:
    owner_email = unique_email("tia")
    page = new_page("")
    register(page, name="Tia Templates", email=owner_email)
    _seed_project(owner_email)

    with receiving() as receiver:
        page.goto("/webhooks")
        page.fill("#webhook-url", f"{receiver.url}/hook")
        page.get_by_role("checkbox", name="project.created", exact=True).click()
        page.click("#create-webhook")
        expect(page.locator("#webhooks-notice")).to_contain_text("whsec_")
        receiver.secret = re.search(r"whsec_\S+", page.locator("#webhooks-notice").inner_text()).group(0)
        receiver.statuses = [500]

        page.goto("/templates")
        _pick(page, "#save-form", "Berry digest")
        page.locator("#save-form input[name=name]").fill("Digest template")
        page.click("#save-as-template")
        expect(page.locator("#templates .templates-row")).to_contain_text("Digest template")
        _pick(page, "#start-form", "Digest template")
        page.click("#start-from-template")
        expect(page.locator("#templates-notice")).to_contain_text("Project 'Berry digest' started (plan_review)")

        page.goto("/webhooks")
        _log_shows(page, "500, 200")
        row = page.locator("#deliveries .deliveries-row").first
        expect(row).to_contain_text("project.created")
        expect(row).to_contain_text("delivered")
        assert [r["answered"] for r in receiver.received()] == [500, 200]
        assert all(r["signature_ok"] for r in receiver.received())

        row.locator(".redeliver").click()
        expect(page.locator("#webhooks-notice")).to_contain_text("Queued for redelivery")
        _log_shows(page, "500, 200, 200")
        assert len(receiver.received()) == 3
