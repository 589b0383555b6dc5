"""@mentions reach members by email, email local part or display name; never outsiders."""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember
from berrys_app.services import auth
from berrys_app.services.collab import resolve_mentions


def _member(session: Session, team: Team, email: str, name: str):
    user = auth.create_user(session, email=email, name=name)
    session.add(TeamMember(team_id=team.id, user_id=user.id, role=Role.member.value))
    session.flush()
    return user.id


def test_mentions_match_display_names_as_well_as_emails(session: Session) -> None:
    team = Team(name="Pickers")
    session.add(team)
    session.flush()
    max_id = _member(session, team, "m.x@example.com", "Max")
    mia_id = _member(session, team, "mia@example.com", "Mia Member")
    zoe_id = _member(session, team, "z@example.com", "Zoë")
    auth.create_user(session, email="max@elsewhere.example", name="Max")  # not in the team
    session.flush()

    assert resolve_mentions(session, team.id, "@Max looks good") == [max_id]
    assert resolve_mentions(session, team.id, "thanks @MiaMember.") == [mia_id]
    assert resolve_mentions(session, team.id, "@mia and @zoë") == sorted([mia_id, zoe_id], key=str)
    assert resolve_mentions(session, team.id, "@m.x@example.com") == [max_id]
    assert resolve_mentions(session, team.id, "mail max@example.com, @nobody") == []
