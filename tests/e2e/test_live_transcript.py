"""The task drawer streams model text as the model layer publishes it, and shows tool calls live."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, unique_email

pytestmark = pytest.mark.e2e


def _approved_project(email: str) -> tuple[str, str]:
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        actor = auth.authenticate(session, auth.login(session, email=email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, actor)[0].id
        project = projects.create_project(
            session, actor, team_id=team_id, data=ProjectCreate(name="Streaming", objectives=["watch"])
        )
        session.commit()
        project_lifecycle.submit_plan(
            session, actor, project.id, PlanIn.model_validate({"tasks": [{"id": "s", "title": "Stream"}]})
        )
        session.commit()
        project_lifecycle.approve_plan(session, actor, project.id)
        session.commit()
        task = projects.list_tasks(session, actor, project.id, current_only=True)[0]
        return str(project.id), str(task.id)


def test_drawer_streams_tokens_and_tool_calls_live(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.event_kinds import EventKind
    from berrys_app.services import events
    from berrys_app.services.models.streaming import TokenStreamer

    email = unique_email("sam")
    page = new_page("")
    register(page, name="Sam Stream", email=email)
    project_id, task_id = _approved_project(email)
    page.goto(f"/projects/{project_id}")
    page.click("#tab-board")
    page.locator('.task-card[data-task="s"]').click()
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Nothing recorded yet.")

    streamer = TokenStreamer(
        model="scripted/live", interval_s=0, project_id=uuid.UUID(project_id), task_id=uuid.UUID(task_id)
    )
    streamer.feed("Berries ")
    expect(transcript.locator('.transcript-entry[data-kind="stream"]')).to_contain_text("Berries")
    streamer.feed("are <b>ripe</b>")
    streamer.close()
    expect(transcript.locator('.transcript-entry[data-kind="stream"]')).to_have_count(1)
    expect(transcript.locator('.transcript-entry[data-kind="stream"]')).to_contain_text("Berries are <b>ripe</b>")
    assert transcript.locator("b").count() == 0  # streamed text stays text

    with session_scope() as session:
        events.emit(
            session,
            EventKind.TOOL_COMPLETED,
            project_id=uuid.UUID(project_id),
            task_id=uuid.UUID(task_id),
            payload={
                "tool": "web_search",
                "version": 1,
                "call_key": "c1",
                "duration_ms": 12.5,
                "error_code": None,
                "arguments": '{"query": "ripe <berries>"}',
                "result": "3 hits: blueberries first",
            },
        )
    tool_entry = transcript.locator('.transcript-entry[data-kind="tool"]')
    expect(tool_entry).to_contain_text("completed · web_search")
    expect(tool_entry).to_contain_text('→ {"query": "ripe <berries>"}')  # the arguments, live, as text
    expect(tool_entry).to_contain_text("3 hits: blueberries first")  # and the result excerpt
