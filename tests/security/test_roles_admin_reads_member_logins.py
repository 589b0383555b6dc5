"""Attack: a team admin reads a member's personal security log.

The team audit log included every member's own rows: logins with their IP addresses,
failed logins on their account, their API keys' names and scopes. Those are now visible
to their owner only.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.services import audit, auth
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Unauthorized
from tests.api.conftest import make_person, make_team

PASSWORD = "correct horse battery"  # make_person's password


def test_a_team_admin_cannot_read_a_members_logins_or_keys(session: Session) -> None:
    team_id = make_team(session, "Nosy")
    admin_p = make_person(session, team_id=team_id, role=Role.admin)
    member_p = make_person(session, team_id=team_id, role=Role.member)
    auth.login(session, email=member_p.email, password=PASSWORD, ip="203.0.113.7")  # from home
    with pytest.raises(Unauthorized):
        auth.login(session, email=member_p.email, password="a wrong guess", ip="198.51.100.9")
    member = Actor(user_id=member_p.user_id, label=member_p.email, ip="203.0.113.7")
    auth.create_api_key(session, member, name="home laptop", scopes=["projects:read"])
    session.commit()

    admin = Actor(user_id=admin_p.user_id, label=admin_p.email)
    rows, _ = audit.list_entries(session, admin, team_id=team_id, per_page=200)
    leaked = [(r.action, r.ip, r.details) for r in rows if r.actor_id == member_p.user_id or r.target_type == "user"]
    assert leaked == [], f"the team admin reads a member's personal rows: {leaked}"
