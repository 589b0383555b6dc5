"""Sessions over REST: list your logins, sign one out, and what an API key may do there."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.services import auth
from berrys_app.services.authz import Actor

BODY = {"email": "sam@example.com", "password": "right-password"}


async def test_list_and_revoke_sessions(client, session: Session) -> None:
    assert (await client.post("/api/v1/auth/register", json=BODY)).status_code == 202
    laptop = (await client.post("/api/v1/auth/token", json=BODY, headers={"user-agent": "laptop"})).json()
    phone = (await client.post("/api/v1/auth/token", json=BODY, headers={"user-agent": "phone"})).json()
    headers = {"Authorization": f"Bearer {laptop['access_token']}"}

    listed = (await client.get("/api/v1/auth/sessions", headers=headers)).json()["data"]
    assert sorted(s["client"].rsplit(" · ", 1)[1] for s in listed) == ["laptop", "phone"]
    assert all(s["client"].startswith("10.1.2.3 · ") for s in listed)
    phone_id = next(s["id"] for s in listed if s["client"].endswith("phone"))

    assert (await client.delete(f"/api/v1/auth/sessions/{phone_id}", headers=headers)).status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    r = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]}, headers={"user-agent": "laptop"}
    )
    assert r.status_code == 200
    listed = (await client.get("/api/v1/auth/sessions", headers=headers)).json()["data"]
    assert [s["client"].rsplit(" · ", 1)[1] for s in listed] == ["laptop"]

    # another person cannot see or end them; a key without keys:* cannot list them
    other = {"email": "tom@example.com", "password": "right-password"}
    assert (await client.post("/api/v1/auth/register", json=other)).status_code == 202
    tom = (await client.post("/api/v1/auth/token", json=other)).json()
    tom_headers = {"Authorization": f"Bearer {tom['access_token']}"}
    laptop_id = listed[0]["id"]
    r = await client.delete(f"/api/v1/auth/sessions/{laptop_id}", headers=tom_headers)
    assert r.status_code == 404
    user = session.exec(select(User).where(User.email == "sam@example.com")).one()
    _, key = auth.create_api_key(session, Actor(user_id=user.id, label=user.email), name="r", scopes=["projects:read"])
    session.commit()
    r = await client.get("/api/v1/auth/sessions", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403 and "keys:read" in r.json()["message"]
