"""Berrys as an MCP server: streamable HTTP at ``/mcp`` on the app's port.

A team member's MCP client (an IDE, a desktop assistant, the ``mcp`` package) creates projects,
follows them, decides approvals and reads results with an API key (``Authorization: Bearer
brk_...``). It is a front door like REST: the key is authenticated and rate-limited the same way
(``auth.authenticate``, ``ratelimit.hit_actor``), and every tool calls the same checked service with
the caller's ``Actor``, so the key's scopes and the caller's team role are enforced there.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import ValidationError
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from berrys_app.api.problems import problem_response
from berrys_app.db import session_scope
from berrys_app.domain.projects import Project, ProjectCreate
from berrys_app.services import auth, collab, projects, proxies, ratelimit, templates
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ServiceError
from berrys_app.usecases import decisions, project_lifecycle, template_starts

PATH = "/mcp"
_actor: ContextVar[Actor] = ContextVar("berrys_mcp_actor")
T = TypeVar("T")

server = MCPServer(
    name="berrys",
    title="Berrys",
    instructions=(
        "Berrys runs projects with a team of AI agents. Create a project from objectives, "
        "ask for a plan, approve it, follow its status, decide approvals and read the results."
    ),
)


async def _call(work: Callable[[Session, Actor], T]) -> T:
    """Run ``work`` in one transaction as the caller; a service's refusal becomes the tool's error
    (the client sees the same message REST gives)."""

    def run() -> T:
        with session_scope() as session:
            return work(session, _actor.get())

    try:
        return await asyncio.to_thread(run)
    except ServiceError as exc:
        raise ToolError(f"{exc.code}: {exc.message}") from exc


def _project(project: Project) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "team_id": str(project.team_id),
        "name": project.name,
        "status": project.status,
        "model": project.model,
        "plan_version": project.plan_version,
    }


@server.tool()
async def list_projects(team_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Your projects (of one team, or of all your teams), newest first; at most 50."""
    team = uuid.UUID(team_id) if team_id else None

    def work(session: Session, actor: Actor) -> list[dict[str, Any]]:
        rows, _ = projects.list_projects(session, actor, team_id=team, page=1, per_page=50, status=status, q=None)
        return [_project(p) for p in rows]

    return await _call(work)


@server.tool()
async def create_project(
    team_id: str, name: str, objectives: list[str], model: str | None = None, auto_approve: bool = False
) -> dict[str, Any]:
    """Create a project from objectives (one sentence each) and ask the planner for a plan."""
    try:
        data = ProjectCreate(name=name, objectives=objectives, auto_approve=auto_approve, model=model or None)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ToolError(f"validation_failed: {problems}") from exc

    def work(session: Session, actor: Actor) -> dict[str, Any]:
        project = projects.create_project(session, actor, team_id=uuid.UUID(team_id), data=data)
        return _project(project_lifecycle.request_plan(session, actor, project.id))

    return await _call(work)


@server.tool()
async def list_templates(team_id: str) -> list[dict[str, Any]]:
    """The team's project templates, with the parameters a start must give."""

    def work(session: Session, actor: Actor) -> list[dict[str, Any]]:
        rows = templates.list_templates(session, actor, team_id=uuid.UUID(team_id))
        return [
            {"id": str(t.id), "name": t.name, "description": t.description, "parameters": t.parameters} for t in rows
        ]

    return await _call(work)


@server.tool()
async def start_template(template_id: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """Start a project from a template with a value per parameter (its plan is proposed, or the
    planner is asked when the template has none)."""

    def work(session: Session, actor: Actor) -> dict[str, Any]:
        return _project(
            template_starts.start_project(session, actor, uuid.UUID(template_id), params or {}, source="mcp")
        )

    return await _call(work)


@server.tool()
async def get_project(project_id: str) -> dict[str, Any]:
    """A project's status, with its tasks counted by status."""

    def work(session: Session, actor: Actor) -> dict[str, Any]:
        project = projects.get_project(session, actor, uuid.UUID(project_id))
        counts: dict[str, int] = {}
        for task in projects.list_tasks(session, actor, project.id):
            counts[task.status] = counts.get(task.status, 0) + 1
        return {**_project(project), "tasks": counts}

    return await _call(work)


@server.tool()
async def approve_plan(project_id: str, run: bool = True) -> dict[str, Any]:
    """Approve the proposed plan; with ``run`` (the default) start executing it."""

    def work(session: Session, actor: Actor) -> dict[str, Any]:
        project = project_lifecycle.approve_plan(session, actor, uuid.UUID(project_id))
        if run and project.status == "ready":
            project = project_lifecycle.execute_project(session, actor, project.id)
        return _project(project)

    return await _call(work)


@server.tool()
async def list_approvals(status: str = "pending") -> list[dict[str, Any]]:
    """Your approvals inbox across your teams (plan reviews, budget raises, tool calls)."""

    def work(session: Session, actor: Actor) -> list[dict[str, Any]]:
        rows, _ = collab.my_approvals(session, actor, status=status, page=1, per_page=50)
        return [
            {
                "id": str(a.id),
                "kind": a.kind,
                "status": a.status,
                "title": a.title,
                "project_id": str(a.project_id) if a.project_id else None,
            }
            for a in rows
        ]

    return await _call(work)


@server.tool()
async def decide_approval(approval_id: str, approve: bool, reason: str | None = None) -> dict[str, Any]:
    """Approve or reject one approval (a rejection needs a reason)."""
    if not approve and not (reason or "").strip():
        raise ToolError("validation_failed: a rejection needs a reason")

    def work(session: Session, actor: Actor) -> dict[str, Any]:
        row = decisions.decide_approval(session, actor, uuid.UUID(approval_id), approve=approve, reason=reason)
        return {"id": str(row.id), "status": row.status}

    return await _call(work)


def _results(session: Session, actor: Actor, project_id: str) -> str:
    deliverables = projects.list_deliverables(session, actor, uuid.UUID(project_id))
    return "\n\n".join(f"# {d.title}\n\n{d.content}" for d in deliverables)


@server.tool()
async def get_results(project_id: str) -> str:
    """The project's deliverables as Markdown (empty until the project has results)."""
    return await _call(lambda session, actor: _results(session, actor, project_id))


@server.resource("berrys://projects/{project_id}/results", mime_type="text/markdown")
async def project_results(project_id: str) -> str:
    """A project's results (its deliverables) as Markdown."""
    return await _call(lambda session, actor: _results(session, actor, project_id))


class AuthenticatedMcp:
    """The MCP endpoint behind the REST API's bearer authentication and rate limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else None
        ip = proxies.scope_client(scope)

        def authenticate() -> Actor:
            with session_scope() as session:
                actor = auth.authenticate(session, token, ip=ip)
            ratelimit.hit_actor(str(actor.api_key_id or actor.user_id))
            return actor

        try:
            actor = await asyncio.to_thread(authenticate)
        except ServiceError as exc:
            await problem_response(exc.status, exc.code, exc.message)(scope, receive, send)
            return
        reset = _actor.set(actor)
        try:
            await self.app(scope, receive, send)
        finally:
            _actor.reset(reset)


def asgi_app() -> ASGIApp:
    """Stateless JSON responses: any web process can answer any request (no session affinity).
    Host checks are the app's own (``BERRYS_HOST``, proxies), not the SDK's localhost defaults."""
    app = server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return AuthenticatedMcp(app)


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[None]:
    """The SDK's session manager must run for the endpoint to answer (its task group)."""
    async with server.session_manager.run():
        yield


async def serve_forever() -> None:
    """A lifespan task of the web process (``berrys_app.py``)."""
    async with running():
        await asyncio.Event().wait()
