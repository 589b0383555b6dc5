"""http MCP servers reach only public hosts unless the operator lists them in
BERRYS_MCP_HTTP_HOSTS (checked at registration and on every connection); env/headers are
write-only in the one read view that REST and the dashboard share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import CredentialCreate, McpServer, McpServerCreate
from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.tools import (
    create_credential,
    execute_tool,
    get_mcp_server,
    list_mcp_servers,
    refresh_mcp_server,
    register_mcp_server,
)
from berrys_app.services.tools.mcp import MASK, close_links, masked, masked_url
from berrys_app.settings import get_settings
from tests.tools.mcp_http import SERVER, serve_http


@pytest.fixture
def http_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set BERRYS_MCP_HTTP_HOSTS as an operator would (restored afterwards)."""

    def set_hosts(value: str) -> None:
        monkeypatch.setenv("BERRYS_MCP_HTTP_HOSTS", value)
        get_settings.cache_clear()

    yield set_hosts
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def http_mcp_url() -> Iterator[str]:
    with serve_http() as url:
        yield url


def _http(name: str, url: str) -> McpServerCreate:
    return McpServerCreate(name=name, transport="http", url=url, timeout_s=10)


async def test_loopback_is_refused_without_the_allowlist_and_accepted_with_it(
    session: Session, world, http_hosts, http_mcp_url: str
) -> None:
    http_hosts("")
    with pytest.raises(Forbidden) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=_http("local", http_mcp_url))
    assert "'127.0.0.1'" in refused.value.message and "BERRYS_MCP_HTTP_HOSTS" in refused.value.message
    assert list_mcp_servers(session, world.admin, team_id=world.team_id) == []  # nothing stored

    http_hosts("example.org, 127.0.0.1")
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_http("local", http_mcp_url))
    assert server.status == "ok", server.last_error
    assert "local__shout" in server.tool_names


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.1.2.3:8080/mcp",  # private network
        "http://[::1]:8080/mcp",  # IPv6 loopback
        "http://[::ffff:127.0.0.1]:8080/mcp",  # loopback dressed as IPv6
        "http://0.0.0.0:8080/mcp",
        "http://localhost:8080/mcp",  # a name is judged by what it resolves to
    ],
)
async def test_internal_hosts_are_refused_at_registration(session: Session, world, http_hosts, url: str) -> None:
    http_hosts("127.0.0.1")  # the loopback address is listed, the others (and the name localhost) are not
    with pytest.raises(Forbidden) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=_http("inner", url))
    assert "internal address" in refused.value.message and "BERRYS_MCP_HTTP_HOSTS" in refused.value.message


async def test_listed_patterns_admit_internal_hosts(session: Session, world, http_hosts) -> None:
    for listed in ("localhost:9", "*"):
        http_hosts(listed)
        server = await register_mcp_server(
            session, world.admin, team_id=world.team_id, data=_http("closed", "http://localhost:9/mcp")
        )
        assert server.status == "error"  # past the host check; nothing listens on port 9
        row = session.get(McpServer, server.id)
        session.delete(row)
        session.commit()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://u:secret@127.0.0.1:9/mcp", "${credentials.NAME}"),
        ("https://xn--/mcp", "not a valid URL"),
        ("http://999.1.1.1/mcp", "not a valid URL"),
    ],
)
async def test_bad_urls_are_precise_validation_errors(session: Session, world, url: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=_http("bad", url))
    assert says in refused.value.message


async def test_connections_are_checked_again_after_the_list_is_tightened(
    session: Session, world, http_hosts, http_mcp_url: str
) -> None:
    http_hosts("127.0.0.1")
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_http("older", http_mcp_url))
    allowed = ["older__shout"]
    ok = await execute_tool(world.ctx(allowed=allowed), "older__shout", {"text": "allowed"})
    assert ok.ok and ok.content == "ALLOWED"

    http_hosts("")  # the operator tightens the list; the row predates it
    await close_links()  # a worker restart: the next call opens a new connection
    refused = await execute_tool(world.ctx(allowed=allowed), "older__shout", {"text": "again"})
    assert (refused.ok, refused.error_code) == (False, "mcp_unavailable")
    assert "is not allowed" in refused.content and "try again" not in refused.content
    assert "'127.0.0.1'" in refused.content and "BERRYS_MCP_HTTP_HOSTS" in refused.content
    again = await refresh_mcp_server(session, world.admin, team_id=world.team_id, server_id=server.id)
    assert again.status == "error" and "BERRYS_MCP_HTTP_HOSTS" in (again.last_error or "")


def test_masked_shows_only_vault_references() -> None:
    values = {
        "REF": "${credentials.berrytoken}",
        "Authorization": "Bearer ${credentials.remote_key}",
        "PLAIN": "sk-live-0123456789",
        "MIXED": "sk-live-0123${credentials.berrytoken}",
        "TWO": "${credentials.a}${credentials.b}",
        "EMPTY": "",
    }
    assert masked(values) == {
        "REF": "${credentials.berrytoken}",
        "Authorization": "Bearer ${credentials.remote_key}",
        "PLAIN": MASK,
        "MIXED": MASK,
        "TWO": MASK,
        "EMPTY": MASK,
    }


def test_masked_url_hides_query_values_but_keeps_the_address() -> None:
    url = "https://mcp.example.com:8443/mcp?api_key=sk-live-99&team=${credentials.team_ref}"
    shown = masked_url(url)
    assert "sk-live-99" not in shown
    assert shown.startswith("https://mcp.example.com:8443/mcp?api_key=")
    assert "team=${credentials.team_ref}" in shown
    assert masked_url("https://mcp.example.com/mcp") == "https://mcp.example.com/mcp"


async def test_read_views_never_return_literal_env_values(session: Session, world) -> None:
    """The view the REST routes and the dashboard's Tools page (ToolsState) both read."""
    secret = "sk-live-5f1e2d3c4b5a"
    vaulted = CredentialCreate(name="berrytoken", kind="api_key", secret={"key": "vaulted-9a8b"})
    create_credential(session, world.admin, team_id=world.team_id, data=vaulted)
    env = {"BERRY_TOKEN": secret, "OTHER": "${credentials.berrytoken}"}
    data = McpServerCreate(name="pasted", transport="stdio", command=sys.executable, args=[SERVER], env=env)
    created = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert created.status == "ok", created.last_error
    views = [
        created,
        get_mcp_server(session, world.admin, team_id=world.team_id, server_id=created.id),
        *list_mcp_servers(session, world.admin, team_id=world.team_id),
        *list_mcp_servers(session, world.member, team_id=world.team_id),
    ]
    for view in views:
        assert view.env == {"BERRY_TOKEN": MASK, "OTHER": "${credentials.berrytoken}"}
        assert secret not in view.model_dump_json()
    assert session.get(McpServer, created.id).env["BERRY_TOKEN"] == secret  # stored: the server still gets it
    tail = await execute_tool(world.ctx(allowed=["pasted__token_tail"]), "pasted__token_tail", {})
    assert tail.ok and tail.content == secret[-4:]
