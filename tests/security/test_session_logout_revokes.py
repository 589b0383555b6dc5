"""Attack: keep using a refresh token after signing out.

The dashboard's logout called a function that did not exist (nothing was revoked) and REST
had no logout: a copied refresh token went on minting access tokens for 30 days after the
person signed out. Logout now ends the token family.
"""

from __future__ import annotations

from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI
from tests.security.test_live_outsider_with_project_id import _tab


async def test_rest_logout_makes_the_refresh_token_useless(client) -> None:  # noqa: F811
    body = {"email": "lou@example.com", "password": "right-password"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 202
    pair = (await client.post("/api/v1/auth/token", json=body)).json()

    r = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401 and "revoked" in r.json()["message"]


async def test_dashboard_logout_revokes_the_session(client) -> None:  # noqa: F811
    from berrys_app.ui.state.session import SessionState

    tab = _tab(SessionState, email="dee@example.com", path="/projects", token="tok-dee")
    stolen = tab.refresh_token  # what a copy of localStorage holds
    tab.logout()

    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})
    assert r.status_code == 401, "the refresh token still works after the dashboard's logout"
    assert "revoked" in r.json()["message"]
