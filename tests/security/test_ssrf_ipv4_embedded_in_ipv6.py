"""Attack: reach the operator's loopback or private network through an IPv6 literal that
carries an IPv4 address — 6to4 (2002::/16), NAT64 (64:ff9b::/96), IPv4-compatible
(``::a.b.c.d``), IPv4-mapped (``::ffff:a.b.c.d``) — which Python's ``is_global`` judges by the
IPv6 range alone (6to4 and NAT64 count as global there). Every such address, and every
non-global range, is internal: refused for http tools and http MCP servers, at registration and
on every connection."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.errors import Forbidden
from berrys_app.services.tools import execute_tool, list_mcp_servers, register_mcp_server
from berrys_app.services.tools.registry import check_config

EMBEDDED = [
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::a00:1",  # local-use NAT64 (RFC 8215)
    "::127.0.0.1",  # IPv4-compatible loopback
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "100::1",  # discard-only
    "2001:db8::1",  # documentation
]


@pytest.mark.parametrize("address", EMBEDDED)
def test_an_http_tool_cannot_list_an_ipv6_address_carrying_an_internal_one(address: str) -> None:
    with pytest.raises(Forbidden) as refused:
        check_config("http", {"allowed_hosts": [f"[{address}]:6379"]})
    assert "internal address" in refused.value.message


@pytest.mark.parametrize("address", EMBEDDED)
async def test_an_http_mcp_server_cannot_be_on_such_an_address(session: Session, world, address: str) -> None:
    data = McpServerCreate(name="meta", transport="http", url=f"http://[{address}]:8080/mcp", timeout_s=3)
    with pytest.raises(Forbidden) as refused:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert "internal address" in refused.value.message
    assert list_mcp_servers(session, world.admin, team_id=world.team_id) == []


@pytest.mark.parametrize("address", ["2002:7f00:1::", "64:ff9b::7f00:1", "::127.0.0.1"])
async def test_the_dialled_address_is_refused_on_every_connection(session: Session, world, operator, address):
    operator("BERRYS_HTTP_ALLOWED_HOSTS", "*")  # the built-in http_request may call any public host
    result = await execute_tool(
        world.approved_ctx(session), "http_request", {"method": "GET", "url": f"http://[{address}]:6379/"}
    )
    assert (result.ok, result.error_code) == (False, "host_not_allowed"), result.content
    assert "internal address" in result.content
