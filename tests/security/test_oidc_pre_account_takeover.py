"""Attack: pre-register a colleague's email, wait for their first SSO login.

The attacker registers ``victim@corp.example`` with a password they know. The victim's identity
provider does not assert that the address is verified (no ``email_verified`` claim, or ``false``).
OIDC login used to link by email unless the claim was explicitly false, so the victim's first SSO
login landed in the attacker's account (whose password the attacker holds). Now a first login links
or creates an account only when ``email_verified`` is ``true``; otherwise it is refused with a
message saying why, and the local account stays unlinked.

Even a provider that does vouch for the address (``email_verified: true``) is not enough when the
local account's own address was never verified: that account may be the attacker's trap. It is
linked only after its owner proved the address with a mailed link (here: a password reset).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI
from tests.api.oidc_provider import Provider
from tests.api.test_oidc import _login, provider  # noqa: F401  the provider started by the test
from tests.mailbox import outbox_link, token_of


@pytest.mark.parametrize("verified", ["missing", False])
async def test_unverified_sso_email_does_not_land_in_a_pre_registered_account(
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
    session: Session,
    verified: object,
) -> None:
    attacker = {"email": "victim@corp.example", "password": "attacker-knows-this"}
    assert (await client.post("/api/v1/auth/register", json=attacker)).status_code == 202

    provider.user = {"sub": "victim-1", "email": "victim@corp.example", "name": "Victim"}
    if verified != "missing":
        provider.user["email_verified"] = verified
    r = await _login(client)

    assert r.status_code == 401, f"the victim's SSO login landed in the attacker's account: {r.text}"
    assert "email_verified" in r.json()["message"]
    session.expire_all()
    account = session.exec(select(User).where(User.email == "victim@corp.example")).one()
    assert account.oidc_subject is None, "the attacker's account was linked to the victim's identity"


async def test_unverified_sso_email_creates_no_account(client, provider: Provider, session: Session) -> None:  # noqa: F811
    """A new account accepts its address's pending invitations: it needs a verified address too."""
    provider.user = {"sub": "nv-1", "email": "new.hire@corp.example", "name": "Not Verified"}
    r = await _login(client)
    assert r.status_code == 401 and "email_verified" in r.json()["message"]
    assert session.exec(select(User).where(User.email == "new.hire@corp.example")).first() is None


async def test_verified_sso_email_does_not_land_in_an_unverified_local_account(
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
    session: Session,
) -> None:
    attacker = {"email": "victim@corp.example", "password": "attacker-knows-this"}
    assert (await client.post("/api/v1/auth/register", json=attacker)).status_code == 202
    provider.user = {"sub": "victim-1", "email": "victim@corp.example", "name": "Victim", "email_verified": True}

    r = await _login(client)
    assert r.status_code == 401, f"the victim's SSO login landed in the attacker's unverified account: {r.text}"
    assert "not confirmed" in r.json()["message"]
    session.expire_all()
    account = session.exec(select(User).where(User.email == "victim@corp.example")).one()
    assert account.oidc_subject is None

    # the victim takes the account back through their mailbox (a reset verifies the address and
    # signs the attacker out); SSO then links to it
    assert (await client.post("/api/v1/auth/password-reset", json={"email": "victim@corp.example"})).status_code == 202
    token = token_of(outbox_link(session, "victim@corp.example", "/reset-password"))
    body = {"token": token, "password": "only-the-victim-knows"}
    assert (await client.post("/api/v1/auth/password-reset/confirm", json=body)).status_code == 204
    r = await _login(client)
    assert r.status_code == 200, r.text
    session.expire_all()
    assert session.exec(select(User).where(User.email == "victim@corp.example")).one().oidc_subject is not None


async def test_a_new_account_from_a_verified_sso_email_starts_verified(
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
    session: Session,
) -> None:
    provider.user = {"sub": "nh-1", "email": "new.hire@corp.example", "name": "New", "email_verified": True}
    assert (await _login(client)).status_code == 200
    user = session.exec(select(User).where(User.email == "new.hire@corp.example")).one()
    assert user.email_verified_at is not None
