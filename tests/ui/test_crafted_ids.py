"""A crafted event with a malformed id is refused visibly (a toast), never an unhandled error."""

from __future__ import annotations

import pytest

from berrys_app.db import session_scope
from berrys_app.services import auth


def _signed_in(state_cls, email: str):
    from reflex.state import State

    with session_scope() as session:
        auth.register(session, email=email, password="right-password")
    with session_scope() as session:
        pair = auth.login(session, email=email, password="right-password")
    tab = State(_reflex_internal_init=True).get_substate(state_cls.get_full_name().split(".")[1:])
    tab.access_token, tab.refresh_token = pair.access_token, pair.refresh_token
    with session_scope() as session:
        assert tab._identify(session) is not None
    return tab


@pytest.mark.parametrize(
    ("state", "call"),
    [
        ("TeamState", lambda tab: tab.remove("not-a-uuid")),
        ("TeamState", lambda tab: tab.change_role("1' OR 1=1", "owner")),
        ("TeamState", lambda tab: tab.revoke_invitation("")),
        ("ProfileState", lambda tab: tab.revoke("zzz")),
        ("ApprovalsState", lambda tab: tab.decide("../x", True)),
    ],
)
def test_malformed_ids_become_a_visible_refusal(env, state: str, call) -> None:
    from berrys_app.ui.state import approvals, profile, workspace

    state_cls = getattr(workspace, state, None) or getattr(approvals, state, None) or getattr(profile, state)
    tab = _signed_in(state_cls, f"{state.lower()}@example.com")
    result = call(tab)
    assert "not a valid id" in str(result)
