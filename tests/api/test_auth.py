"""Register, login, token expiry, refresh rotation, problem JSON, request ids."""

from __future__ import annotations

import time

from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from berrys_app.services import tokens


async def test_register_login_me_roundtrip(client, session: Session) -> None:
    r = await client.post(
        "/api/v1/auth/register", json={"email": "Ann@Example.com", "password": "s3cret-pass", "name": "Ann"}
    )
    assert r.status_code == 202, r.text
    assert "confirm your address" in r.json()["message"]
    r = await client.post("/api/v1/auth/token", json={"email": "ann@example.com", "password": "s3cret-pass"})
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] > 0
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["email"] == "ann@example.com"
    assert [t["role"] for t in me["teams"]] == ["owner"]  # the personal team


async def test_bad_register_input_is_a_problem(client) -> None:
    """(Registering a taken address answers like a new one: tests/security/test_identity_register_reveals_email.py.)"""
    r = await client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": "short"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert r.json()["request_id"] == r.headers["x-request-id"]
    r = await client.post("/api/v1/auth/register", json={"email": "not-an-email", "password": "long-enough-1"})
    assert r.status_code == 422 and r.json()["details"] == {"field": "email"}
    r = await client.post("/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_wrong_password_is_401_and_audited(client, session: Session) -> None:
    await client.post("/api/v1/auth/register", json={"email": "cy@example.com", "password": "right-password"})
    r = await client.post("/api/v1/auth/token", json={"email": "cy@example.com", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    rows = session.exec(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).all()
    assert len(rows) == 1 and rows[0].ip == "10.1.2.3" and rows[0].success is False


async def test_expired_access_token_is_refused_and_refresh_rotates(client, session: Session) -> None:
    await client.post("/api/v1/auth/register", json={"email": "di@example.com", "password": "right-password"})
    pair = (
        await client.post("/api/v1/auth/token", json={"email": "di@example.com", "password": "right-password"})
    ).json()
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()
    import uuid

    expired = tokens.issue_access_token(uuid.UUID(me["id"]), now=time.time() - 3600, ttl_s=60)
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"

    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["refresh_token"] != pair["refresh_token"]
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    ).status_code == 200

    # replaying the old refresh token after the grace window for concurrent holders is theft:
    # the whole family dies, including the rotated one
    from berrys_app.keys import REFRESH_GRACE_PREFIX
    from berrys_app.redis_client import sync_redis

    for key in sync_redis().scan_iter(f"{REFRESH_GRACE_PREFIX}*"):  # the window is over
        sync_redis().delete(key)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert r.status_code == 401
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "auth.refresh_reuse")).first() is not None


async def test_access_token_cannot_be_used_as_refresh_and_garbage_is_401(client, people) -> None:
    owner = people["owner"]
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": owner.token})
    assert r.status_code == 401
    for header in ("Bearer nonsense", "Bearer ", "Basic abc", "Bearer brk_deadbeef_nope"):
        r = await client.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code in (401, 403), (header, r.status_code)
        assert r.json()["code"] in ("unauthorized", "forbidden")
    r = await client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


async def test_rotated_signing_key_keeps_old_tokens_valid(client, people, monkeypatch) -> None:
    from berrys_app.settings import get_settings

    owner = people["owner"]
    old_secret = get_settings().secret_key
    monkeypatch.setenv("SECRET_KEY", "n" * 64)
    monkeypatch.setenv("BERRYS_JWT_PREVIOUS_SECRETS", f'["{old_secret}"]')
    get_settings.cache_clear()
    assert (await client.get("/api/v1/me", headers=owner.headers)).status_code == 200
    fresh = tokens.issue_access_token(owner.user_id)
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
    monkeypatch.setenv("BERRYS_JWT_PREVIOUS_SECRETS", "[]")
    get_settings.cache_clear()
    assert (await client.get("/api/v1/me", headers=owner.headers)).status_code == 401  # old key retired


async def test_every_response_has_request_id_and_security_headers(client) -> None:
    r = await client.get("/health/live")
    assert len(r.headers["x-request-id"]) >= 16
    r = await client.get("/api/v1/nope", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 404
    assert r.headers["x-request-id"] == "abc-123" and r.json() == {
        "type": "urn:berrys:problem:not_found",  # RFC 9457, with our fields as extensions
        "title": "Not Found",
        "status": 404,
        "detail": "no API route matches GET /api/v1/nope",
        "code": "not_found",
        "message": "no API route matches GET /api/v1/nope",
        "details": None,
        "request_id": "abc-123",
    }
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in r.headers["content-security-policy"]


async def test_unexpected_exception_is_problem_500(api_app, env) -> None:
    import httpx

    @api_app.get("/api/v1/_boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.get("/api/v1/_boom")
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal_error" and "kaboom" not in r.text
    assert body["request_id"] == r.headers["x-request-id"]
