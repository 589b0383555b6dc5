"""The project page header follows the run live: cost and tokens as each model call finishes."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def _project(email: str, **fields) -> str:
    """A project of the user's team, made through the services (as the New Project form does)."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams

    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        data = ProjectCreate(name="Priced", objectives=["spend a little"], **fields)
        return str(projects.create_project(session, actor, team_id=team_id, data=data).id)


def _call_model(model: str, project_id: str, *, stream: bool) -> None:
    """One model call through the model layer, as an agent makes it (own thread: Playwright owns this loop)."""
    from berrys_app.services.models import CompletionRequest, complete

    request = CompletionRequest(
        model=model,
        messages=[{"role": "user", "content": "one two three four"}],  # 4 scripted tokens
        project_id=uuid.UUID(project_id),
        stream=stream,
        max_tokens=6,
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(complete(request))
        except BaseException as exc:  # surfaced in the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not errors, errors


def test_cost_and_tokens_move_live_with_each_model_call(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services.models import scripted
    from tests.models.catalogue_rows import upsert_model

    name = f"priced{uuid.uuid4().hex[:6]}"
    with session_scope() as session:
        upsert_model(session, name=f"scripted/{name}", input_price="0.001", output_price="0.003")
    scripted.rule(name, contains="one", step={"content": "a b"})  # 4 + 2 tokens = $0.01 a call

    email = unique_email("cora")
    page = new_page("")
    register(page, name="Cora Cost", email=email)
    project_id = _project(email, budget_usd=1.0, model=f"scripted/{name}")
    page.goto(f"/projects/{project_id}")
    expect(page.locator("#cost-text")).to_have_text("$0.0000 of $1.00")
    expect(page.locator("#tokens-text")).to_have_text("0 tokens")

    _call_model(f"scripted/{name}", project_id, stream=False)  # a planner-style call: model.usage
    expect(page.locator("#cost-text")).to_have_text("$0.0100 of $1.00")
    expect(page.locator("#tokens-text")).to_have_text("6 tokens")

    _call_model(f"scripted/{name}", project_id, stream=True)  # an agent call: on the stream's last message
    expect(page.locator("#cost-text")).to_have_text("$0.0200 of $1.00")
    expect(page.locator("#tokens-text")).to_have_text("12 tokens")
