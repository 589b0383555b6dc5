"""Attack: login CSRF — make a victim's browser finish the attacker's SSO login.

The attacker starts a login in their own browser, signs in at the provider as themselves and,
instead of following the redirect back, sends the callback URL (valid ``code`` and ``state``) to
the victim. The state was not bound to any browser, so the victim's browser would be signed in
as the attacker (and whatever the victim then saves lands in the attacker's account). Now
``/oidc/login`` sets an HttpOnly binding cookie and the callback is accepted only with it.
"""

from __future__ import annotations

import httpx
from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI
from tests.api.oidc_provider import Provider
from tests.api.test_oidc import _callback_url, provider  # noqa: F401  the provider started by the test


def _browser(api_app) -> httpx.AsyncClient:  # noqa: F811
    transport = httpx.ASGITransport(app=api_app, client=("10.9.9.9", 4444))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_callback_started_by_another_browser_is_refused(
    api_app,  # noqa: F811
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
    session: Session,
) -> None:
    stolen = await _callback_url(client)  # the attacker's own login, not followed back

    async with _browser(api_app) as victim:  # no binding cookie at all
        r = await victim.get(stolen)
    assert r.status_code == 401, f"a browser that never started this login was signed in: {r.text}"
    assert r.json()["message"] == "this sign-in was not started in this browser; start it again"
    assert not session.exec(select(AuditEntry).where(AuditEntry.action == "auth.oidc_login")).all()


async def test_a_callback_with_someone_elses_binding_is_refused(
    api_app,  # noqa: F811
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
) -> None:
    stolen = await _callback_url(client)
    async with _browser(api_app) as victim:
        await _callback_url(victim)  # the victim started a login of their own: a cookie, not this one
        r = await victim.get(stolen)
    assert r.status_code == 401, f"another login's binding cookie was accepted: {r.text}"
    assert "not started in this browser" in r.json()["message"]


async def test_the_browser_that_started_the_login_finishes_it(client, provider: Provider) -> None:  # noqa: F811
    r = await client.get(await _callback_url(client))
    assert r.status_code == 200, r.text
    assert "berrys_oidc" not in client.cookies, "the binding cookie outlives its login"
