"""An agent's side-effecting http call waits in the Approvals inbox, which shows the tool,
its target host and its masked arguments; a person approves it in the browser; the target
server sees exactly one request and the project completes."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email
from tests.tools.conftest import recording_server

pytestmark = pytest.mark.e2e


def _until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_side_effect_call_is_approved_in_the_browser_and_runs_once(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.tools import CredentialCreate
    from berrys_app.services import auth, teams
    from berrys_app.services.models import scripted
    from berrys_app.services.tools import create_credential
    from tests.engine.helpers import project_row, start_project, tasks_of
    from tests.security.helpers import http_agent, plan

    email = unique_email("gina")
    page = new_page("")
    register(page, name="Gina Gate", email=email)
    with recording_server() as server:
        with session_scope() as session:
            actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
            team_id = teams.list_my_teams(session, actor)[0].id
            create_credential(
                session,
                actor,
                team_id=team_id,
                data=CredentialCreate(
                    name="PAY", kind="bearer", secret={"token": "pay-e2e-Tq71Xc"}, allowed_hosts=[server.host]
                ),
            )
            session.commit()
            http_agent(
                session, actor, team_id, tool="payments", hosts=[server.host], capability="payer", side_effects=True
            )
            model = f"e2e-gate-{email.split('@')[0]}"
            charge = {
                "method": "POST",
                "url": f"{server.url}/charge",
                "headers": {"Authorization": "Bearer ${credentials.PAY}"},
                "body": "100 EUR",
            }
            scripted.reset(model)
            scripted.rule(model, contains="one final deliverable", step={"content": "FINAL"})
            scripted.push(model, {"tool_calls": [{"name": "payments", "arguments": charge}]}, {"content": "charged"})
            project_id = start_project(session, actor, team_id, plan("payer"), model=f"scripted/{model}")
        _until(lambda: tasks_of(project_id)["work"].status == "waiting_approval", timeout=90, what="the call to wait")
        assert server.count("/charge") == 0

        page.goto("/approvals")
        row = page.locator(".approvals-row").filter(has_text="payments")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(server.host)
        expect(row).to_contain_text("${credentials.PAY}")
        expect(row).not_to_contain_text("pay-e2e-Tq71Xc")
        row.get_by_role("button", name="Approve").click()
        expect(page.locator(".approvals-row").filter(has_text="payments")).to_have_count(0)

        _until(lambda: project_row(project_id).status in ("completed", "failed"), timeout=90, what="the project")
        assert project_row(project_id).status == "completed"
        assert server.count("/charge") == 1
        assert tasks_of(project_id)["work"].output == "charged"
