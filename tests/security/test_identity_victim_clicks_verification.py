"""Attack: make the owner of an address verify an account they never created.

Mallory registers ``victim@corp.example`` with a password of her own. The victim receives
"confirm your address" for an account they never made and clicks it. Consuming the link used to
verify the address with no check of who clicked, so Mallory's account became verified and could
accept the victim's team invitations. Now the link confirms only for the account it was mailed for,
signed in: the victim's browser (no session, or someone else's) changes nothing and the link stays
usable by its rightful holder.
"""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from tests.api.conftest import api_app, client, make_person  # noqa: F401
from tests.mailbox import outbox_link, token_of

VICTIM = "victim@corp.example"


def _verified(session: Session) -> bool:
    session.expire_all()
    return session.exec(select(User).where(User.email == VICTIM)).one().email_verified_at is not None


async def test_a_verification_link_verifies_only_for_its_signed_in_account(
    client,  # noqa: F811
    session: Session,
) -> None:
    r = await client.post("/api/v1/auth/register", json={"email": VICTIM, "password": "mallory-chose-it"})
    assert r.status_code == 202, r.text
    token = token_of(outbox_link(session, VICTIM, "/verify-email"))

    # the victim clicks, signed in to nothing
    r = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert not _verified(session), "a click with no session verified Mallory's account"

    # the victim clicks, signed in to their own (other) account
    victim_elsewhere = make_person(session)
    r = await client.post("/api/v1/auth/verify-email", json={"token": token}, headers=victim_elsewhere.headers)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert VICTIM in r.json()["message"] and r.json()["details"]["reason"] == "other_account", r.text
    assert not _verified(session), "a click from another account verified Mallory's account"

    # the link's own account, signed in: the only way it confirms (and it was not burnt above)
    r = await client.post("/api/v1/auth/token", json={"email": VICTIM, "password": "mallory-chose-it"})
    holder = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.post("/api/v1/auth/verify-email", json={"token": token}, headers=holder)
    assert r.status_code == 200 and r.json()["email"] == VICTIM, r.text
    assert _verified(session)
