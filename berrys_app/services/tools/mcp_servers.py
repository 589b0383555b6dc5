"""MCP servers as a team manages them: register (checked against the operator's lists),
refresh, list, read, delete. Discovery imports each tool into the registry as
``<server>__<tool>``; calls go through the same execution path as a built-in (``mcp``).

Server names are unique per team: a team sees and claims only its own names.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import ROLE_RANK, Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.tools import (
    McpServer,
    McpServerCreate,
    McpServerPublic,
    McpTransport,
    Tool,
    ToolCreate,
    ToolKind,
)
from berrys_app.services import events
from berrys_app.services.authz import ADMIN_WRITE, PROJECTS_READ, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.tools import mcp, mcp_hosts, mcp_stdio, mcp_stdio_sandbox, registry
from berrys_app.services.tools.mcp_values import masked, masked_args, masked_url, sealed_url, sealed_values


def _public(row: McpServer, *, admin: bool = True) -> McpServerPublic:
    """The one read view of a server (REST and the dashboard): env/headers/URL query values
    masked for everyone; stdio args masked for non-admins (admins wrote them)."""
    view = McpServerPublic.model_validate(row, from_attributes=True)
    update: dict[str, Any] = {"env": masked(row.env), "headers": masked(row.headers), "url": masked_url(row.url)}
    if not admin:
        update["args"] = masked_args(list(row.args))
    return view.model_copy(update=update)


def _admin(role: Role) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[Role.admin]


async def register_mcp_server(
    session: Session, actor: Actor, *, team_id: uuid.UUID, data: McpServerCreate
) -> McpServerPublic:
    """Add a server and import its tools (admins only: a stdio command runs on the workers).

    A server that cannot be reached is still stored, with ``status='error'`` and the reason;
    ``refresh_mcp_server`` retries discovery.
    """
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    if data.transport == McpTransport.stdio and not data.command:
        raise ValidationFailed("a stdio MCP server needs a command")
    if data.transport == McpTransport.stdio:
        mcp_stdio.check_argv(data.command or "", list(data.args))
        mcp_stdio.check_env(dict(data.env))
        await mcp_stdio_sandbox.sandbox_or_refusal()
    if data.transport == McpTransport.http and not (data.url or "").startswith(("http://", "https://")):
        raise ValidationFailed("an http MCP server needs an http:// or https:// url")
    if data.transport == McpTransport.http:
        await mcp_hosts.check_url(data.url or "")
    if data.env and data.transport != McpTransport.stdio:
        raise ValidationFailed("env is only for stdio MCP servers (use headers for http)")
    if data.headers and data.transport != McpTransport.http:
        raise ValidationFailed("headers are only for http MCP servers (use env for stdio)")
    taken = Conflict(f"this team already has an MCP server named {data.name!r}")
    if session.exec(select(McpServer).where(McpServer.team_id == team_id, McpServer.name == data.name)).first():
        raise taken
    row = McpServer(
        team_id=team_id,
        name=data.name,
        transport=McpTransport(data.transport).value,
        command=data.command,
        args=list(data.args),
        url=sealed_url(data.url),
        timeout_s=data.timeout_s,
        env=sealed_values(dict(data.env)),
        headers=sealed_values(dict(data.headers)),
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:  # the same name registered concurrently in this team
        session.rollback()
        raise taken from exc
    await _sync_tools(session, row)
    events.emit(
        session,
        EventKind.MCP_REGISTERED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": row.name, "status": row.status, "tools": row.tool_names},
    )
    session.commit()
    return _public(row)


async def refresh_mcp_server(
    session: Session, actor: Actor, *, team_id: uuid.UUID, server_id: uuid.UUID
) -> McpServerPublic:
    """Re-discover tools: new/changed ones get a new version, vanished ones are retired."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    row = _load(session, team_id, server_id)
    await _sync_tools(session, row)
    session.commit()
    return _public(row)


def get_mcp_server(session: Session, actor: Actor, *, team_id: uuid.UUID, server_id: uuid.UUID) -> McpServerPublic:
    role = require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    return _public(_load(session, team_id, server_id), admin=_admin(role))


def list_mcp_servers(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[McpServerPublic]:
    role = require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    rows = session.exec(select(McpServer).where(McpServer.team_id == team_id).order_by(col(McpServer.name)))
    return [_public(row, admin=_admin(role)) for row in rows]


def delete_mcp_server(session: Session, actor: Actor, *, team_id: uuid.UUID, server_id: uuid.UUID) -> str:
    """Remove a server; its tools go with it (agents see ``unknown_tool``). Returns its name
    (for the audit row: the deleting door needs no read scope to name what it deleted)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    row = _load(session, team_id, server_id)
    name = row.name
    for tool in session.exec(select(Tool).where(Tool.mcp_server_id == row.id)):
        session.delete(tool)
    session.flush()  # the tools first: the server's delete would cascade to them in the database
    session.delete(row)
    session.flush()
    return name


def _load(session: Session, team_id: uuid.UUID, server_id: uuid.UUID) -> McpServer:
    row = session.get(McpServer, server_id)
    if row is None or row.team_id != team_id:
        raise NotFound("MCP server not found")
    return row


async def _sync_tools(session: Session, row: McpServer) -> None:
    registry.ensure_builtins(session)  # commits on first use: not inside the savepoints below
    resolved = mcp.Resolved()
    try:
        resolved = mcp.resolve(session, row, purpose="mcp_discover")
        listed = await mcp.discover(row, resolved)
    except TimeoutError:
        row.status, row.last_error = "error", "timeout"
        session.add(row)
        return
    except Exception as exc:  # unreachable, refused, a vault reference that does not resolve
        row.status, row.last_error = "error", mcp.describe(exc, resolved.secrets)
        session.add(row)
        return
    names: list[str] = []
    skipped: list[str] = []
    for item in listed:
        name = mcp.registry_name(row.name, item["name"])
        schema = item["input_schema"] or {"type": "object", "properties": {}}
        schema.setdefault("type", "object")
        description = item["description"] or f"{item['name']} (MCP server {row.name})"
        current = registry.resolve(session, name, team_id=row.team_id)
        unchanged = current and current.parameters_schema == schema and current.description == description
        if not unchanged:
            try:
                with session.begin_nested():
                    registry.add_version(
                        session,
                        team_id=row.team_id,
                        mcp_server_id=row.id,
                        data=ToolCreate(
                            name=name,
                            kind=ToolKind.mcp,
                            category="mcp",
                            description=description,
                            capabilities=["mcp", row.name.lower()],
                            parameters_schema=schema,
                            side_effects=True,  # unknown: assume the worst
                            config={"mcp_tool": item["name"], "timeout_s": row.timeout_s},
                        ),
                    )
            except (ValidationFailed, Conflict, ValueError) as exc:  # one bad tool must not hide the others
                skipped.append(f"{item['name']}: {getattr(exc, 'message', exc)}")
                continue
        names.append(name)
    for stale in session.exec(select(Tool).where(Tool.mcp_server_id == row.id, col(Tool.name).not_in(names))):
        stale.is_active = False
        session.add(stale)
    row.status, row.tool_names, row.discovered_at = "ok", sorted(names), utcnow()
    row.last_error = ("skipped " + "; ".join(skipped))[:2000] if skipped else None
    session.add(row)
