"""Attack: a leaked read-only API key put in the dashboard's storage as its session.

``localStorage.berrys_access = "brk_…"`` made every dashboard handler act as a full session
(the key's scopes were checked only by the REST dependency): a ``projects:read`` key could
cancel projects. The dashboard now accepts its own session tokens only.
"""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.domain.projects import Project, ProjectCreate
from berrys_app.services import auth, projects, teams
from berrys_app.services.authz import Actor
from tests.security.test_live_outsider_with_project_id import _tab


def test_a_read_only_key_as_the_dashboard_session_can_do_nothing(session: Session) -> None:
    from berrys_app.ui.state.project import ProjectState

    auth.register(session, email="kim@example.com", password="right-password", name="Kim")
    session.commit()
    user = session.exec(select(User).where(User.email == "kim@example.com")).one()
    owner = Actor(user_id=user.id, label=user.email)
    team_id = teams.list_my_teams(session, owner)[0].id
    project = projects.create_project(session, owner, team_id=team_id, data=ProjectCreate(name="Keep"))
    session.commit()
    _, key = auth.create_api_key(session, owner, name="ci read", scopes=["projects:read"])
    session.commit()

    tab = _tab(ProjectState, email="kim@example.com", path=f"/projects/{project.id}", token="tok-key")
    tab.access_token, tab.refresh_token = key, ""  # what the attacker puts in localStorage
    tab.cancel()  # the event the page's Cancel button sends

    session.expire_all()
    assert session.get(Project, project.id).status == "created", "a read-only key cancelled the project"
    assert "API key cannot sign in" in tab.action_error
