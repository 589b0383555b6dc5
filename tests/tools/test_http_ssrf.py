"""http tools and SSRF: a team http tool may not allowlist (or reach) loopback, private or
metadata addresses unless the operator lists the host in BERRYS_HTTP_INTERNAL_HOSTS (the
tests list 127.0.0.1, like BERRYS_MCP_HTTP_HOSTS); the built-in ``http_request`` calls the
hosts the operator allows in BERRYS_HTTP_ALLOWED_HOSTS."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.tools import execute_tool
from berrys_app.services.tools.registry import check_config
from tests.tools.conftest import register_http_tool


def _http_tool(session: Session, world, hosts: list[str], name: str = "internal_api") -> None:
    register_http_tool(session, world, hosts, name=name)


def test_internal_hosts_are_refused_at_registration(operator) -> None:
    operator("BERRYS_HTTP_INTERNAL_HOSTS", "")
    for entry in ("169.254.169.254", "127.0.0.1:6379", "localhost", "10.0.0.7", "[::1]:5432", "192.168.1.1"):
        with pytest.raises(Forbidden) as refused:
            check_config("http", {"allowed_hosts": [entry]})
        assert "BERRYS_HTTP_INTERNAL_HOSTS" in refused.value.message
    check_config("http", {"allowed_hosts": ["api.example.com", "*.example.org", "93.184.215.14:443"]})
    with pytest.raises(ValidationFailed):
        check_config("http", {"allowed_hosts": ["api.example.com"], "operator_hosts": True})  # the built-in's key


def test_operator_listed_internal_host_may_be_registered(operator) -> None:
    operator("BERRYS_HTTP_INTERNAL_HOSTS", "127.0.0.1, metrics.internal:8080")
    check_config("http", {"allowed_hosts": ["127.0.0.1:6379", "metrics.internal:8080"]})
    with pytest.raises(Forbidden):
        check_config("http", {"allowed_hosts": ["169.254.169.254"]})


async def test_dialled_address_is_checked_on_every_connection(session: Session, world, http_server, operator) -> None:
    """A tool stored while the operator trusted loopback is refused once the listing is gone
    (the same check catches a public name re-pointed at an internal address)."""
    _http_tool(session, world, [http_server.host])
    ok = await execute_tool(
        world.ctx(allowed=["internal_api"]), "internal_api", {"method": "GET", "url": f"{http_server.url}/a"}
    )
    assert ok.ok and ok.content.startswith("HTTP 200")
    operator("BERRYS_HTTP_INTERNAL_HOSTS", "")
    refused = await execute_tool(
        world.ctx(allowed=["internal_api"]), "internal_api", {"method": "GET", "url": f"{http_server.url}/b"}
    )
    assert (refused.ok, refused.error_code) == (False, "host_not_allowed")
    assert "internal address" in refused.content and "BERRYS_HTTP_INTERNAL_HOSTS" in refused.content
    assert http_server.count("/a") == 1 and http_server.count("/b") == 0


async def test_builtin_http_request_calls_operator_allowed_hosts(
    session: Session, world, http_server, operator
) -> None:
    refused = await execute_tool(world.ctx(), "http_request", {"method": "GET", "url": f"{http_server.url}/x"})
    assert refused.error_code == "host_not_allowed" and http_server.count("/x") == 0
    operator("BERRYS_HTTP_ALLOWED_HOSTS", http_server.host)
    result = await execute_tool(
        world.approved_ctx(session), "http_request", {"method": "POST", "url": f"{http_server.url}/x", "body": "hello"}
    )
    assert result.ok, result.content
    assert result.content.startswith("HTTP 200") and '"body": "hello"' in result.content
    assert http_server.count("/x") == 1
    operator("BERRYS_HTTP_ALLOWED_HOSTS", "*")  # any host, still not an internal one the operator did not list
    operator("BERRYS_HTTP_INTERNAL_HOSTS", "")
    internal = await execute_tool(
        world.approved_ctx(session), "http_request", {"method": "GET", "url": f"{http_server.url}/y"}
    )
    assert internal.error_code == "host_not_allowed" and http_server.count("/y") == 0
