"""Credentials are bound to hosts (and optionally header names): an http tool sends one only
there, whatever its own allowlist; one with no hosts (stored before binding existed) is sent
nowhere until an admin sets them (REST ``PUT .../credentials/{id}/binding``)."""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.domain.tools import CredentialCreate
from berrys_app.services.tools import create_credential, execute_tool
from tests.tools.conftest import FULL_HTTP_PARAMETERS, bearer, register_http_tool

TOKEN = "bound-token-Aq19Zx28"


def _setup(session: Session, world, hosts: list[str], **binding) -> str:
    register_http_tool(session, world, hosts, name="partner_api", parameters=FULL_HTTP_PARAMETERS)
    created = create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(name="partner", kind="bearer", secret={"token": TOKEN}, **binding),
    )
    session.commit()
    return str(created.id)


def _call(url: str, header: str = "Authorization") -> dict:
    return {"method": "GET", "url": url, "headers": {header: "Bearer ${credentials.partner}"}}


async def test_a_credential_without_hosts_is_sent_nowhere_until_an_admin_binds_it(
    session: Session,
    world,
    http_server,
    api,
) -> None:
    credential_id = _setup(session, world, [http_server.host])
    refused = await execute_tool(world.ctx(allowed=["partner_api"]), "partner_api", _call(f"{http_server.url}/a"))
    assert refused.error_code == "credential_host_refused"
    assert "no allowed hosts" in refused.content and "admin" in refused.content
    assert http_server.requests == []

    url = f"/api/v1/teams/{world.team_id}/credentials/{credential_id}/binding"
    body = {"allowed_hosts": [http_server.host]}
    assert (await api.put(url, json=body, headers=bearer(world.member))).status_code == 403
    star = await api.put(url, json={"allowed_hosts": ["*"]}, headers=bearer(world.admin))
    assert star.status_code == 422 and "no bare *" in star.text
    bound = await api.put(url, json=body, headers=bearer(world.admin))
    assert bound.status_code == 200 and bound.json()["allowed_hosts"] == [http_server.host]
    assert TOKEN not in bound.text

    sent = await execute_tool(world.ctx(allowed=["partner_api"]), "partner_api", _call(f"{http_server.url}/a"))
    assert sent.ok, sent.content
    assert http_server.requests[-1]["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_other_hosts_and_unlisted_headers_are_refused_whatever_the_tool_allows(
    session: Session, world, http_server
) -> None:
    _setup(session, world, ["127.0.0.1"], allowed_hosts=[http_server.host], header_names=["X-Partner"])
    other_port = http_server.url.rsplit(":", 1)[0] + ":1"
    foreign = await execute_tool(
        world.ctx(allowed=["partner_api"]), "partner_api", _call(f"{other_port}/a", "X-Partner")
    )
    assert foreign.error_code == "credential_host_refused" and http_server.host in foreign.content
    wrong_header = await execute_tool(world.ctx(allowed=["partner_api"]), "partner_api", _call(f"{http_server.url}/b"))
    assert wrong_header.error_code == "credential_host_refused" and "x-partner" in wrong_header.content
    assert http_server.requests == []
    ok = await execute_tool(
        world.ctx(allowed=["partner_api"]), "partner_api", _call(f"{http_server.url}/c", "x-partner")
    )
    assert ok.ok and http_server.requests[-1]["headers"]["x-partner"] == f"Bearer {TOKEN}"


async def test_a_gated_call_that_would_be_refused_asks_nobody(session: Session, world, http_server) -> None:
    register_http_tool(
        session, world, ["127.0.0.1"], name="payments", parameters=FULL_HTTP_PARAMETERS, side_effects=True
    )  # default approval policy: side-effect calls wait for a person
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(
            name="partner", kind="bearer", secret={"token": TOKEN}, allowed_hosts=["api.example.com"]
        ),
    )
    session.commit()
    refused = await execute_tool(world.ctx(allowed=["payments"]), "payments", _call(f"{http_server.url}/pay"))
    assert refused.error_code == "credential_host_refused"
    plain = await execute_tool(world.ctx(allowed=["payments"]), "payments", {"method": "POST", "url": http_server.url})
    assert plain.error_code == "approval_required"  # outside a task there is nobody to wait
    assert http_server.requests == []
