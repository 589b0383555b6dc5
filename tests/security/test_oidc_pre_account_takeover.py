"""Attack: pre-register a colleague's email, wait for their first SSO login.

The attacker registers ``victim@corp.example`` with a password they know. The victim's identity
provider does not assert that the address is verified (no ``email_verified`` claim, or ``false``).
OIDC login used to link by email unless the claim was explicitly false, so the victim's first SSO
login landed in the attacker's account (whose password the attacker holds). Now a first login links
or creates an account only when ``email_verified`` is ``true``; otherwise it is refused with a
message saying why, and the local account stays unlinked.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from tests.api.conftest import api_app, client  # noqa: F401  the REST app over ASGI
from tests.api.oidc_provider import Provider
from tests.api.test_oidc import _login, provider  # noqa: F401  the provider started by the test


@pytest.mark.parametrize("verified", ["missing", False])
async def test_unverified_sso_email_does_not_land_in_a_pre_registered_account(
    client,  # noqa: F811
    provider: Provider,  # noqa: F811
    session: Session,
    verified: object,
) -> None:
    attacker = {"email": "victim@corp.example", "password": "attacker-knows-this"}
    assert (await client.post("/api/v1/auth/register", json=attacker)).status_code == 201

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
