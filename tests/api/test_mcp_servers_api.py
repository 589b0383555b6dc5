"""MCP servers over REST: admins register (tools discovered), refresh and delete; members
read; other teams get 404; bad input 4xx; an unreachable server a clear 502 problem."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.tools import Tool
from berrys_app.services.tools import sandbox
from berrys_app.settings import get_settings
from tests.api.world import MCP_SERVER_SCRIPT, build_world, mcp_server_body


async def test_admin_registers_refreshes_and_deletes_a_server(client, session: Session) -> None:
    world = build_world(session)
    admin, member, viewer = world.people["admin"], world.people["member"], world.people["viewer"]
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"

    r = await client.post(base, json=mcp_server_body("berry"), headers=admin.headers)
    assert r.status_code == 201, r.text
    server = r.json()
    assert server["status"] == "ok" and {"berry__add", "berry__shout"} <= set(server["tool_names"])
    assert set(server) >= {"id", "team_id", "transport", "command", "last_error", "discovered_at"}

    listed = (await client.get(base, headers=member.headers)).json()
    assert "berry" in [s["name"] for s in listed["data"]] and listed["meta"]["total"] == len(listed["data"])
    assert (await client.get(base, headers=viewer.headers)).status_code == 403
    got = await client.get(f"{base}/{server['id']}", headers=member.headers)
    assert got.status_code == 200 and got.json()["tool_names"] == server["tool_names"]

    r = await client.post(f"{base}/{server['id']}/refresh", headers=member.headers)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.post(f"{base}/{server['id']}/refresh", headers=admin.headers)
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["tool_names"] == server["tool_names"]

    r = await client.delete(f"{base}/{server['id']}", headers=admin.headers)
    assert r.status_code == 204
    r = await client.get(f"{base}/{server['id']}", headers=admin.headers)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    session.expire_all()
    assert session.exec(select(Tool).where(Tool.name == "berry__add")).first() is None
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.target_id == server["id"])).all()
    assert sorted(actions) == ["mcp_server.deleted", "mcp_server.registered"]


async def test_other_teams_servers_are_not_found(client, session: Session) -> None:
    world = build_world(session)
    outsider = world.people["outsider"]
    r = await client.post("/api/v1/teams", json={"name": "B"}, headers=outsider.headers)
    team_b = r.json()["id"]
    server_a = world.mcp_server_id
    for method, url in (
        ("GET", f"/api/v1/teams/{team_b}/mcp-servers/{server_a}"),
        ("DELETE", f"/api/v1/teams/{team_b}/mcp-servers/{server_a}"),
        ("POST", f"/api/v1/teams/{team_b}/mcp-servers/{server_a}/refresh"),
        ("GET", f"/api/v1/teams/{world.team_a}/mcp-servers/{server_a}"),
    ):
        r = await client.request(method, url, headers=outsider.headers)
        assert r.status_code == 404 and r.json()["code"] == "not_found", (method, url, r.text)
        assert str(server_a) not in r.text
    listed = (await client.get(f"/api/v1/teams/{team_b}/mcp-servers", headers=outsider.headers)).json()
    assert listed["data"] == []


async def test_bad_input_is_a_precise_4xx(client, session: Session) -> None:
    world = build_world(session)
    admin = world.people["admin"]
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"
    cases = [
        ({**mcp_server_body(), "transport": "ftp"}, 422, "validation_error"),
        ({**mcp_server_body(), "name": "9 bad name"}, 422, "validation_error"),
        ({**mcp_server_body(), "command": None}, 422, "validation_error"),
        ({"name": "web", "transport": "http", "url": "ftp://example.com"}, 422, "validation_error"),
        ({**mcp_server_body(), "command": "/bin/sh", "args": ["-c", "id"]}, 403, "forbidden"),
    ]
    for body, status, code in cases:
        r = await client.post(base, json=body, headers=admin.headers)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
        assert r.json()["message"] and r.headers["X-Request-ID"] == r.json()["request_id"]
    r = await client.post(base, json={**mcp_server_body(), "command": "/bin/sh"}, headers=admin.headers)
    assert "BERRYS_MCP_STDIO_COMMANDS" in r.json()["message"]
    taken = (await client.get(f"{base}/{world.mcp_server_id}", headers=admin.headers)).json()["name"]
    r = await client.post(base, json=mcp_server_body(taken), headers=admin.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = await client.post(base, json=mcp_server_body(), headers=world.people["member"].headers)
    assert r.status_code == 403


async def test_unreachable_server_is_a_502_problem_and_can_be_fixed(client, session: Session, readable_tmp) -> None:
    world = build_world(session)
    admin = world.people["admin"]
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"
    broken = readable_tmp / "broken.py"
    broken.write_text("import sys\nsys.exit(1)\n")
    body = {**mcp_server_body("flaky"), "args": [str(broken)], "command": sys.executable}

    r = await client.post(base, json=body, headers=admin.headers)
    assert r.status_code == 502, r.text
    problem = r.json()
    assert problem["code"] == "mcp_unreachable" and "could not be reached" in problem["message"]
    assert problem["details"]["status"] == "error" and problem["details"]["last_error"]
    server_id = problem["details"]["server_id"]
    stored = (await client.get(f"{base}/{server_id}", headers=admin.headers)).json()
    assert stored["status"] == "error" and stored["tool_names"] == []

    r = await client.post(
        base,
        json={"name": "gone", "transport": "http", "url": "http://127.0.0.1:9/mcp", "timeout_s": 5},
        headers=admin.headers,
    )
    assert r.status_code == 502 and r.json()["code"] == "mcp_unreachable", r.text

    broken.write_text(Path(MCP_SERVER_SCRIPT).read_text())  # fixed: refresh discovers the tools
    r = await client.post(f"{base}/{server_id}/refresh", headers=admin.headers)
    assert r.status_code == 200 and "flaky__add" in r.json()["tool_names"]


async def test_env_and_headers_are_write_only_over_rest(client, session: Session) -> None:
    """A stdio server's env takes vault references only: a pasted literal is a 422 that does
    not echo it; a reference is shown back as written."""
    world = build_world(session)
    admin, member, viewer = world.people["admin"], world.people["member"], world.people["viewer"]
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"
    secret = "sk-live-pasted-4c3b2a19"
    body = {**mcp_server_body("pasted"), "env": {"BERRY_TOKEN": secret}}
    r = await client.post(base, json=body, headers=admin.headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    assert "vault reference" in r.json()["message"] and secret not in r.text
    credential = {"name": "berrytoken", "kind": "api_key", "secret": {"key": secret}}
    r = await client.post(f"/api/v1/teams/{world.team_a}/credentials", json=credential, headers=admin.headers)
    assert r.status_code == 201, r.text
    body = {**mcp_server_body("vaulted"), "env": {"BERRY_TOKEN": "${credentials.berrytoken}"}}
    r = await client.post(base, json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    server_id = r.json()["id"]
    for person in (admin, member):
        for url in (base, f"{base}/{server_id}"):
            got = await client.get(url, headers=person.headers)
            assert got.status_code == 200 and "${credentials.berrytoken}" in got.text, (url, got.text)
    for url in (base, f"{base}/{server_id}"):
        assert (await client.get(url, headers=viewer.headers)).status_code == 403


async def test_http_servers_on_internal_hosts_need_the_operator_list(client, session: Session, monkeypatch) -> None:
    world = build_world(session)
    admin = world.people["admin"]
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"
    loopback = {"name": "local", "transport": "http", "url": "http://127.0.0.1:9/mcp", "timeout_s": 5}
    monkeypatch.setenv("BERRYS_MCP_HTTP_HOSTS", "")
    get_settings.cache_clear()
    try:
        r = await client.post(base, json=loopback, headers=admin.headers)
        assert (r.status_code, r.json()["code"]) == (403, "forbidden"), r.text
        assert "'127.0.0.1'" in r.json()["message"] and "BERRYS_MCP_HTTP_HOSTS" in r.json()["message"]
        metadata = {**loopback, "name": "meta", "url": "http://169.254.169.254/latest/meta-data/"}
        r = await client.post(base, json=metadata, headers=admin.headers)
        assert r.status_code == 403 and "'169.254.169.254'" in r.json()["message"], r.text

        monkeypatch.setenv("BERRYS_MCP_HTTP_HOSTS", "127.0.0.1")
        get_settings.cache_clear()
        r = await client.post(base, json=loopback, headers=admin.headers)
        assert r.status_code == 502 and r.json()["code"] == "mcp_unreachable", r.text  # allowed; nobody listens
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_a_host_that_cannot_sandbox_stdio_servers_refuses_them(client, session: Session, monkeypatch) -> None:
    world = build_world(session)
    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)  # the probe's answer only
    base = f"/api/v1/teams/{world.team_a}/mcp-servers"
    r = await client.post(base, json=mcp_server_body(), headers=world.people["admin"].headers)
    assert (r.status_code, r.json()["code"]) == (409, "conflict"), r.text
    assert "this host cannot sandbox stdio MCP servers" in r.json()["message"]
