"""Attack: sign out in one tab, keep reading the project live in another tab of the same browser.

Logout revoked the login's refresh tokens, but the browser's other tabs stayed subscribed to the
project's live events (a subscription checked membership only) until their access token
expired, and an SSE stream opened with the session's token went on as well. Now a login's end
(``EventKind.SESSION_ENDED``) stops every delivery to its tabs and streams at once.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.services import auth, sessions
from tests.api.conftest import make_person, make_team
from tests.api.servers import api_processes
from tests.e2e.helpers import sign_in
from tests.e2e.test_team_live import _actor, _signed_in, _team_project
from tests.security.test_live_sse_outlives_access import _read_until_closed, _server_env, _team_with_project

PERSON_PASSWORD = "correct horse battery"  # make_person's (tests.api.conftest.FAST_HASH)


@pytest.mark.e2e
def test_after_logout_in_one_tab_the_other_tab_receives_nothing_within_a_second(stack, new_page) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import collab

    emails, pages = _signed_in(new_page, "lou")
    email = emails["lou"]
    _, project_id = _team_project(email, {}, f"lo{uuid.uuid4().hex[:6]}")
    tab_a = pages["lou"]
    tab_b = tab_a.context.new_page()  # the same browser: the same storage, the same login
    other_browser = new_page("")  # the same person signed in elsewhere: a login of its own
    sign_in(other_browser, email=email, next_path=f"/projects/{project_id}")
    for page in (tab_a, tab_b, other_browser):
        page.goto(stack.url(f"/projects/{project_id}"))
        expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review")
        page.click("#tab-timeline")
    author = _actor(email)  # a login of its own, for writing comments from the server side
    with session_scope() as session:
        collab.add_comment(session, author, project_id=uuid.UUID(project_id), body="before logout")
    for page in (tab_b, other_browser):
        expect(page.locator(".timeline-item", has_text="before logout")).to_have_count(1)

    tab_a.click("#user-name")
    tab_a.click("#sign-out")
    expect(tab_a).to_have_url(re.compile(r"/login/?$"))
    for body in ("first after logout", "second after logout"):
        with session_scope() as session:
            collab.add_comment(session, author, project_id=uuid.UUID(project_id), body=body)
    # the other login still gets them live: they were delivered
    expect(other_browser.locator(".timeline-item", has_text="second after logout")).to_have_count(1, timeout=1_000)
    # the tab of the ended login got none of them (an absence is seen only over a window: the
    # promised second)...
    tab_b.wait_for_timeout(1_000)
    expect(tab_b.locator(".timeline-item", has_text="after logout")).to_have_count(0, timeout=1)
    # ...and its page was closed: nothing of the project stays on it
    expect(tab_b.locator(".timeline-item")).to_have_count(0, timeout=1)


def test_an_sse_stream_of_a_login_ends_when_the_login_is_logged_out(
    env: dict[str, str], session: Session, tmp_path
) -> None:
    from berrys_app.db import session_scope
    from berrys_app.services import collab

    team_id, owner, project_id = _team_with_project(session)
    reader = make_person(session, team_id=team_id, role=Role.member)
    with session_scope() as own:
        pair = auth.login(own, email=reader.email, password=PERSON_PASSWORD)
    url = f"/api/v1/projects/{project_id}/events/stream"

    def logout_then_comment() -> None:
        with session_scope() as own:
            sessions.logout(own, refresh_token=pair.refresh_token)
        with session_scope() as own:
            collab.add_comment(own, owner, project_id=project_id, body="secret after logout")

    with api_processes(1, _server_env(env, tmp_path)) as (base,):
        lines = asyncio.run(asyncio.wait_for(_read_until_closed(base, url, pair.access_token, logout_then_comment), 20))
    assert "event: stream.closed" in lines
    assert not any("secret after logout" in line for line in lines)


def test_the_live_check_refuses_an_ended_login_and_only_that_one(session: Session) -> None:
    from berrys_app.services import live_access

    team_id = make_team(session, "Sessions")
    person = make_person(session, team_id=team_id, role=Role.owner)
    ending = auth.login(session, email=person.email, password=PERSON_PASSWORD)
    staying = auth.login(session, email=person.email, password=PERSON_PASSWORD)
    session.commit()
    topic = f"team:{team_id}"
    actors = {
        name: sessions.with_session(auth.authenticate(session, pair.access_token), pair.access_token)
        for name, pair in (("ending", ending), ("staying", staying))
    }
    assert actors["ending"].session_id != actors["staying"].session_id is not None
    assert all(live_access.may_receive(a, topic, fresh=True) for a in actors.values())
    sessions.logout(session, refresh_token=ending.refresh_token)
    session.commit()
    assert not live_access.may_receive(actors["ending"], topic, fresh=True)
    assert not live_access.may_receive(actors["ending"], f"user:{person.user_id}", fresh=True)
    assert live_access.may_receive(actors["staying"], topic, fresh=True)
