"""MCP: a server's tools are discovered into the registry and called like built-ins; a
crashed or missing server is a recorded error and the worker carries on."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import CredentialCreate, CredentialUse, McpServerCreate, ToolCall
from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.tools import (
    create_credential,
    execute_tool,
    list_mcp_servers,
    list_tools,
    refresh_mcp_server,
    register_mcp_server,
    tool_specs_for,
)
from berrys_app.services.tools.mcp import close_links
from berrys_app.settings import get_settings
from tests.tools.mcp_http import SERVER, serve_http, server_processes


def _stdio(name: str = "berry", script: str = SERVER) -> McpServerCreate:
    return McpServerCreate(name=name, transport="stdio", command=sys.executable, args=[script], timeout_s=20)


async def test_tools_discovered_and_called(session: Session, world) -> None:
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_stdio())
    assert server.status == "ok", server.last_error
    assert server.tool_names == [
        "berry__add",
        "berry__auth_tail",
        "berry__bad_name_",
        "berry__crash",
        "berry__fail",
        "berry__hang",
        "berry__pid",
        "berry__shout",
        "berry__token",
        "berry__token_tail",
    ]
    listed = {t.name: t for t in list_tools(session, world.member, team_id=world.team_id, capability="mcp")}
    assert listed["berry__add"].parameters_schema["required"] == ["a", "b"]
    specs = tool_specs_for(session, allowed=["berry__add"], team_id=world.team_id)
    assert specs[0]["function"]["description"] == "Add two integers."
    assert tool_specs_for(session, allowed=["berry__add"], project_id=world.project_id) == specs
    assert tool_specs_for(session, allowed=["berry__add"]) == []  # team tools need the team

    ctx = world.approved_ctx(session, "k:mcp-add", allowed=["berry__add", "berry__shout"])
    result = await execute_tool(ctx, "berry__add", {"a": 2, "b": 40})
    assert result.ok and result.content == "42"
    odd = await execute_tool(world.approved_ctx(session, allowed=["berry__bad_name_"]), "berry__bad_name_", {})
    assert odd.ok and odd.content == "odd"  # the sanitised name maps back to the server's own
    bad = await execute_tool(world.approved_ctx(session, allowed=["berry__add"]), "berry__add", {"a": "two", "b": 1})
    assert bad.error_code == "invalid_arguments"  # checked against the discovered schema, before any call
    session.expire_all()
    assert session.exec(select(ToolCall).where(ToolCall.call_key == "k:mcp-add")).one().status == "ok"


async def test_crashed_server_and_tool_errors_are_specific(session: Session, world) -> None:
    await register_mcp_server(session, world.admin, team_id=world.team_id, data=_stdio())
    allowed = ["berry__crash", "berry__fail", "berry__shout", "berry__pid"]
    first_pid = (await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__pid", {})).content
    same_pid = (await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__pid", {})).content
    assert first_pid == same_pid  # the connection (and server process) is reused
    crashed = await execute_tool(world.approved_ctx(session, "k:crash", allowed=allowed), "berry__crash", {})
    assert (crashed.ok, crashed.error_code) == (False, "mcp_unavailable")
    failed = await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__fail", {"reason": "no berries"})
    assert failed.error_code == "mcp_tool_error" and "no berries" in failed.content
    after = await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__shout", {"text": "still alive"})
    assert after.ok and after.content == "STILL ALIVE"
    new_pid = (await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__pid", {})).content
    assert new_pid != first_pid  # a fresh server replaced the crashed one
    session.expire_all()
    assert session.exec(select(ToolCall).where(ToolCall.call_key == "k:crash")).one().error_code == "mcp_unavailable"


async def test_hung_server_times_out_and_is_replaced(session: Session, world) -> None:
    data = _stdio().model_copy(update={"timeout_s": 3})
    await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    allowed = ["berry__hang", "berry__pid"]
    first = await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__pid", {})
    assert first.ok, first.content
    before = first.content
    (server,) = server_processes()
    hung = await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__hang", {})
    assert hung.error_code == "timeout" and "within 3 s" in hung.content
    assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    after = await execute_tool(world.approved_ctx(session, allowed=allowed), "berry__pid", {})
    assert after.ok and after.content != before


async def test_unreachable_server_is_stored_with_its_error(session: Session, world, readable_tmp: Path) -> None:
    broken = readable_tmp / "broken.py"
    broken.write_text("import sys\nsys.exit(1)\n")
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_stdio("broken", str(broken)))
    assert server.status == "error" and server.last_error
    assert server.tool_names == []
    # fixed later: refresh discovers the tools
    broken.write_text(Path(SERVER).read_text())
    refreshed = await refresh_mcp_server(session, world.admin, team_id=world.team_id, server_id=server.id)
    assert refreshed.status == "ok" and "broken__add" in refreshed.tool_names
    assert [s.name for s in list_mcp_servers(session, world.member, team_id=world.team_id)] == ["broken"]


async def test_only_admins_register_servers(session: Session, world) -> None:
    with pytest.raises(Forbidden):
        await register_mcp_server(session, world.member, team_id=world.team_id, data=_stdio())


@pytest.fixture
def http_mcp_url() -> Iterator[str]:
    with serve_http() as url:
        yield url


async def test_streamable_http_server(session: Session, world, http_mcp_url: str) -> None:
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(name="remote_key", kind="bearer", secret={"token": "remote-bearer-5e6f7a8b"}),
    )
    session.commit()
    data = McpServerCreate(
        name="remote",
        transport="http",
        url=http_mcp_url,
        timeout_s=10,
        headers={"Authorization": "Bearer ${credentials.remote_key}"},
    )
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert server.status == "ok", server.last_error
    assert "remote__shout" in server.tool_names
    allowed = ["remote__shout", "remote__crash", "remote__auth_tail"]
    result = await execute_tool(world.approved_ctx(session, allowed=allowed), "remote__shout", {"text": "over http"})
    assert result.ok and result.content == "OVER HTTP"
    auth = await execute_tool(world.approved_ctx(session, allowed=allowed), "remote__auth_tail", {})
    assert auth.ok and auth.content == "7a8b"  # the vault's bearer token reached the server
    crashed = await execute_tool(world.approved_ctx(session, allowed=allowed), "remote__crash", {})
    assert crashed.error_code == "mcp_unavailable"
    gone = await execute_tool(world.approved_ctx(session, allowed=allowed), "remote__shout", {"text": "anyone?"})
    assert gone.error_code == "mcp_unavailable"


async def test_credentials_reach_a_stdio_server_only_through_its_environment(session: Session, world) -> None:
    token = "mcp-token-7f3a9c2e"
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(name="berrytoken", kind="api_key", secret={"key": token}, tool_names=["mcp:vaulted"]),
    )
    session.commit()
    data = _stdio("vaulted").model_copy(update={"env": {"BERRY_TOKEN": "${credentials.berrytoken}"}})
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert server.status == "ok", server.last_error
    assert server.env == {"BERRY_TOKEN": "${credentials.berrytoken}"}  # only the reference is stored
    allowed = ["vaulted__token_tail", "vaulted__token"]
    tail = await execute_tool(world.approved_ctx(session, allowed=allowed), "vaulted__token_tail", {})
    assert tail.ok and tail.content == token[-4:]
    leaked = await execute_tool(
        world.approved_ctx(session, "k:leak", allowed=allowed), "vaulted__token", {}
    )  # pooled link
    assert leaked.ok and leaked.content == "token=[redacted]"
    session.expire_all()
    assert token not in session.exec(select(ToolCall).where(ToolCall.call_key == "k:leak")).one().content
    purposes = sorted(u.purpose for u in session.exec(select(CredentialUse)))
    assert purposes == ["mcp_discover", "mcp_spawn"]
    with pytest.raises(ValidationFailed):
        await register_mcp_server(
            session,
            world.admin,
            team_id=world.team_id,
            data=McpServerCreate(name="x", transport="http", url="http://127.0.0.1:1/mcp", env={"A": "b"}),
        )


async def test_a_server_whose_template_was_withdrawn_is_refused_at_spawn(
    session: Session, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argv and env are checked again whenever a server process starts: the operator's lists
    may have shrunk since registration."""
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_stdio("shrunk"))
    ok = await execute_tool(world.approved_ctx(session, allowed=["shrunk__add"]), "shrunk__add", {"a": 1, "b": 1})
    assert ok.ok, ok.content
    await close_links()
    monkeypatch.setenv("BERRYS_MCP_STDIO_COMMANDS", json.dumps([["/usr/bin/true"]]))
    get_settings.cache_clear()
    try:
        refused = await execute_tool(
            world.approved_ctx(session, allowed=["shrunk__add"]), "shrunk__add", {"a": 1, "b": 1}
        )
        assert (refused.ok, refused.error_code) == (False, "mcp_unavailable")
        assert "no longer allowed" in refused.content and "BERRYS_MCP_STDIO_COMMANDS" in refused.content
        again = await refresh_mcp_server(session, world.admin, team_id=world.team_id, server_id=server.id)
        assert again.status == "error" and "no longer allowed" in (again.last_error or "")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_a_stopping_worker_closes_its_mcp_sessions(session: Session, world, http_mcp_url: str) -> None:
    """The worker's shutdown hook ends the MCP sessions its event loop opened."""
    from berrys_app.domain.tools import McpServer
    from berrys_app.services.tools.mcp import usable_link
    from workers.settings import on_shutdown

    data = McpServerCreate(name="stopping", transport="http", url=http_mcp_url, timeout_s=10)
    public = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    ctx = world.approved_ctx(session, allowed=["stopping__shout"])
    done = await execute_tool(ctx, "stopping__shout", {"text": "bye"})
    assert done.ok and done.content == "BYE", done.content
    server = session.get(McpServer, public.id)
    assert usable_link(server) is not None  # the session stays open between calls
    await on_shutdown({"worker_id": "test-worker-stopping"})
    assert usable_link(server) is None
