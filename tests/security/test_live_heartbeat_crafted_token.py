"""Attack: a tab whose login was revoked subscribes again with a crafted token in its storage.

The project page's ``heartbeat`` (sent by the browser every 20 s, and by anyone who drives the
websocket) subscribes the tab again through ``SessionState._subscribe``. That check took the
user from the tab's server-side ``user_id`` (set when the tab last signed in) and the login
from the access token, without asking whether the token names that user, or any login at
all. A tab that had gone quiet (its subscription dropped as orphaned) when its login was
revoked from another device kept ``user_id``; putting any made-up string (or the attacker's
own token) in ``localStorage.berrys_access`` and sending ``heartbeat`` subscribed it to the
project again, as the revoked person, with no login to check. Now the user and the login
come from the token itself: a token that is not ours, or names someone else, subscribes
nothing.
"""

from __future__ import annotations

import time
import uuid

import pytest
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.services import live_access, presence, sessions, teams
from berrys_app.ui import live
from tests.live_probes import subscriber_count
from tests.security.test_live_outsider_with_project_id import _accept_invitation_if_any, _project_with_task, _tab


@pytest.mark.parametrize("crafted", ["made-up", "someone else's token"])
def test_a_revoked_tabs_heartbeat_with_a_crafted_token_subscribes_nothing(session: Session, crafted: str) -> None:
    from berrys_app.ui.state.project import ProjectState

    team_id, project_id, _, owner = _project_with_task(session, f"o{uuid.uuid4().hex[:6]}@example.com")
    topic = f"project:{project_id}"
    email = f"m{uuid.uuid4().hex[:6]}@example.com"
    token = f"tok-{uuid.uuid4().hex[:6]}"
    tab = _tab(ProjectState, email=email, path=f"/projects/{project_id}", token=token)
    with session_scope() as own:
        teams.add_member(own, owner, team_id, email=email, role="member")
    _accept_invitation_if_any(email, team_id)
    tab.load()
    assert tab.load_error == "" and subscriber_count(topic) == 1

    # the laptop sleeps: its tab misses heartbeats and is dropped as orphaned (it keeps its page)
    tab._last_beat = time.time() - presence.STALE_S - 1
    assert tab._orphaned() and subscriber_count(topic) == 0
    # meanwhile its owner revokes that login from another device (the Sessions list)
    with session_scope() as own:
        sessions.logout(own, refresh_token=tab.refresh_token)
    live_access.forget()

    if crafted == "made-up":
        tab.access_token = "made-up"
    else:  # a valid token of the attacker's own (an outsider): it names another user
        tab.access_token = _tab(
            ProjectState, email=f"x{uuid.uuid4().hex[:6]}@example.com", path="/", token="t"
        ).access_token
    tab.heartbeat("")

    assert subscriber_count(topic) == 0, f"a {crafted} token subscribed the revoked tab to the project again"
    assert tab.project == {}, "the revoked tab still shows the project"
    live.drop_token(token)
