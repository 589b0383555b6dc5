"""Attack: replay a just-rotated refresh token from another client, or keep a login forever.

The 60 s refresh grace (meant for two tabs of one browser refreshing at once) handed the
current token pair to anyone presenting the old token; refresh tokens also slid forever
(each rotation 30 more days). The grace now answers only the same client for at most 10 s,
and a login has an absolute lifetime.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, update

from berrys_app.domain.auth import RefreshToken
from berrys_app.domain.common import utcnow
from berrys_app.keys import REFRESH_GRACE_PREFIX
from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI

BODY = {"email": "gus@example.com", "password": "right-password"}


async def _login(client) -> dict:  # noqa: F811
    assert (await client.post("/api/v1/auth/register", json=BODY)).status_code == 202
    return (await client.post("/api/v1/auth/token", json=BODY, headers={"user-agent": "tab"})).json()


async def test_the_grace_pair_goes_to_the_same_client_only_and_for_at_most_ten_seconds(client) -> None:  # noqa: F811
    from berrys_app.redis_client import sync_redis

    pair = await _login(client)
    old = {"refresh_token": pair["refresh_token"]}
    first = await client.post("/api/v1/auth/refresh", json=old, headers={"user-agent": "tab"})
    assert first.status_code == 200
    ttls = [sync_redis().ttl(key) for key in sync_redis().scan_iter(f"{REFRESH_GRACE_PREFIX}*")]
    assert ttls and max(ttls) <= 10, f"the grace window lasts {max(ttls)} s"

    stolen = await client.post("/api/v1/auth/refresh", json=old, headers={"user-agent": "thief"})
    assert stolen.status_code == 401, "another client got the fresh pair by replaying the old token"
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first.json()["refresh_token"]}, headers={"user-agent": "tab"}
    )
    assert again.status_code == 401  # the replay revoked the family


async def test_a_login_does_not_outlive_its_absolute_lifetime(client, session: Session) -> None:  # noqa: F811
    pair = await _login(client)
    long_ago = utcnow() - timedelta(days=31)  # a login 31 days ago whose token rotated since
    values = {"created_at": long_ago}
    if "session_started_at" in RefreshToken.model_fields:
        values["session_started_at"] = long_ago
    session.exec(update(RefreshToken).values(**values))
    session.commit()

    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401, "a refresh token slid past the session's absolute lifetime"
    assert "maximum age" in r.json()["message"]
