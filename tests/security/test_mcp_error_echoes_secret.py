"""Attack: an http MCP server whose URL carries a secret in its query (``?token=...``, pasted
or ``${credentials.X}``) fails; the transport error quotes the URL it called, so the decrypted
secret lands in the server's ``last_error`` (shown to every member), in events, and in the
failed tool call the agent sees. Every error text now masks the connection's secrets and every
URL query value."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from sqlmodel import Session, select

from berrys_app.domain.events import Event
from berrys_app.domain.tools import CredentialCreate, McpServer, McpServerCreate
from berrys_app.services.tools import create_credential, execute_tool, get_mcp_server, register_mcp_server
from berrys_app.services.tools.mcp import close_links

SECRET = f"tok-{uuid.uuid4().hex}"


class EchoingServer(BaseHTTPRequestHandler):
    """A minimal MCP server over streamable HTTP (JSON replies) that lists one tool and fails
    ``failing`` methods with a JSON-RPC error quoting what it was sent — the request line, query
    included, and the headers — as servers do for a bad token."""

    failing: frozenset[str] = frozenset()
    seen: list[str]  # request lines and headers received (set per server)

    def do_POST(self) -> None:
        self.seen.append(f"{self.path} {dict(self.headers)}")
        message = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        method, params = message.get("method", ""), message.get("params") or {}
        if "id" not in message:  # a notification
            return self._send(202, None)
        if method in self.failing:
            text = f"unauthorized: {self.path} {dict(self.headers)}"
            return self._send(200, {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32000, "message": text}})
        result = {
            "initialize": {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "echoing", "version": "1"},
            },
            "tools/list": {"tools": [{"name": "shout", "inputSchema": {"type": "object", "properties": {}}}]},
        }.get(method, {})
        return self._send(200, {"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _send(self, status: int, payload: dict | None) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # no server-initiated stream
        self._send(405, None)

    do_DELETE = do_GET

    def log_message(self, *args) -> None:
        pass


@contextmanager
def echoing_server(failing: set[str]) -> Iterator[tuple[str, list[str]]]:
    """The server on a free loopback port: yields its URL and what it received."""
    seen: list[str] = []
    handler = type("Handler", (EchoingServer,), {"failing": frozenset(failing), "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/mcp", seen
    finally:
        server.shutdown()
        server.server_close()


def _server(session: Session, world, how: str, base: str, name: str) -> McpServerCreate:
    """An http server at ``base`` given the secret as ``how`` says (pasted or from the vault,
    in the URL query or in a header)."""
    token = SECRET
    if how.startswith("vault"):
        credential = CredentialCreate(name="mcptoken", kind="api_key", secret={"key": SECRET})
        create_credential(session, world.admin, team_id=world.team_id, data=credential)
        session.commit()
        token = "${credentials.mcptoken}"
    url = f"{base}?token={token}" if how.endswith("url") else base
    headers = {"X-Api-Key": token} if how.endswith("header") else {}
    return McpServerCreate(name=name, transport="http", url=url, headers=headers, timeout_s=5)


def _events_text(session: Session) -> str:
    return json.dumps([e.payload for e in session.exec(select(Event))], default=str)


@pytest.mark.parametrize("how", ["pasted in the url", "vault in the url", "pasted in a header"])
async def test_a_failing_discovery_never_stores_or_emits_the_secret(session: Session, world, how: str) -> None:
    with echoing_server({"initialize"}) as (base, seen):
        data = _server(session, world, how, base, "leaky")
        server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert server.status == "error"
    assert any(SECRET in line for line in seen)  # the server did get the (decrypted) secret
    stored = session.get(McpServer, server.id)
    assert stored is not None and stored.last_error
    assert SECRET not in stored.last_error, stored.last_error
    member_view = get_mcp_server(session, world.member, team_id=world.team_id, server_id=server.id)
    assert SECRET not in member_view.model_dump_json()
    assert SECRET not in _events_text(session)


@pytest.mark.parametrize("how", ["pasted in the url", "vault in the url", "pasted in a header"])
async def test_a_failing_call_never_shows_the_secret_to_the_agent(session: Session, world, how: str) -> None:
    with echoing_server({"tools/call"}) as (base, seen):
        data = _server(session, world, how, base, "flaky")
        server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
        assert server.status == "ok", server.last_error
        result = await execute_tool(world.approved_ctx(session, allowed=["flaky__shout"]), "flaky__shout", {})
        await close_links()
    assert not result.ok and "unauthorized" in result.content, result.content
    assert any(SECRET in line for line in seen)
    assert SECRET not in result.content and SECRET not in _events_text(session)
