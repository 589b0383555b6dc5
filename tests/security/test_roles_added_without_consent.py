"""Attack: make someone a member of your team without asking them.

``add_member`` and ``invite`` added an existing account at once: a team admin could pull
anyone (knowing only their email) into a team, and then read their personal audit rows.
Membership now starts only when the invited person accepts.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, TeamMember
from berrys_app.services import teams
from berrys_app.services.authz import Actor
from berrys_app.services.errors import NotFound
from tests.api.conftest import make_person, make_team


def test_adding_or_inviting_an_existing_account_needs_their_acceptance(session: Session) -> None:
    team_id = make_team(session, "Grabby")
    admin_p = make_person(session, team_id=team_id, role=Role.admin)
    victim_p, bystander_p = make_person(session), make_person(session)
    admin = Actor(user_id=admin_p.user_id, label=admin_p.email)
    victim = Actor(user_id=victim_p.user_id, label=victim_p.email)

    teams.add_member(session, admin, team_id, email=victim_p.email, role="member")
    session.commit()
    assert session.get(TeamMember, (team_id, victim_p.user_id)) is None, "add_member joined them without consent"
    teams.invite(session, admin, team_id, email=bystander_p.email, role="viewer")
    session.commit()
    assert session.get(TeamMember, (team_id, bystander_p.user_id)) is None, "invite joined them without consent"

    (invitation,) = _pending(session, victim, team_id)
    bystander = Actor(user_id=bystander_p.user_id, label=bystander_p.email)
    with pytest.raises(NotFound):  # nobody else can accept it for them
        teams.accept_invitation(session, bystander, invitation.id)
    joined = teams.accept_invitation(session, victim, invitation.id)
    session.commit()
    assert joined.role == Role.member and session.get(TeamMember, (team_id, victim_p.user_id)) is not None


def _pending(session: Session, person: Actor, team_id) -> list:
    """The person's pending invitations to the team (read from the table: today's code has no list)."""
    from sqlmodel import col, select

    from berrys_app.domain.accounts import User
    from berrys_app.domain.collab import TeamInvitation

    email = session.get(User, person.user_id).email
    return list(
        session.exec(
            select(TeamInvitation).where(
                TeamInvitation.team_id == team_id,
                TeamInvitation.email == email,
                col(TeamInvitation.accepted_at).is_(None),
            )
        )
    )
