"""http MCP servers reach only public hosts unless the operator lists them in
BERRYS_MCP_HTTP_HOSTS (checked at registration and on every connection); env/headers are
write-only in the one read view that REST and the dashboard share, and literals are
encrypted at rest."""

from __future__ import annotations

import json
import subprocess
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
    vault,
)
from berrys_app.services.tools.mcp import close_links
from berrys_app.services.tools.mcp_values import MASK, masked, masked_args, masked_url
from berrys_app.settings import get_settings
from tests.tools.mcp_http import SERVER, serve_http
from tests.tools.test_vault_http import _pg_dump


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
    ok = await execute_tool(world.approved_ctx(session, allowed=allowed), "older__shout", {"text": "allowed"})
    assert ok.ok and ok.content == "ALLOWED"

    http_hosts("")  # the operator tightens the list; the row predates it
    await close_links()  # a worker restart: the next call opens a new connection
    refused = await execute_tool(world.approved_ctx(session, allowed=allowed), "older__shout", {"text": "again"})
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
    """The view the REST routes and the dashboard's Tools page (ToolsState) both read. A stdio
    server's env takes vault references only; a literal stored before that rule stays sealed,
    masked, and is refused at spawn."""
    vaulted = CredentialCreate(name="berrytoken", kind="api_key", secret={"key": "vaulted-9a8b"})
    create_credential(session, world.admin, team_id=world.team_id, data=vaulted)
    session.commit()
    secret = "sk-live-5f1e2d3c4b5a"
    pasted = McpServerCreate(
        name="pasted", transport="stdio", command=sys.executable, args=[SERVER], env={"BERRY_TOKEN": secret}
    )
    with pytest.raises(ValidationFailed) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=pasted)
    assert "vault reference" in refused.value.message and secret not in refused.value.message
    legacy = McpServer(
        team_id=world.team_id,
        name="legacy",
        transport="stdio",
        command=sys.executable,
        args=[SERVER],
        env={"BERRY_TOKEN": vault.seal(secret)},
        tool_names=["legacy__token_tail"],
    )
    session.add(legacy)
    session.commit()
    views = [
        get_mcp_server(session, world.admin, team_id=world.team_id, server_id=legacy.id),
        *list_mcp_servers(session, world.admin, team_id=world.team_id),
        *list_mcp_servers(session, world.member, team_id=world.team_id),
    ]
    for view in views:
        assert view.env == {"BERRY_TOKEN": MASK}
        assert secret not in view.model_dump_json()
    refreshed = await refresh_mcp_server(session, world.admin, team_id=world.team_id, server_id=legacy.id)
    assert refreshed.status == "error" and "vault reference" in (refreshed.last_error or "")
    assert secret not in refreshed.model_dump_json()


async def test_database_dump_holds_no_literal_mcp_secret(session: Session, world, db_url) -> None:
    """env (stdio), headers and URL query values (http) pasted as literals are encrypted with
    the vault key: a pg_dump of the database contains none of them."""
    env_secret, header_secret, query_secret = "sk-env-7Hq2Lm9Pz4", "sk-hdr-3Jt8Wn1Ck6", "sk-qry-5Rb0Yv7Ds2"
    vaulted = CredentialCreate(name="berrytoken", kind="api_key", secret={"key": env_secret})
    create_credential(session, world.admin, team_id=world.team_id, data=vaulted)
    session.commit()
    stdio = McpServerCreate(
        name="dumped",
        transport="stdio",
        command=sys.executable,
        args=[SERVER],
        env={"BERRY_TOKEN": "${credentials.berrytoken}"},
    )
    created = await register_mcp_server(session, world.admin, team_id=world.team_id, data=stdio)
    assert created.status == "ok", created.last_error
    tail = await execute_tool(world.approved_ctx(session, allowed=["dumped__token_tail"]), "dumped__token_tail", {})
    assert tail.ok and tail.content == env_secret[-4:]
    with serve_http() as url:
        remote = McpServerCreate(
            name="dumped_http",
            transport="http",
            url=f"{url}?api_key={query_secret}",
            headers={"Authorization": f"Bearer {header_secret}"},
            timeout_s=10,
        )
        over_http = await register_mcp_server(session, world.admin, team_id=world.team_id, data=remote)
        assert over_http.status == "ok", over_http.last_error  # the server was reached with the decrypted URL
        auth = await execute_tool(
            world.approved_ctx(session, allowed=["dumped_http__auth_tail"]), "dumped_http__auth_tail", {}
        )
        assert auth.ok and auth.content == header_secret[-4:]
    await close_links()
    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run([_pg_dump(plain), "--data-only", plain], capture_output=True, text=True, check=True).stdout
    assert "dumped_http" in dump  # the dump really holds the servers
    for secret in (env_secret, header_secret, query_secret):
        assert secret not in dump and secret[-8:] not in dump


async def test_members_see_stdio_args_masked(session: Session, world, monkeypatch: pytest.MonkeyPatch) -> None:
    template = [sys.executable, "{script}", "--verbose", "{token}"]  # the operator's: a slot for a token
    monkeypatch.setenv("BERRYS_MCP_STDIO_COMMANDS", json.dumps([template]))
    get_settings.cache_clear()
    args = [SERVER, "--verbose", "plain-token-value"]
    data = McpServerCreate(name="argsy", transport="stdio", command=sys.executable, args=args)
    await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    monkeypatch.undo()
    get_settings.cache_clear()
    (admin_view,) = list_mcp_servers(session, world.admin, team_id=world.team_id)
    (member_view,) = list_mcp_servers(session, world.member, team_id=world.team_id)
    assert admin_view.args == args  # admins wrote them
    assert member_view.args == [SERVER, "--verbose", MASK]
    one = get_mcp_server(session, world.member, team_id=world.team_id, server_id=member_view.id)
    assert "plain-token-value" not in one.model_dump_json()
    shown = masked_args(["--api-key=sk-arg-1a2b3c4d", "--ref=${credentials.x}"])
    assert shown == [f"--api-key={MASK}", "--ref=${credentials.x}"]
