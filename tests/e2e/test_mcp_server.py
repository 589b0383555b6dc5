"""Berrys as an MCP server, driven by the ``mcp`` package's client over streamable HTTP against
the real platform (web process + workers): a team member's API key lists the tools, creates a
project, approves its plan, follows it to the end and reads the results; the key's scopes and the
member's team hold there as on REST."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlmodel import select

from tests.e2e.helpers import plan_json, script_model

pytestmark = pytest.mark.e2e


def _member_key(scopes: list[str]) -> tuple[str, str]:
    """A verified user with a personal team and an API key with ``scopes``: (team id, key)."""
    from berrys_app.db import session_scope
    from berrys_app.domain.accounts import TeamMember
    from berrys_app.services import auth
    from berrys_app.services.authz import Actor

    with session_scope() as session:
        user = auth.create_user(session, email=f"mcp-{uuid.uuid4().hex[:8]}@example.com", name="Mo", verified=True)
        team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
        _, key = auth.create_api_key(session, Actor(user_id=user.id, label=user.email), name="mcp", scopes=scopes)
    return str(team_id), key


@asynccontextmanager
async def _mcp(base_url: str, key: str):
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=http), read_timeout_seconds=60) as client,
    ):
        yield client


def _run(journey) -> None:
    """``anyio.run`` in a thread of its own: Playwright's sync API keeps an event loop running in
    this one once a browser test has run in the session."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, journey).result()


def _data(result) -> object:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        value = result.structured_content
        return value.get("result", value) if isinstance(value, dict) and set(value) == {"result"} else value
    return json.loads(result.content[0].text)


def test_an_mcp_client_runs_a_project_end_to_end_with_an_api_key(stack) -> None:
    team_id, key = _member_key(["projects:read", "projects:write"])
    model = f"mcp{uuid.uuid4().hex[:6]}"
    script_model(
        model,
        plan=plan_json([("t1", "Gather facts", []), ("t2", "Write summary", ["t1"])]),
        task_replies={"Task: Gather facts": "Facts: berries.", "Task: Write summary": "Summary: berries."},
        summary="Berry brief",
    )

    async def journey() -> None:
        async with _mcp(stack.base_url, key) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert {"create_project", "get_project", "approve_plan", "list_approvals", "decide_approval"} <= tools
            assert {"list_projects", "get_results"} <= tools

            project = _data(
                await client.call_tool(
                    "create_project",
                    {
                        "team_id": team_id,
                        "name": "MCP brief",
                        "objectives": ["Explain berries"],
                        "model": f"scripted/{model}",
                    },
                )
            )
            project_id = project["id"]
            deadline = time.monotonic() + 60
            while _data(await client.call_tool("get_project", {"project_id": project_id}))["status"] != "plan_review":
                assert time.monotonic() < deadline, "no plan to review"
                await anyio.sleep(0.3)
            inbox = _data(await client.call_tool("list_approvals", {}))
            assert any(a["project_id"] == project_id and a["kind"] == "plan" for a in inbox), inbox

            _data(await client.call_tool("approve_plan", {"project_id": project_id}))
            deadline = time.monotonic() + 90
            while (status := _data(await client.call_tool("get_project", {"project_id": project_id})))[
                "status"
            ] != "completed":
                assert status["status"] not in {"failed", "cancelled"}, status
                assert time.monotonic() < deadline, status
                await anyio.sleep(0.3)
            assert status["tasks"] == {"completed": 2}

            results = _data(await client.call_tool("get_results", {"project_id": project_id}))
            assert "Berry brief" in results
            resource = await client.read_resource(f"berrys://projects/{project_id}/results")
            assert "Berry brief" in resource.contents[0].text
            listed = _data(await client.call_tool("list_projects", {"team_id": team_id}))
            assert [p["id"] for p in listed] == [project_id]

    _run(journey)


def test_mcp_refuses_a_missing_key_and_holds_the_keys_scopes_and_the_team(stack) -> None:
    r = httpx.post(f"{stack.base_url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"

    own_team, read_only = _member_key(["projects:read"])
    other_team, _ = _member_key(["projects:read", "projects:write"])
    _, writer = _member_key(["projects:read", "projects:write"])

    async def refused() -> None:
        async with _mcp(stack.base_url, read_only) as client:
            result = await client.call_tool("create_project", {"team_id": own_team, "name": "x", "objectives": ["y"]})
            assert result.is_error and "projects:write" in result.content[0].text, result.content
            assert _data(await client.call_tool("list_projects", {})) == []
            missing = await client.call_tool("get_project", {"project_id": str(uuid.uuid4())})
            assert missing.is_error and "not_found" in missing.content[0].text, missing.content
        async with _mcp(stack.base_url, writer) as client:  # not a member of that team: it does not exist for them
            result = await client.call_tool("create_project", {"team_id": other_team, "name": "x", "objectives": ["y"]})
            assert result.is_error and "not_found: team not found" in result.content[0].text, result.content

    _run(refused)


def test_mcp_tool_input_errors_are_precise(stack) -> None:
    team_id, key = _member_key(["projects:read", "projects:write"])

    async def bad_input() -> None:
        async with _mcp(stack.base_url, key) as client:
            result = await client.call_tool("create_project", {"team_id": team_id, "name": " ", "objectives": ["y"]})
            assert result.is_error and "validation_failed: name" in result.content[0].text, result.content
            result = await client.call_tool("decide_approval", {"approval_id": str(uuid.uuid4()), "approve": False})
            assert result.is_error and "needs a reason" in result.content[0].text, result.content

    _run(bad_input)


def test_an_mcp_client_starts_a_project_from_a_template(stack) -> None:
    from berrys_app.db import session_scope
    from berrys_app.domain.automation import ProjectTemplateCreate
    from berrys_app.services import auth, templates

    team_id, key = _member_key(["projects:read", "projects:write"])
    with session_scope() as session:
        actor = auth.authenticate(session, key)
        template = templates.create_template(
            session,
            actor,
            team_id=uuid.UUID(team_id),
            data=ProjectTemplateCreate.model_validate(
                {
                    "name": "Weekly brief",
                    "parameters": [{"name": "topic"}],
                    "body": {
                        "project": {"name": "Brief on {{topic}}", "objectives": ["Explain {{topic}}"]},
                        "plan": {"tasks": [{"id": "a", "title": "Write about {{topic}}"}]},
                    },
                }
            ),
        )
        template_id = str(template.id)

    async def from_template() -> None:
        async with _mcp(stack.base_url, key) as client:
            listed = _data(await client.call_tool("list_templates", {"team_id": team_id}))
            assert [(t["id"], t["parameters"][0]["name"]) for t in listed] == [(template_id, "topic")]
            project = _data(
                await client.call_tool("start_template", {"template_id": template_id, "params": {"topic": "berries"}})
            )
            assert project["name"] == "Brief on berries" and project["status"] == "plan_review", project
            missing = await client.call_tool("start_template", {"template_id": template_id, "params": {}})
            assert missing.is_error and "topic" in missing.content[0].text, missing.content

    _run(from_template)
