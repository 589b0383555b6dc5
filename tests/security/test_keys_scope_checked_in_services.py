"""Attack: reach a service through a door that forgets the API key's scopes.

Scopes were checked only by the REST dependency; any other caller of the services (the
dashboard did, with a ``brk_`` key as its session) could act with a read-only key as with a
full session. The project services now check the key's scope themselves.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.projects import Project, ProjectCreate, ProjectUpdate
from berrys_app.services import auth, projects
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Forbidden
from tests.api.conftest import make_person, make_team


def test_a_read_keys_actor_cannot_write_through_the_services(session: Session) -> None:
    team_id = make_team(session, "Keyed")
    owner_p = make_person(session, team_id=team_id, role=Role.owner)
    owner = Actor(user_id=owner_p.user_id, label=owner_p.email)
    project = projects.create_project(session, owner, team_id=team_id, data=ProjectCreate(name="Keep"))
    _, key = auth.create_api_key(session, owner, name="read", scopes=["projects:read"])
    session.commit()

    reader = auth.authenticate(session, key)  # the Actor any door gets for this key
    assert projects.get_project(session, reader, project.id).name == "Keep"  # reading is its scope
    with pytest.raises(Forbidden, match="lacks the scope projects:write"):
        projects.cancel_project(session, reader, project.id)
    session.rollback()
    with pytest.raises(Forbidden, match="lacks the scope projects:write"):
        projects.update_project(session, reader, project.id, data=ProjectUpdate(name="Mine"))
    session.rollback()
    with pytest.raises(Forbidden, match="lacks the scope projects:write"):
        projects.create_project(session, reader, team_id=team_id, data=ProjectCreate(name="New"))
    session.rollback()
    session.expire_all()
    assert session.get(Project, project.id).status == "created"
