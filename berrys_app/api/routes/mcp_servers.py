"""MCP servers of a team: register (tools are discovered), list, get, re-discover, remove.

Admins manage them (a stdio server is a process on our hosts, so its whole argv must fit one of
the operator's templates and its env names the operator's list, with vault-reference values; an
http server must be on a public host or one the operator listed in ``BERRYS_MCP_HTTP_HOSTS``);
members see them, with ``env``/``headers`` write-only. Names are unique per team. A server
that cannot be reached answers ``502 mcp_unreachable``: registration keeps it
(``status='error'``) so it can be refreshed once fixed, or deleted. A stdio server runs in the
python tool's bubblewrap sandbox; a host that cannot sandbox it answers ``409`` (unless the
operator set ``BERRYS_SANDBOX_ALLOW_UNISOLATED=true``).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES, Problem
from berrys_app.domain.tools import McpServerCreate, McpServerPublic
from berrys_app.services import audit, tools
from berrys_app.services.errors import ServiceError

router = APIRouter(
    prefix="/api/v1/teams/{team_id}/mcp-servers",
    tags=["tools"],
    responses={**PROBLEM_RESPONSES, 502: {"model": Problem, "description": "the MCP server could not be reached"}},
)


class McpUnreachable(ServiceError):
    """The MCP server did not answer discovery (bad command/URL, crash, timeout)."""

    code, status = "mcp_unreachable", 502


def _reached(server: McpServerPublic, *, action: str) -> McpServerPublic:
    if server.status == "error":
        raise McpUnreachable(
            f"MCP server {server.name!r} was {action} but could not be reached: {server.last_error}. "
            "Fix its command/URL and POST .../refresh, or DELETE it.",
            details={"server_id": str(server.id), "status": server.status, "last_error": server.last_error},
        )
    return server


@router.get("", **access("member", "projects:read"))
def list_mcp_servers(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[McpServerPublic]:
    """The team's servers with their discovery status and tool names (env/headers values masked
    unless they are ``${credentials.NAME}`` references)."""
    return ListOf[McpServerPublic].model_validate(list_of(tools.list_mcp_servers(session, actor, team_id=team_id)))


@router.post("", status_code=status.HTTP_201_CREATED, **access("admin", "admin:write"))
async def register_mcp_server(
    team_id: uuid.UUID, body: McpServerCreate, session: SessionDep, actor: CurrentActor
) -> McpServerPublic:
    """Register a server and import its tools as ``<server>__<tool>``."""
    server = await tools.register_mcp_server(session, actor, team_id=team_id, data=body)
    audit.record(
        session,
        action="mcp_server.registered",
        actor=actor,
        team_id=team_id,
        target_type="mcp_server",
        target_id=server.id,
        details={"name": server.name, "transport": server.transport, "status": server.status},
    )
    session.commit()  # kept even when unreachable (the 502 below must not roll it back)
    return _reached(server, action="registered")


@router.get("/{server_id}", **access("member", "projects:read"))
def get_mcp_server(
    team_id: uuid.UUID, server_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> McpServerPublic:
    return tools.get_mcp_server(session, actor, team_id=team_id, server_id=server_id)


@router.post("/{server_id}/refresh", **access("admin", "admin:write"))
async def refresh_mcp_server(
    team_id: uuid.UUID, server_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> McpServerPublic:
    """Discover the tools again: new or changed ones get a new version, vanished ones are retired."""
    server = await tools.refresh_mcp_server(session, actor, team_id=team_id, server_id=server_id)
    return _reached(server, action="refreshed")


@router.delete("/{server_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "admin:write"))
def delete_mcp_server(team_id: uuid.UUID, server_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Remove the server and its tools (agents that listed them get ``unknown_tool``)."""
    name = tools.delete_mcp_server(session, actor, team_id=team_id, server_id=server_id)
    audit.record(
        session,
        action="mcp_server.deleted",
        actor=actor,
        team_id=team_id,
        target_type="mcp_server",
        target_id=server_id,
        details={"name": name},
    )
