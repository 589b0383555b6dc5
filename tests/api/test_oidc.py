"""OIDC login (authlib + joserfc) against a small provider started by the test."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.domain.auth import AuditEntry
from berrys_app.settings import get_settings
from tests.api.oidc_provider import Provider
from tests.api.servers import asgi_thread


@pytest.fixture
def provider(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    idp = Provider(client_id="berrys-web", client_secret="idp-secret")
    with asgi_thread(idp.app) as url:
        idp.issuer = url
        monkeypatch.setenv("OIDC_ISSUER", url)
        monkeypatch.setenv("OIDC_CLIENT_ID", idp.client_id)
        monkeypatch.setenv("OIDC_CLIENT_SECRET", idp.client_secret)
        get_settings.cache_clear()
        yield idp
    get_settings.cache_clear()


async def _callback_url(client: httpx.AsyncClient) -> str:
    """Browser steps up to the provider sending it back: our login -> provider authorize.
    ``client`` keeps the cookies our login set (the browser binding)."""
    r = await client.get("/api/v1/auth/oidc/login")
    assert r.status_code == 302, r.text
    async with httpx.AsyncClient() as browser:
        r = await browser.get(r.headers["location"])
    assert r.status_code == 302, r.text
    back = urlparse(r.headers["location"])
    assert back.path == "/api/v1/auth/oidc/callback"
    return f"{back.path}?{back.query}"


async def _login(client: httpx.AsyncClient) -> httpx.Response:
    """The whole login in one browser: our login -> provider authorize -> back to our callback."""
    return await client.get(await _callback_url(client))


async def test_oidc_login_creates_user_then_reuses_it(client, provider: Provider, session: Session) -> None:
    r = await _login(client)
    assert r.status_code == 200, r.text
    tokens = r.json()
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    assert me["email"] == "alice@idp.example" and me["name"] == "Alice"
    assert [t["role"] for t in me["teams"]] == ["owner"]

    r = await _login(client)  # same subject: same account
    assert r.status_code == 200
    users = session.exec(select(User).where(User.email == "alice@idp.example")).all()
    assert len(users) == 1 and users[0].oidc_subject == f"{provider.issuer}|alice-1"
    logins = session.exec(select(AuditEntry).where(AuditEntry.action == "auth.oidc_login")).all()
    assert len(logins) == 2 and logins[0].ip == "10.1.2.3"


async def test_oidc_state_is_single_use_and_nonce_is_checked(client, provider: Provider) -> None:
    r = await client.get("/api/v1/auth/oidc/login")
    async with httpx.AsyncClient() as browser:
        callback = urlparse((await browser.get(r.headers["location"])).headers["location"])
    assert (await client.get(f"{callback.path}?{callback.query}")).status_code == 200
    r = await client.get(f"{callback.path}?{callback.query}")  # replayed state
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"

    provider.wrong_nonce = True
    r = await _login(client)
    assert r.status_code == 401 and r.json()["message"] == "invalid ID token"


async def test_oidc_not_configured_is_404(client) -> None:
    r = await client.get("/api/v1/auth/oidc/login")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_oidc_login_uses_pkce_s256(client, provider: Provider) -> None:
    provider.require_pkce = True  # as a provider that enforces PKCE: no challenge, no code
    r = await client.get("/api/v1/auth/oidc/login")
    query = parse_qs(urlparse(r.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    cookie = r.headers["set-cookie"].lower()
    assert "berrys_oidc=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    async with httpx.AsyncClient() as browser:
        back = urlparse((await browser.get(r.headers["location"])).headers["location"])
    assert (await client.get(f"{back.path}?{back.query}")).status_code == 200
