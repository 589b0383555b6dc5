"""The mailed links' pages as Reflex handlers: the invitation and verification pages send an
anonymous tab to sign in and back (token kept), refuse another account without using the link up,
and act for the link's signed-in account; the register handler answers alike for a taken
address and signs nobody in."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, unquote, urlparse

from sqlmodel import Session, select

from berrys_app.domain.accounts import Role, TeamMember, User
from berrys_app.domain.mail import EmailToken
from berrys_app.services import auth, identity, teams, tokens
from berrys_app.services.authz import Actor
from tests.api.conftest import make_person, make_team
from tests.mailbox import outbox_link, token_of


def _tab(state_cls, *, path: str, user_id=None):
    from reflex.istate.data import RouterData
    from reflex.state import State

    root = State(_reflex_internal_init=True)
    root.router_data = {"token": "tok", "pathname": path.split("?")[0], "asPath": path, "sid": "sid", "headers": {}}
    root.router = RouterData.from_router_data(root.router_data)
    tab = root.get_substate(state_cls.get_full_name().split(".")[1:])
    if user_id is not None:
        tab.access_token = tokens.issue_access_token(user_id)
    return tab


def _redirect_target(spec) -> str:
    """The path of an ``rx.redirect`` event (its first argument's literal value)."""
    return spec.args[0][1]._var_value


def test_the_invitation_page(session: Session) -> None:
    from berrys_app.ui.state.identity import IdentityState

    team_id = make_team(session, "Corp")
    owner = make_person(session, team_id=team_id, role=Role.owner)
    hire = make_person(session, email="hire@corp.example")
    other = make_person(session)
    session.get(User, hire.user_id).email_verified_at = None  # not yet proven
    session.commit()
    teams.invite(session, Actor(user_id=owner.user_id, label=owner.email), team_id, email=hire.email, role="member")
    session.commit()
    path = urlparse(outbox_link(session, hire.email, "/invitation"))
    page = f"{path.path}?{path.query}"

    anonymous = _tab(IdentityState, path=page)
    target = _redirect_target(anonymous.load_invitation())
    assert target.startswith("/login?next=")
    back = unquote(parse_qs(urlparse(target).query)["next"][0])
    assert back == page, "the sign-in page would not bring the tab back with its token"

    wrong = _tab(IdentityState, path=page, user_id=other.user_id)
    wrong.load_invitation()
    assert "sign in with that address" in wrong.problem and not wrong.link_done
    session.expire_all()
    assert session.exec(select(EmailToken).where(EmailToken.email == hire.email)).one().used_at is None

    invited = _tab(IdentityState, path=page, user_id=hire.user_id)
    invited.load_invitation()
    assert invited.link_done and invited.message == "You joined Corp as member.", invited.problem
    assert invited.team_id == str(team_id) and invited.role == "member"
    session.expire_all()
    assert session.get(TeamMember, (team_id, hire.user_id)) is not None
    assert session.get(User, hire.user_id).email_verified_at is not None


def test_the_verification_page(session: Session) -> None:
    from berrys_app.ui.state.identity import IdentityState
    from berrys_app.ui.state.session import SessionState

    owner = make_person(session, email="owner@corp.example")
    other = make_person(session)
    session.get(User, owner.user_id).email_verified_at = None
    session.commit()
    identity.resend_verification(session, Actor(user_id=owner.user_id, label=owner.email))
    session.commit()
    path = urlparse(outbox_link(session, owner.email, "/verify-email"))
    page = f"{path.path}?{path.query}"

    anonymous = _tab(IdentityState, path=page)
    target = _redirect_target(anonymous.load_verify())
    assert target.startswith("/login?next=") and not anonymous.link_done
    login = _tab(SessionState, path=target)
    assert login._next_path() == page, "the sign-in page would not bring the tab back with its token"

    wrong = _tab(IdentityState, path=page, user_id=other.user_id)
    wrong.load_verify()
    assert wrong.problem == "this link confirms another account's address; sign in as owner@corp.example"
    assert not wrong.link_done
    session.expire_all()
    assert session.get(User, owner.user_id).email_verified_at is None
    assert session.exec(select(EmailToken).where(EmailToken.email == owner.email)).one().used_at is None

    holder = _tab(IdentityState, path=page, user_id=owner.user_id)
    holder.load_verify()
    assert holder.link_done and holder.message == "Your address owner@corp.example is confirmed.", holder.problem
    session.expire_all()
    assert session.get(User, owner.user_id).email_verified_at is not None


def test_the_register_handler_answers_alike_and_signs_nobody_in(session: Session) -> None:
    from berrys_app.ui.state.session import SessionState

    taken = make_person(session)
    notices = []
    for email in (taken.email, "brand.new@corp.example"):
        tab = _tab(SessionState, path="/register")
        asyncio.run(tab.register({"email": email, "password": "long-enough-1", "name": "X"}))
        assert tab.auth_error == "" and tab.access_token == ""
        notices.append(tab.auth_notice)
    assert notices[0] == notices[1] == auth.REGISTERED
    assert token_of(outbox_link(session, "brand.new@corp.example", "/verify-email"))
