"""Attack: guess one account's password from many addresses.

The auth limit counted per client IP only, so an attacker rotating addresses (or many clients
behind a trusted proxy) guessed one account's password without end. Failed logins are now also
counted per account (email): the account's failures are limited wherever they come from, while
other accounts and the right password from elsewhere are unaffected by one noisy IP.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import api_app  # noqa: F401  the REST app over ASGI


def _from(api_app, ip: str) -> httpx.AsyncClient:  # noqa: F811
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app, client=(ip, 5000)), base_url="http://t")


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from berrys_app.settings import get_settings

    monkeypatch.setenv("BERRYS_RATE_LIMIT_AUTH", "50")
    monkeypatch.setenv("BERRYS_RATE_LIMIT_ACCOUNT", "3")
    get_settings.cache_clear()


async def test_failed_logins_from_rotating_ips_are_limited_per_account(api_app, limits) -> None:  # noqa: F811
    victim = {"email": "target@example.com", "password": "the-real-password"}
    async with _from(api_app, "10.0.0.1") as http:
        assert (await http.post("/api/v1/auth/register", json=victim)).status_code == 202
    for n in range(3):
        async with _from(api_app, f"198.51.100.{n + 1}") as http:
            r = await http.post("/api/v1/auth/token", json={**victim, "password": f"guess-{n}"})
            assert r.status_code == 401
    async with _from(api_app, "198.51.100.99") as http:
        r = await http.post("/api/v1/auth/token", json={**victim, "password": "guess-99"})
    assert r.status_code == 429, f"a fourth guess from a fresh IP was tried against the account: {r.status_code}"
    assert int(r.headers["retry-after"]) >= 1
    assert "this account" in r.json()["message"]


async def test_one_ip_cannot_lock_out_other_accounts(api_app, limits) -> None:  # noqa: F811
    async with _from(api_app, "10.0.0.2") as http:
        for who in ("a", "b"):
            body = {"email": f"{who}@example.com", "password": "right-password"}
            assert (await http.post("/api/v1/auth/register", json=body)).status_code == 202
        for n in range(3):
            await http.post("/api/v1/auth/token", json={"email": "a@example.com", "password": f"x{n}"})
        r = await http.post("/api/v1/auth/token", json={"email": "b@example.com", "password": "right-password"})
    assert r.status_code == 200, r.text
