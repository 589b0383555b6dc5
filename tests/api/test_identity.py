"""Email verification over REST: the mailed link confirms once, a resend mails a fresh link, and
every refusal is a 4xx saying what is wrong."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import EmailToken, TokenPurpose
from tests.mailbox import outbox_link, token_of

BODY = {"email": "vic@example.com", "password": "long-enough-1", "name": "Vic"}


async def _signed_in(client) -> dict[str, str]:
    assert (await client.post("/api/v1/auth/register", json=BODY)).status_code == 202
    pair = (await client.post("/api/v1/auth/token", json={k: BODY[k] for k in ("email", "password")})).json()
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def test_verify_resend_and_the_refusals(client, session: Session) -> None:
    headers = await _signed_in(client)
    assert (await client.get("/api/v1/me", headers=headers)).json()["email_verified"] is False
    first = token_of(outbox_link(session, BODY["email"], "/verify-email"))

    r = await client.post("/api/v1/auth/verify-email/resend", headers=headers)
    assert r.status_code == 202 and "new confirmation link" in r.json()["message"]
    second = token_of(outbox_link(session, BODY["email"], "/verify-email"))
    assert second != first

    for token, message in (("", "not valid"), ("x" * 201, "not valid"), ("made-up-token", "not valid")):
        r = await client.post("/api/v1/auth/verify-email", json={"token": token}, headers=headers)
        assert r.status_code == 422 and message in r.text, r.text
    r = await client.post("/api/v1/auth/verify-email", json={"token": second})
    assert r.status_code == 401, "a link confirms only for its account, signed in"
    r = await client.post("/api/v1/auth/verify-email", json={"token": second}, headers=headers)
    assert r.status_code == 200 and r.json()["email"] == BODY["email"]
    r = await client.post("/api/v1/auth/verify-email", json={"token": second}, headers=headers)
    assert r.status_code == 422 and r.json()["message"] == "this link was already used"
    assert (await client.get("/api/v1/me", headers=headers)).json()["email_verified"] is True

    r = await client.post("/api/v1/auth/verify-email/resend", headers=headers)
    assert r.status_code == 409 and r.json()["message"] == "your address is already verified"
    assert (await client.post("/api/v1/auth/verify-email/resend")).status_code == 401


async def test_a_reset_with_a_short_password_keeps_the_link(client, session: Session) -> None:
    await _signed_in(client)
    assert (await client.post("/api/v1/auth/password-reset", json={"email": BODY["email"]})).status_code == 202
    token = token_of(outbox_link(session, BODY["email"], "/reset-password"))
    r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "short"})
    assert r.status_code == 422 and r.json()["details"] == {"field": "password"}
    r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "long-enough-2"})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/password-reset", json={"email": "not-an-address"})
    assert r.status_code == 422 and r.json()["details"] == {"field": "email"}


async def test_an_expired_verification_link_verifies_nothing(client, session: Session) -> None:
    headers = await _signed_in(client)
    token = token_of(outbox_link(session, BODY["email"], "/verify-email"))
    row = session.exec(select(EmailToken).where(EmailToken.purpose == TokenPurpose.verify.value)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)  # its lifetime (BERRYS_VERIFY_TOKEN_TTL) has passed
    session.add(row)
    session.commit()

    r = await client.post("/api/v1/auth/verify-email", json={"token": token}, headers=headers)
    assert r.status_code == 422 and "expired" in r.json()["message"], r.text
    assert (await client.get("/api/v1/me", headers=headers)).json()["email_verified"] is False
