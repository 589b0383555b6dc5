"""Attack: register a colleague-to-be's address and inherit their invitation.

An admin invites ``new.hire@corp.example`` as admin. Before the new hire signs up, an attacker
registers that address with a password of their own. Registering used to accept every pending
invitation for the address, so the attacker joined as admin. Now registering joins nothing, the
invitations list stays empty and accepting over REST is refused until the address is verified,
which takes the link mailed to it, opened signed in to that account (the attacker never sees that
mail; a victim who clicks it verifies nothing: test_identity_victim_clicks_verification). The
invitation's own link is mailed to the address too.
"""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.accounts import Role, TeamMember, User
from berrys_app.domain.collab import TeamInvitation
from tests.api.conftest import api_app, client, make_person, make_team  # noqa: F401
from tests.mailbox import Inbox, deliver, smtp_server, token_of  # noqa: F401

VICTIM = "new.hire@corp.example"


async def test_registrant_of_an_invited_address_joins_nothing_until_it_is_verified(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    team_id = make_team(session, "Corp")
    admin = make_person(session, team_id=team_id, role=Role.owner)
    r = await client.post(
        f"/api/v1/teams/{team_id}/invitations", json={"email": VICTIM, "role": "admin"}, headers=admin.headers
    )
    assert r.status_code == 201, r.text

    r = await client.post("/api/v1/auth/register", json={"email": VICTIM, "password": "attacker-chose-it"})
    assert r.status_code < 300, r.text
    r = await client.post("/api/v1/auth/token", json={"email": VICTIM, "password": "attacker-chose-it"})
    attacker = {"Authorization": f"Bearer {r.json()['access_token']}"}
    squatter = session.exec(select(User).where(User.email == VICTIM)).one()
    assert session.get(TeamMember, (team_id, squatter.id)) is None, "registering joined the invited team"

    r = await client.get("/api/v1/me/invitations", headers=attacker)
    assert r.status_code == 200 and r.json()["data"] == [], "an unverified registrant sees the invitations"
    invitation = session.exec(select(TeamInvitation).where(TeamInvitation.email == VICTIM)).one()
    r = await client.post(f"/api/v1/me/invitations/{invitation.id}/accept", headers=attacker)
    assert r.status_code == 403 and r.json()["details"]["reason"] == "email_not_verified", r.text
    session.expire_all()
    assert session.get(TeamMember, (team_id, squatter.id)) is None, "accepting over REST joined the team"

    # the mails went to the address, not to whoever registered it
    deliver()
    invite_link = smtp_server.link(VICTIM, "/invitation")
    verify_link = smtp_server.link(VICTIM, "/verify-email")

    # only the owner of the mailbox has the link, and it confirms only for the account signed in
    # (test_identity_victim_clicks_verification): here the registrant does get hold of it
    r = await client.post("/api/v1/auth/verify-email", json={"token": token_of(verify_link)}, headers=attacker)
    assert r.status_code == 200 and r.json()["email"] == VICTIM, r.text
    r = await client.post(f"/api/v1/me/invitations/{invitation.id}/accept", headers=attacker)
    assert r.status_code == 200 and r.json()["role"] == "admin", r.text
    # the invitation's own link is single use: it cannot be replayed after the acceptance
    r = await client.post("/api/v1/invitations/accept", json={"token": token_of(invite_link)}, headers=attacker)
    assert r.status_code == 422, r.text


async def test_the_invitation_link_accepts_and_verifies_only_for_the_invited_address(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    team_id = make_team(session, "Corp")
    admin = make_person(session, team_id=team_id, role=Role.owner)
    other = make_person(session)  # a verified account with another address, holding a forwarded link
    r = await client.post(
        f"/api/v1/teams/{team_id}/invitations", json={"email": VICTIM, "role": "member"}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    await client.post("/api/v1/auth/register", json={"email": VICTIM, "password": "the-real-hire"})
    r = await client.post("/api/v1/auth/token", json={"email": VICTIM, "password": "the-real-hire"})
    hire = {"Authorization": f"Bearer {r.json()['access_token']}"}
    deliver()
    token = token_of(smtp_server.link(VICTIM, "/invitation"))

    r = await client.post("/api/v1/invitations/accept", json={"token": token}, headers=other.headers)
    assert r.status_code == 403 and r.json()["details"]["reason"] == "other_address", r.text
    assert session.get(TeamMember, (team_id, other.user_id)) is None

    r = await client.post("/api/v1/invitations/accept", json={"token": token}, headers=hire)
    assert r.status_code == 200 and r.json()["role"] == "member", r.text
    session.expire_all()
    user = session.exec(select(User).where(User.email == VICTIM)).one()
    assert session.get(TeamMember, (team_id, user.id)) is not None
    assert user.email_verified_at is not None, "following the mailed invitation link proves the address"
