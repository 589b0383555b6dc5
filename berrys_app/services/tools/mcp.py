"""The client side of MCP servers (stdio process or streamable HTTP URL): discovering a
server's tools and calling them over one pooled link per server, with the server's secrets
decrypted only when a connection opens. Registration and listing live in ``mcp_servers``.

Each link is its own connection (for stdio: a server process), so a server that crashes fails
the calls in flight with ``mcp_unavailable`` and nothing else. Error texts never carry a
decrypted secret (``mcp_values.masked_error``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp_types import REQUEST_TIMEOUT
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.tools import McpServer, McpTransport
from berrys_app.services.errors import ServiceError
from berrys_app.services.tools import mcp_hosts, mcp_stdio, vault
from berrys_app.services.tools.context import Invocation, ToolContext, ToolFailure
from berrys_app.services.tools.http_tool import CREDENTIAL_REF
from berrys_app.services.tools.mcp_values import masked_error, unsealed_url, url_secrets
from berrys_app.settings import get_settings

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class Resolved:
    """What a new connection is given: the stdio environment or the http headers, the URL with
    its query values decrypted, and every plaintext among them (masked in results and errors)."""

    values: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    secrets: list[str] = field(default_factory=list)


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


@asynccontextmanager
async def _client(server: McpServer, resolved: Resolved) -> AsyncIterator[Client]:
    """A connected client; for stdio its server process runs in the sandbox (``spawn_parameters``)
    for as long as the block lasts."""
    if server.transport != McpTransport.stdio.value:
        http = _http_transport(resolved.url or "", resolved.values)
        async with Client(http, read_timeout_seconds=server.timeout_s) as client:
            yield client
        return
    try:  # the operator's lists may have shrunk since the server was registered
        spawn = mcp_stdio.spawn_parameters(server, resolved.values)
    except ServiceError as exc:
        raise ToolFailure("mcp_unavailable", f"MCP server {server.name!r} is no longer allowed: {exc.message}") from exc
    async with spawn as params, Client(params, read_timeout_seconds=server.timeout_s) as client:
        yield client


def resolve(session: Session, server: McpServer, *, purpose: str, ctx: ToolContext | None = None) -> Resolved:
    """The connection's env (stdio) or headers (http) and URL query values with
    ``${credentials.NAME}`` and sealed literals decrypted (each vault use audited)."""
    resolved = Resolved()

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
        resolved.secrets.append(value)
        return value

    source = server.env if server.transport == McpTransport.stdio.value else server.headers
    for key, value in source.items():
        plain = vault.unseal(value)
        if plain != value:  # a literal: the value reaches the server, and is masked everywhere else
            resolved.secrets.append(plain)
        resolved.values[key] = CREDENTIAL_REF.sub(expand, plain)
    if server.url:
        resolved.secrets.extend(url_secrets(server.url))
        resolved.url = CREDENTIAL_REF.sub(expand, unsealed_url(server.url) or "")
    return resolved


async def discover(server: McpServer, resolved: Resolved) -> list[dict[str, Any]]:
    """``[{"name", "description", "input_schema"}]`` as the server lists them."""

    async def listing() -> list[dict[str, Any]]:
        async with _client(server, resolved) as client:
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

    return await asyncio.wait_for(listing(), timeout=server.timeout_s + get_settings().mcp_connect_timeout_s)


class _Link:
    """One live MCP session per (event loop, server), owned by a background task.

    Calls are handed to the task and run concurrently on the session. Any transport or
    protocol failure, and any timeout, closes the link (for stdio: ends the server
    process); the next call opens a fresh one. This keeps calls at milliseconds instead
    of a process start each, and a crash still affects only the calls in flight.
    """

    def __init__(self, server: McpServer, resolved: Resolved) -> None:
        self.server = server
        self.resolved = resolved
        self.secrets = list(resolved.secrets)  # plaintext handed to the server: masked in results
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
            async with _client(self.server, self.resolved) as client, anyio.create_task_group() as group:
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


def _link_for(server: McpServer, resolved: Resolved | None) -> _Link:
    link = usable_link(server)
    if link is None:
        link = _LINKS[(server.id, _fingerprint(server))] = _Link(server, resolved or Resolved())
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
    resolved: Resolved | None = None,
    secrets: list[str] | None = None,
) -> str:
    """Call one MCP tool over the pooled link (``resolved`` opens a new one when none is
    usable); failures become ``ToolFailure``. ``secrets`` receives the plaintext the link's
    server was given."""
    link = _link_for(server, resolved)
    if secrets is not None:
        secrets.extend(link.secrets)
    try:
        # starting a server (a process, imports) gets its own budget; ``timeout`` is for the call
        await asyncio.wait_for(asyncio.shield(link.ready), timeout=max(timeout, get_settings().mcp_connect_timeout_s))
        result = await asyncio.wait_for(link.call(tool, arguments), timeout=timeout)
    except asyncio.CancelledError:  # the caller gave up: do not leave a possibly hung server behind
        link.loop.create_task(link.close())
        raise
    except TimeoutError as exc:
        await link.close()  # a hung server must not hold the next calls
        raise ToolFailure("timeout", f"MCP server {server.name!r} did not answer within {timeout:g} s") from exc
    except ToolFailure as exc:  # refused before connecting (the operator's lists)
        await link.close()
        raise ToolFailure(exc.code, masked_error(exc.message, link.secrets)) from exc
    except Exception as exc:  # connection closed, process died, bad command, HTTP error
        await link.close()
        if isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT:  # the session's own read timeout
            raise ToolFailure("timeout", f"MCP server {server.name!r} did not answer within {timeout:g} s") from exc
        refused = _host_refused(exc)
        if refused is not None:  # the operator's host policy: trying again will not help
            raise ToolFailure("mcp_unavailable", f"MCP server {server.name!r} is not allowed: {refused}") from exc
        raise ToolFailure(
            "mcp_unavailable", f"MCP server {server.name!r} failed: {describe(exc, link.secrets)}; try again later"
        ) from exc
    texts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
    content = "\n".join(texts) if texts else json.dumps(result.structured_content or {}, default=str)
    if result.is_error:
        raise ToolFailure("mcp_tool_error", masked_error(content, link.secrets) or "the MCP tool reported an error")
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


def describe(exc: BaseException, secrets: list[str]) -> str:
    """A failure as one short line, with every secret of the connection masked."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return describe(exc.exceptions[0], secrets)
    if isinstance(exc, ToolFailure):
        return masked_error(exc.message, secrets)[:300]
    text = masked_error(str(exc).strip(), secrets)
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


async def run_mcp(inv: Invocation) -> str:
    """Execution hook for ``kind == mcp`` tools."""

    resolved: Resolved | None = None
    with session_scope() as session:
        server = session.get(McpServer, inv.mcp_server_id) if inv.mcp_server_id else None
        if server is None:
            raise ToolFailure("mcp_unavailable", "the MCP server behind this tool was removed")
        session.expunge(server)
        if usable_link(server) is None:  # a new connection gets its secrets now
            resolved = resolve(session, server, purpose="mcp_spawn", ctx=inv.ctx)
    timeout = float(inv.config.get("timeout_s", server.timeout_s))
    secrets: list[str] = []
    try:
        return await call(
            server, inv.config["mcp_tool"], inv.arguments, timeout=timeout, resolved=resolved, secrets=secrets
        )
    finally:
        inv.secrets.extend(secrets)
