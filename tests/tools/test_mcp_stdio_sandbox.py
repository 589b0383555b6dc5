"""How a stdio MCP server is sandboxed: which files it is given, the network only when the
operator's template says so, and failing closed where the host cannot
sandbox it."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.errors import Conflict
from berrys_app.services.tools import execute_tool, register_mcp_server, sandbox
from berrys_app.services.tools.mcp import close_links
from berrys_app.services.tools.mcp_stdio_sandbox import command_paths
from berrys_app.settings import McpStdioTemplate

ESCAPE = str(Path(__file__).parents[1] / "security" / "mcp_escape_server.py")
SERVER = str(Path(__file__).with_name("mcp_server_app.py"))


def _escape_server() -> McpServerCreate:
    return McpServerCreate(name="escape", transport="stdio", command=sys.executable, args=[ESCAPE], timeout_s=20)


@pytest.fixture
async def links() -> None:
    yield
    await close_links()


def test_the_command_gets_its_template_paths_its_venv_and_only_readable_slot_paths(tmp_path: Path) -> None:
    private = tmp_path / "private"  # pytest's tmp dirs are the worker's alone (0700)
    private.mkdir(mode=0o700)
    (private / "server.py").write_text("")
    (private / "secret").write_text("s3cret")
    literal = McpStdioTemplate(argv=[sys.executable, str(private / "server.py")])
    slotted = McpStdioTemplate(argv=[sys.executable, "{script}"])

    venv = str(Path(sys.executable).parents[1])
    given = command_paths(literal, literal.argv)
    assert str(private / "server.py") in given and venv in given  # the operator named them
    assert str(private / "secret") not in command_paths(slotted, [sys.executable, str(private / "secret")])
    assert SERVER in command_paths(slotted, [sys.executable, SERVER])  # readable by anyone anyway


async def test_network_only_when_the_template_says_so(session: Session, world, operator, links) -> None:
    operator("BERRYS_MCP_STDIO_COMMANDS", json.dumps([{"argv": [sys.executable, ESCAPE], "network": True}]))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=_escape_server())
        allowed = ["escape__connect", "escape__write"]
        port = listener.getsockname()[1]
        connected = await execute_tool(world.approved_ctx(session, allowed=allowed), "escape__connect", {"port": port})
        assert connected.content == "done: connected"
        planted = await execute_tool(
            world.approved_ctx(session, allowed=allowed), "escape__write", {"path": f"{ESCAPE}.planted"}
        )
        assert not Path(f"{ESCAPE}.planted").exists(), planted.content  # the checkout stays read-only


async def test_registration_and_calls_fail_closed_without_a_sandbox(
    session: Session, world, links, monkeypatch
) -> None:
    await register_mcp_server(session, world.admin, team_id=world.team_id, data=_escape_server())
    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    with pytest.raises(Conflict) as refused:
        await register_mcp_server(
            session, world.admin, team_id=world.team_id, data=_escape_server().model_copy(update={"name": "other"})
        )
    assert "this host cannot sandbox stdio MCP servers" in refused.value.message
    called = await execute_tool(
        world.approved_ctx(session, allowed=["escape__connect"]), "escape__connect", {"port": 9}
    )
    assert (called.ok, called.error_code) == (False, "mcp_unavailable")
    assert "cannot sandbox stdio MCP servers" in called.content and "BERRYS_SANDBOX_ALLOW_UNISOLATED" in called.content


async def test_operator_may_allow_unsandboxed_servers(session: Session, world, operator, links, monkeypatch) -> None:
    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    operator("BERRYS_SANDBOX_ALLOW_UNISOLATED", "true")
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_escape_server())
    assert server.status == "ok", server.last_error
