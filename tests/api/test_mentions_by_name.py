"""@mentions reach members by email, email local part or display name; never outsiders."""

from __future__ import annotations

import pytest
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


def test_recent_activity_is_people_level_newest_first_and_for_members_only(session: Session) -> None:
    from berrys_app.domain.event_kinds import EventKind
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import collab, projects, teams
    from berrys_app.services.authz import Actor
    from berrys_app.services.errors import NotFound
    from berrys_app.services.events import emit

    user = auth.create_user(session, email="feed@example.com", name="Feed")
    actor = Actor(user_id=user.id, label=user.email)
    team_id = teams.list_my_teams(session, actor)[0].id
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="F", objectives=["x"]))
    session.commit()
    emit(  # engine traffic: not in the feed
        session,
        EventKind.TASK_COMPLETED,
        project_id=project.id,
        team_id=team_id,
        payload={"key": "k", "attempt": 1, "output": "done"},
    )
    collab.add_comment(session, actor, project_id=project.id, body="hello feed")
    session.flush()

    kinds = [e.kind for e in collab.recent_activity(session, actor, team_id=team_id)]
    assert kinds[0] == "comment.created" and "task.completed" not in kinds
    assert all(k.startswith(collab.FEED_PREFIXES) for k in kinds)
    outsider = auth.create_user(session, email="out@example.com")
    with pytest.raises(NotFound):
        collab.recent_activity(session, Actor(user_id=outsider.id, label="out"), team_id=team_id)
