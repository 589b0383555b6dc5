"""Dashboard token refresh: two tabs holding one refresh token stay signed in; only a refused
credential signs out; a replay after the grace window is still treated as theft."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlmodel import Session, select

from berrys_app.db import get_engine, session_scope
from berrys_app.domain.auth import RefreshToken
from berrys_app.domain.common import utcnow
from berrys_app.services import auth, ratelimit, sessions, tokens
from berrys_app.services.errors import RateLimited, Unauthorized

PASSWORD = "right-password"


def _signed_in_pair(email: str) -> auth.TokenPair:
    with session_scope() as session:
        auth.register(session, email=email, password=PASSWORD, name="Tab")
    with session_scope() as session:
        return auth.login(session, email=email, password=PASSWORD, ip="10.9.0.1")


def _tab(pair: auth.TokenPair, user_id: uuid.UUID):
    """A fresh Reflex state tree (one browser tab) whose access token has expired."""
    from reflex.state import State

    from berrys_app.ui.state.session import SessionState

    root = State(_reflex_internal_init=True)
    tab = root.get_substate(SessionState.get_full_name().split(".")[1:])
    tab.access_token = tokens.issue_access_token(user_id, now=time.time() - 3600, ttl_s=60)
    tab.refresh_token = pair.refresh_token
    return tab


def _user_id(pair: auth.TokenPair) -> uuid.UUID:
    with session_scope() as session:
        return auth.authenticate(session, pair.access_token).user_id  # type: ignore[return-value]


def test_two_tabs_refreshing_the_same_token_both_stay_signed_in(env) -> None:
    pair = _signed_in_pair("tabs@example.com")
    user_id = _user_id(pair)
    first, second = _tab(pair, user_id), _tab(pair, user_id)

    for tab in (first, second):
        with session_scope() as session:
            assert tab._identify(session) is not None, tab.auth_error
        assert tab.user_id == str(user_id)

    # both got the one rotated pair; the family is alive and the new refresh token works
    assert first.refresh_token == second.refresh_token != pair.refresh_token
    with session_scope() as session:
        assert session.exec(select(RefreshToken).where(RefreshToken.revoked_at.is_not(None))).first() is None  # type: ignore[union-attr]
        assert sessions.refresh(session, refresh_token=first.refresh_token).refresh_token


def test_a_refresh_waiting_on_the_rotation_in_flight_gets_the_same_pair(env) -> None:
    pair = _signed_in_pair("race@example.com")
    results: dict[str, auth.TokenPair | Exception] = {}

    def second_holder() -> None:
        try:
            with session_scope() as session:
                results["second"] = sessions.refresh(session, refresh_token=pair.refresh_token, ip="10.9.0.2")
        except Exception as error:  # reported by the assertion below
            results["second"] = error

    with Session(get_engine()) as first:
        rotated = sessions.refresh(first, refresh_token=pair.refresh_token, ip="10.9.0.1")  # holds the row lock
        thread = threading.Thread(target=second_holder)
        thread.start()
        first.commit()
    thread.join(timeout=30)
    assert results["second"] == rotated


def test_a_replay_after_the_grace_window_still_revokes_the_family(env) -> None:
    from berrys_app.redis_client import sync_redis

    pair = _signed_in_pair("replay@example.com")
    with session_scope() as session:
        rotated = sessions.refresh(session, refresh_token=pair.refresh_token)
    sync_redis().delete(sessions._rotation_key(pair.refresh_token, ""))  # the window is over
    with session_scope() as session, pytest.raises(Unauthorized, match="reuse"):
        sessions.refresh(session, refresh_token=pair.refresh_token)
    with session_scope() as session, pytest.raises(Unauthorized):
        sessions.refresh(session, refresh_token=rotated.refresh_token)


def test_a_rate_limited_refresh_does_not_sign_the_tab_out(env) -> None:
    pair = _signed_in_pair("limited@example.com")
    tab = _tab(pair, _user_id(pair))
    with pytest.raises(RateLimited):  # this tab's IP bucket (no router data: the unknown IP)
        for _ in range(1000):
            ratelimit.hit_auth(tab._client_ip())

    with session_scope() as session:
        assert tab._identify(session) is None
    assert tab.refresh_token == pair.refresh_token and tab.access_token  # kept: not signed out
    assert "too many requests" in tab._login_notice

    # another IP's bucket is untouched: the refresh is counted per client IP
    with session_scope() as session:
        assert sessions.refresh(session, refresh_token=pair.refresh_token, ip="10.9.9.9").access_token


def test_a_revoked_session_signs_the_tab_out(env) -> None:
    pair = _signed_in_pair("revoked@example.com")
    tab = _tab(pair, _user_id(pair))
    with session_scope() as session:
        row = session.exec(select(RefreshToken)).one()
        row.revoked_at = utcnow()
        session.add(row)
    with session_scope() as session:
        assert tab._identify(session) is None
    assert tab.refresh_token == "" and tab.access_token == ""
