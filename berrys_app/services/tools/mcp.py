"""MCP servers (stdio command or streamable HTTP URL): registering one discovers its tools
with the ``mcp`` package and adds each to the registry as ``<server>__<tool>``; calling one
goes through the same execution path as a built-in.

Each call opens its own connection (for stdio: a fresh server process), so a server that
crashes fails that one call with ``mcp_unavailable`` and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
import httpx2
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import REQUEST_TIMEOUT
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import ROLE_RANK, Role
from berrys_app.domain.common import utcnow
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
from berrys_app.services.authz import Actor, require_role
from berrys_app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berrys_app.services.tools import mcp_hosts, registry, vault
from berrys_app.services.tools.context import Invocation, ToolContext, ToolFailure
from berrys_app.services.tools.http_tool import CREDENTIAL_REF

CONNECT_TIMEOUT_S = 30.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
MASK = "********"
# a value shown back as written: one vault reference, optionally after an HTTP auth scheme word
_SHOWN = re.compile(r"(?:(?:Bearer|Basic|Token|Bot|ApiKey|Api-Key)\s+)?\$\{credentials\.[A-Za-z][A-Za-z0-9_]*\}", re.I)


def registry_name(server: str, tool: str) -> str:
    """The function name the model sees for an MCP tool (OpenAI's 64-char charset)."""
    return f"{server}__{_UNSAFE.sub('_', tool)}"[:64]


@asynccontextmanager
async def _http_transport(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    """Streamable HTTP with extra headers (e.g. Authorization from the vault); every TCP
    connection it opens is checked against the host policy (``mcp_hosts``)."""
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        mcp_hosts.guarded_client(headers, timeout) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def _client(server: McpServer, env: dict[str, str] | None = None) -> Client:
    """``env`` is the resolved environment (stdio) or headers (http)."""
    if server.transport == McpTransport.stdio.value:
        if not stdio_command_allowed(server.command or ""):  # the allowlist may have shrunk since
            raise ToolFailure("mcp_unavailable", f"the command of MCP server {server.name!r} is no longer allowed")
        params = StdioServerParameters(command=server.command or "", args=list(server.args), env=env or None)
        return Client(params, read_timeout_seconds=server.timeout_s)
    return Client(_http_transport(unsealed_url(server.url) or "", env or {}), read_timeout_seconds=server.timeout_s)


def _literal(value: str) -> bool:
    """Anything but a bare vault reference (``${credentials.X}``, ``Bearer ${credentials.X}``)."""
    return not _SHOWN.fullmatch(value.strip())


def sealed_values(values: dict[str, str]) -> dict[str, str]:
    """env/headers as stored: literal values encrypted with the vault key (a DB dump shows
    no pasted secret); vault references stay readable."""
    return {key: vault.seal(value) if _literal(value) else value for key, value in values.items()}


def _map_query(url: str | None, change: Any, *, safe: str = "${}.*:") -> str | None:
    """``url`` with ``change`` applied to each query value (sealing, unsealing, masking)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    return urlunsplit(parts._replace(query=urlencode([(k, change(v)) for k, v in query], safe=safe)))


def sealed_url(url: str | None) -> str | None:
    """A server URL as stored: literal query values (``?api_key=...``) encrypted."""
    return _map_query(url, lambda v: vault.seal(v) if _literal(v) and v else v)


def reseal_servers(session: Session) -> int:
    """Every server's literals sealed with the newest key (key rotation; rows stored before
    literals were sealed get sealed). Returns how many rows; the caller commits."""
    rows = list(session.exec(select(McpServer)))
    for row in rows:
        row.env = {k: vault.reseal(v) if _literal(v) else v for k, v in row.env.items()}
        row.headers = {k: vault.reseal(v) if _literal(v) else v for k, v in row.headers.items()}
        row.url = _map_query(row.url, lambda v: vault.reseal(v) if _literal(v) and v else v)
        session.add(row)
    return len(rows)


def unsealed_url(url: str | None) -> str | None:
    """The URL the client connects to (query values decrypted)."""
    return _map_query(url, vault.unseal) if url and vault.SEALED in url else url


def resolve_env(
    session: Session, server: McpServer, *, purpose: str, ctx: ToolContext | None = None
) -> tuple[dict[str, str], list[str]]:
    """The stdio server's environment with ``${credentials.NAME}`` decrypted (each use audited).

    Returns ``(env, plaintext values)``; the values are scrubbed from tool results.
    """
    env: dict[str, str] = {}
    secrets: list[str] = []

    def expand(match: re.Match[str]) -> str:
        kind, secret = vault.decrypt_for(
            session,
            team_id=server.team_id,
            name=match.group(1),
            tool_name=f"mcp:{server.name}",
            purpose=purpose,
            call_key=ctx.call_key if ctx else None,
            project_id=ctx.project_id if ctx else None,
            task_id=ctx.task_id if ctx else None,
            agent_id=ctx.agent_id if ctx else None,
        )
        value = vault.header_value(kind, secret)
        secrets.append(value)
        return value

    source = server.env if server.transport == McpTransport.stdio.value else server.headers
    for key, value in source.items():
        plain = vault.unseal(value)
        if plain != value:  # a literal: the value reaches the server, and is scrubbed from results
            secrets.append(plain)
        env[key] = CREDENTIAL_REF.sub(expand, plain)
    return env, secrets


def _needs_secrets(server: McpServer) -> bool:
    return bool(server.env if server.transport == McpTransport.stdio.value else server.headers)


async def discover(server: McpServer, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """``[{"name", "description", "input_schema"}]`` as the server lists them."""

    async def listing() -> list[dict[str, Any]]:
        async with _client(server, env) as client:
            tools: list[dict[str, Any]] = []
            cursor: str | None = None
            for _ in range(50):
                page = await client.list_tools(cursor=cursor)
                tools.extend(
                    {"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
                    for t in page.tools
                )
                cursor = page.next_cursor
                if not cursor:
                    break
            return tools

    return await asyncio.wait_for(listing(), timeout=server.timeout_s + CONNECT_TIMEOUT_S)


class _Link:
    """One live MCP session per (event loop, server), owned by a background task.

    Calls are handed to the task and run concurrently on the session. Any transport or
    protocol failure, and any timeout, closes the link (for stdio: ends the server
    process); the next call opens a fresh one. This keeps calls at milliseconds instead
    of a process start each, and a crash still affects only the calls in flight.
    """

    def __init__(self, server: McpServer, env: dict[str, str] | None = None, secrets: list[str] | None = None) -> None:
        self.server = server
        self.env = env
        self.secrets = list(secrets or [])  # plaintext handed to the server: scrubbed from results
        self.loop = asyncio.get_running_loop()
        self.inbox: asyncio.Queue[tuple[str, dict[str, Any], asyncio.Future[Any]]] = asyncio.Queue()
        self.ready: asyncio.Future[None] = self.loop.create_future()
        self.pending: set[asyncio.Future[Any]] = set()
        self.closed = False
        self.task = self.loop.create_task(self._run(), name=f"mcp-link-{server.name}")

    def usable(self) -> bool:
        return not self.closed and not self.loop.is_closed() and self.loop is asyncio.get_running_loop()

    async def _run(self) -> None:
        try:
            async with _client(self.server, self.env) as client, anyio.create_task_group() as group:
                self.ready.set_result(None)
                while True:
                    tool, arguments, future = await self.inbox.get()
                    group.start_soon(self._one, client, tool, arguments, future, group.cancel_scope)
        except BaseException as exc:
            if not self.ready.done():
                self.ready.set_exception(exc if isinstance(exc, Exception) else ConnectionError("MCP link cancelled"))
            if not isinstance(exc, Exception):
                raise
        finally:
            self.closed = True
            for future in self.pending:
                if not future.done():
                    future.set_exception(ConnectionError("the MCP connection closed"))

    async def _one(
        self, client: Client, tool: str, arguments: dict[str, Any], future: asyncio.Future[Any], scope
    ) -> None:
        try:
            result = await client.call_tool(tool, arguments)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            scope.cancel()  # the session is suspect: close it
            return
        if not future.done():
            future.set_result(result)

    async def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        await asyncio.shield(self.ready)
        if self.closed:
            raise ConnectionError("the MCP connection closed")
        future: asyncio.Future[Any] = self.loop.create_future()
        self.pending.add(future)
        try:
            self.inbox.put_nowait((tool, arguments, future))
            return await asyncio.shield(future)
        finally:
            self.pending.discard(future)

    async def close(self) -> None:
        self.closed = True
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(self.task), timeout=10)


_LINKS: dict[tuple[uuid.UUID, str], _Link] = {}


def _fingerprint(server: McpServer) -> str:
    return json.dumps([server.transport, server.command, server.args, server.url, server.env, server.headers])


def usable_link(server: McpServer) -> _Link | None:
    link = _LINKS.get((server.id, _fingerprint(server)))
    return link if link is not None and link.usable() else None


def _link_for(server: McpServer, env: dict[str, str] | None = None, secrets: list[str] | None = None) -> _Link:
    link = usable_link(server)
    if link is None:
        link = _LINKS[(server.id, _fingerprint(server))] = _Link(server, env, secrets)
    return link


async def close_links() -> None:
    """Close every MCP connection of this event loop (worker shutdown)."""
    loop = asyncio.get_running_loop()
    for key, link in list(_LINKS.items()):
        if link.loop is loop:
            _LINKS.pop(key, None)
            await link.close()


async def call(
    server: McpServer,
    tool: str,
    arguments: dict[str, Any],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    secrets: list[str] | None = None,
) -> str:
    """Call one MCP tool over the pooled link (``env`` starts a new one); failures become
    ``ToolFailure``. ``secrets`` receives the plaintext the link's server was given."""
    link = _link_for(server, env, secrets)
    if secrets is not None:
        secrets.extend(link.secrets)
    try:
        # starting a server (a process, imports) gets its own budget; ``timeout`` is for the call
        await asyncio.wait_for(asyncio.shield(link.ready), timeout=max(timeout, CONNECT_TIMEOUT_S))
        result = await asyncio.wait_for(link.call(tool, arguments), timeout=timeout)
    except asyncio.CancelledError:  # the caller gave up: do not leave a possibly hung server behind
        link.loop.create_task(link.close())
        raise
    except TimeoutError as exc:
        await link.close()  # a hung server must not hold the next calls
        raise ToolFailure("timeout", f"MCP server {server.name!r} did not answer within {timeout:g} s") from exc
    except Exception as exc:  # connection closed, process died, bad command, HTTP error
        await link.close()
        if isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT:  # the session's own read timeout
            raise ToolFailure("timeout", f"MCP server {server.name!r} did not answer within {timeout:g} s") from exc
        refused = _host_refused(exc)
        if refused is not None:  # the operator's host policy: trying again will not help
            raise ToolFailure("mcp_unavailable", f"MCP server {server.name!r} is not allowed: {refused}") from exc
        raise ToolFailure(
            "mcp_unavailable", f"MCP server {server.name!r} failed: {_describe(exc)}; try again later"
        ) from exc
    texts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
    content = "\n".join(texts) if texts else json.dumps(result.structured_content or {}, default=str)
    if result.is_error:
        raise ToolFailure("mcp_tool_error", content or "the MCP tool reported an error")
    return content


def _host_refused(exc: BaseException | None) -> mcp_hosts.HostRefused | None:
    """The host-policy refusal inside a transport failure (exception groups, causes), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, mcp_hosts.HostRefused):
            return exc
        if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        else:
            exc = exc.__cause__ or exc.__context__
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


async def run_mcp(inv: Invocation) -> str:
    """Execution hook for ``kind == mcp`` tools."""
    from berrys_app.db import session_scope

    env: dict[str, str] | None = None
    spawned: list[str] = []
    with session_scope() as session:
        server = session.get(McpServer, inv.mcp_server_id) if inv.mcp_server_id else None
        if server is None:
            raise ToolFailure("mcp_unavailable", "the MCP server behind this tool was removed")
        session.expunge(server)
        if _needs_secrets(server) and usable_link(server) is None:  # a new connection gets its secrets now
            env, spawned = resolve_env(session, server, purpose="mcp_spawn", ctx=inv.ctx)
    timeout = float(inv.config.get("timeout_s", server.timeout_s))
    secrets: list[str] = list(spawned)
    try:
        return await call(server, inv.config["mcp_tool"], inv.arguments, timeout=timeout, env=env, secrets=secrets)
    finally:
        inv.secrets.extend(secrets)


# --- service functions -----------------------------------------------------------------------


def masked(values: dict[str, str]) -> dict[str, str]:
    """``env``/``headers`` as anyone may read them: write-only like credentials.

    A value that is only a ``${credentials.NAME}`` reference (or ``Bearer ${credentials.NAME}``)
    is shown; anything else could be a secret an admin pasted in, so only its key is.
    """
    return {key: MASK if _literal(value) else value for key, value in values.items()}


def masked_args(args: list[str]) -> list[str]:
    """A stdio server's arguments as members see them: bare flags (``--verbose``), paths
    and vault references shown; anything else (``--api-key=...``, a token) masked."""
    shown: list[str] = []
    for arg in args:
        flag, eq, value = arg.partition("=")
        if eq:
            shown.append(f"{flag}={value if not _literal(value) else MASK}" if flag.startswith("-") else MASK)
        elif arg.startswith(("-", "/")) or not _literal(arg):
            shown.append(arg)
        else:
            shown.append(MASK)
    return shown


def masked_url(url: str | None) -> str | None:
    """A server URL as anyone may read it: query values (``?api_key=...``) masked like ``env``."""
    return _map_query(url, lambda value: value if _SHOWN.fullmatch(value.strip()) else MASK, safe="${}.*")


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
    require_role(session, actor, team_id, Role.admin, what="team")
    if data.transport == McpTransport.stdio and not data.command:
        raise ValidationFailed("a stdio MCP server needs a command")
    if data.transport == McpTransport.stdio:
        _check_stdio_command(data.command or "")
    if data.transport == McpTransport.http and not (data.url or "").startswith(("http://", "https://")):
        raise ValidationFailed("an http MCP server needs an http:// or https:// url")
    if data.transport == McpTransport.http:
        await mcp_hosts.check_url(data.url or "")
    if data.env and data.transport != McpTransport.stdio:
        raise ValidationFailed("env is only for stdio MCP servers (use headers for http)")
    if data.headers and data.transport != McpTransport.http:
        raise ValidationFailed("headers are only for http MCP servers (use env for stdio)")
    if session.exec(select(McpServer).where(McpServer.name == data.name)).first():
        raise Conflict(f"an MCP server named {data.name!r} already exists")
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
    session.commit()
    await _sync_tools(session, row)
    events.emit(
        session,
        "mcp.registered",
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
    require_role(session, actor, team_id, Role.admin, what="team")
    row = _load(session, team_id, server_id)
    await _sync_tools(session, row)
    session.commit()
    return _public(row)


def stdio_command_allowed(command: str) -> bool:
    from berrys_app.settings import get_settings

    allowed = get_settings().mcp_stdio_commands
    return "*" in allowed or command in allowed


def _check_stdio_command(command: str) -> None:
    """A stdio server is a process on our machines: only commands the operator listed may run.

    Team admins are self-service (anyone can create a team), so without this list any
    registered user could run a program on the web and worker hosts.
    """
    if not stdio_command_allowed(command):
        raise Forbidden(
            f"the command {command[:100]!r} is not allowed for stdio MCP servers on this deployment "
            "(the operator lists allowed commands in BERRYS_MCP_STDIO_COMMANDS); use an http MCP server instead"
        )


def get_mcp_server(session: Session, actor: Actor, *, team_id: uuid.UUID, server_id: uuid.UUID) -> McpServerPublic:
    role = require_role(session, actor, team_id, Role.member, what="team")
    return _public(_load(session, team_id, server_id), admin=_admin(role))


def list_mcp_servers(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[McpServerPublic]:
    role = require_role(session, actor, team_id, Role.member, what="team")
    rows = session.exec(select(McpServer).where(McpServer.team_id == team_id).order_by(col(McpServer.name)))
    return [_public(row, admin=_admin(role)) for row in rows]


def delete_mcp_server(session: Session, actor: Actor, *, team_id: uuid.UUID, server_id: uuid.UUID) -> None:
    """Remove a server; its tools go with it (agents see ``unknown_tool``)."""
    require_role(session, actor, team_id, Role.admin, what="team")
    row = _load(session, team_id, server_id)
    for tool in session.exec(select(Tool).where(Tool.mcp_server_id == row.id)):
        session.delete(tool)
    session.flush()  # the tools first: the server's delete would cascade to them in the database
    session.delete(row)
    session.commit()


def _load(session: Session, team_id: uuid.UUID, server_id: uuid.UUID) -> McpServer:
    row = session.get(McpServer, server_id)
    if row is None or row.team_id != team_id:
        raise NotFound("MCP server not found")
    return row


async def _sync_tools(session: Session, row: McpServer) -> None:
    registry.ensure_builtins(session)  # commits on first use: not inside the savepoints below
    try:
        env, _ = resolve_env(session, row, purpose="mcp_discover") if _needs_secrets(row) else (None, [])
        listed = await discover(row, env)
    except ToolFailure as exc:
        row.status, row.last_error = "error", exc.message
        session.add(row)
        return
    except Exception as exc:
        row.status, row.last_error = "error", _describe(exc) if not isinstance(exc, TimeoutError) else "timeout"
        session.add(row)
        return
    names: list[str] = []
    skipped: list[str] = []
    for item in listed:
        name = registry_name(row.name, item["name"])
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
