"""The Profile page lists your sessions (this browser marked) and signs one out."""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.services import auth
from tests.security.test_live_outsider_with_project_id import _tab


def test_sessions_are_listed_and_signed_out(session: Session) -> None:
    from berrys_app.ui.state.profile import ProfileState

    tab = _tab(ProfileState, email="pia@example.com", path="/profile", token="tok-pia")
    with session_scope() as own:
        other = auth.login(own, email="pia@example.com", password="right-password", client="10.0.0.9 · phone")
    tab.load()
    assert len(tab.my_sessions) == 2
    (mine,) = [s for s in tab.my_sessions if s["current"] == "this browser"]
    (phone,) = [s for s in tab.my_sessions if s["client"] == "10.0.0.9 · phone"]

    tab.revoke_session(phone["id"])
    assert [s["id"] for s in tab.my_sessions] == [mine["id"]]
    with session_scope() as own:
        assert "revoked" in _refused(own, other.refresh_token)

    result = tab.revoke_session(mine["id"])  # this browser's own: the tab is signed out
    assert tab.access_token == "" and "/login" in str(result)


def _refused(session: Session, refresh_token: str) -> str:
    from berrys_app.services import sessions
    from berrys_app.services.errors import Unauthorized

    try:
        sessions.refresh(session, refresh_token=refresh_token)
    except Unauthorized as refused:
        return refused.message
    return "accepted"
