"""Fixtures for the tool tests: a team with an admin, a member and a viewer, a project,
and a tiny local HTTP server (loopback only) that records what it received."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember, User
from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import ToolCreate, ToolKind
from berrys_app.services import tokens
from berrys_app.services.authz import Actor
from berrys_app.services.tools import ToolContext, register_tool
from berrys_app.settings import get_settings

HTTP_PARAMETERS = {
    "type": "object",
    "properties": {"method": {"type": "string"}, "url": {"type": "string"}},
    "required": ["method", "url"],
}
FULL_HTTP_PARAMETERS = {  # headers (credential references) and a body too
    "type": "object",
    "properties": {
        "method": {"type": "string"},
        "url": {"type": "string"},
        "headers": {"type": "object"},
        "body": {"type": "string"},
    },
    "required": ["method", "url"],
}


def register_http_tool(
    session: Session,
    world: World,
    hosts: list[str],
    *,
    name: str,
    parameters: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """A team http tool (registered by the team's admin) allowed to call ``hosts``."""
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name=name,
            kind=ToolKind.http,
            parameters_schema=parameters or HTTP_PARAMETERS,
            config={"allowed_hosts": hosts, **(config or {})},
            **fields,
        ),
    )
    session.commit()


@dataclass
class World:
    team_id: uuid.UUID
    project_id: uuid.UUID
    admin: Actor
    member: Actor
    viewer: Actor
    outsider: Actor

    def ctx(self, call_key: str | None = None, *, allowed: list[str] | None = None, task_id=None) -> ToolContext:
        return ToolContext(
            project_id=self.project_id,
            task_id=task_id,
            agent_id=None,
            allowed_tools=allowed
            if allowed is not None
            else ["python", "http_request", "project_files", "search_outputs"],
            call_key=call_key or f"test:{uuid.uuid4().hex}",
        )

    def approved_ctx(self, session: Session, call_key: str | None = None, **kw: Any) -> ToolContext:
        """A context whose call a person already approved (as the inbox records it), for calls
        of gated tools (``approval_policy``; MCP tools and ``http_request`` by default) made
        outside an agent's task."""
        ctx = self.ctx(call_key, **kw)
        session.add(
            Approval(
                team_id=self.team_id,
                project_id=self.project_id,
                kind=ApprovalKind.tool.value,
                status=ApprovalStatus.approved.value,
                details={"call_key": ctx.call_key},
            )
        )
        session.commit()
        return ctx


def _user(session: Session, label: str) -> Actor:
    user = User(email=f"{label}-{uuid.uuid4().hex[:8]}@example.com", name=label)
    session.add(user)
    session.flush()
    return Actor(user_id=user.id, label=label)


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    """Set an operator setting as an operator would (restored afterwards)."""

    def set_env(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def readable_tmp() -> Iterator[Path]:
    """A temp dir any uid may read (pytest's ``tmp_path`` is root-only on a root run): a stdio
    MCP server's sandbox binds a path a team admin chose only when others may read it."""
    path = Path(tempfile.mkdtemp(prefix="berrys-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture
def world(session: Session) -> World:
    team = Team(name="Tools team")
    other = Team(name="Elsewhere")
    session.add_all([team, other])
    session.flush()
    actors = {label: _user(session, label) for label in ("admin", "member", "viewer", "outsider")}
    for label, role in (("admin", Role.admin), ("member", Role.member), ("viewer", Role.viewer)):
        session.add(TeamMember(team_id=team.id, user_id=actors[label].user_id, role=role.value))
    session.add(TeamMember(team_id=other.id, user_id=actors["outsider"].user_id, role=Role.owner.value))
    project = Project(name="Tooling", team_id=team.id)
    session.add(project)
    session.commit()
    return World(team_id=team.id, project_id=project.id, **actors)


@dataclass
class Recorder:
    """What the local HTTP server saw."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    token_clients: dict[str, str] = field(default_factory=dict)  # "client_id:secret" -> token

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r["path"] == path)


def _token_reply(recorder: Recorder, authorization: str) -> tuple[int, bytes]:
    """An OAuth2 token endpoint: any client (``recorder.token_clients`` empty), or only the
    listed ``client_id:secret`` pairs, each getting its own token."""
    token = "oauth-access-token-123456"
    if recorder.token_clients:
        try:
            pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
        except ValueError:
            pair = ""
        if pair not in recorder.token_clients:
            return 401, json.dumps({"error": "invalid_client"}).encode()
        token = recorder.token_clients[pair]
    return 200, json.dumps({"access_token": token, "expires_in": 3600}).encode()


@contextmanager
def recording_server() -> Iterator[Recorder]:
    """Echoes each request as JSON; /slow sleeps 3 s; /token is an OAuth2 token endpoint."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            seen = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            recorder.requests.append(seen)
            status = 200
            if self.path == "/slow":
                time.sleep(3)
            if self.path == "/token":
                status, payload = _token_reply(recorder, self.headers.get("Authorization") or "")
            elif self.path == "/big":
                payload = ("0123456789" * 5000).encode()
            elif self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "http://example.com/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            else:
                payload = json.dumps(seen).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server() -> Iterator[Recorder]:
    """A local recording HTTP server (see ``recording_server``)."""
    with recording_server() as recorder:
        yield recorder


@pytest.fixture
async def api(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API in-process (ASGI); authenticate with ``bearer(actor)``."""
    from berrys_app.api.app import create_api

    transport = httpx.ASGITransport(app=create_api(), client=("10.9.8.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue_access_token(actor.user_id)}"}
