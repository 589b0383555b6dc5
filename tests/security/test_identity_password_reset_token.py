"""Attack: reuse or outlive a password-reset link, or keep a session past a reset.

A reset link is single use (a second use, or another link mailed earlier, sets nothing) and
expires (``BERRYS_RESET_TOKEN_TTL``); a reset ends every session of the account, so whoever
held the old password (an attacker who guessed or phished it) is signed out: their refresh
token and their access tokens issued before the reset are refused. Before this work there was no reset; these are the properties it must keep.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import EmailToken
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import projects, teams, tokens
from berrys_app.services.authz import Actor
from berrys_app.settings import get_settings
from tests.api.conftest import api_app, client, make_person  # noqa: F401
from tests.mailbox import Inbox, deliver, smtp_server, token_of  # noqa: F401

OLD, NEW, LATER = "correct horse battery", "a-brand-new-password", "another-new-password"


async def _sign_in(client, email: str, password: str):  # noqa: F811
    return await client.post("/api/v1/auth/token", json={"email": email, "password": password})


async def test_reset_is_single_use_and_signs_every_session_out(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    person = make_person(session)
    attacker_pair = (await _sign_in(client, person.email, OLD)).json()  # someone who knew the old password
    # an access token of that login, issued a few seconds before the reset (minted: no sleeping)
    attacker_access = {"Authorization": f"Bearer {tokens.issue_access_token(person.user_id, now=time.time() - 5)}"}
    assert (await client.get("/api/v1/me", headers=attacker_access)).status_code == 200
    task_list = f"/api/v1/projects/{_project_of(session, person)}/tasks"
    assert (await client.get(task_list, headers=attacker_access)).status_code == 200
    for _ in range(2):  # two reset mails: the older link must die with the newer's use
        assert (await client.post("/api/v1/auth/password-reset", json={"email": person.email})).status_code == 202
        deliver()
    first, second = [token_of(link) for link in _reset_links(smtp_server, person.email)]

    r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": second, "password": NEW})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": attacker_pair["refresh_token"]})
    assert r.status_code == 401, "a session from before the reset still refreshes"
    assert (await client.get("/api/v1/me", headers=attacker_access)).status_code == 401
    assert (await client.get(task_list, headers=attacker_access)).status_code == 401  # the fast path too
    assert (await _sign_in(client, person.email, OLD)).status_code == 401
    assert (await _sign_in(client, person.email, NEW)).status_code == 200

    for token in (second, first):
        r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": LATER})
        assert r.status_code == 422, f"a reset link worked twice: {r.text}"
    assert (await _sign_in(client, person.email, LATER)).status_code == 401


async def test_an_expired_reset_link_sets_nothing(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BERRYS_RESET_TOKEN_TTL", "1")
    get_settings.cache_clear()
    person = make_person(session)
    assert (await client.post("/api/v1/auth/password-reset", json={"email": person.email})).status_code == 202
    deliver()
    (link,) = _reset_links(smtp_server, person.email)
    row = session.exec(select(EmailToken)).one()
    assert (row.expires_at - row.created_at).total_seconds() < 2, "BERRYS_RESET_TOKEN_TTL is not applied"
    row.expires_at = utcnow() - timedelta(seconds=1)  # that second has passed (no sleeping in tests)
    session.add(row)
    session.commit()
    r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": token_of(link), "password": NEW})
    assert r.status_code == 422 and "expired" in r.json()["message"], r.text
    assert (await _sign_in(client, person.email, NEW)).status_code == 401


def _project_of(session: Session, person) -> uuid.UUID:
    actor = Actor(user_id=person.user_id, label=person.email)
    team_id = teams.list_my_teams(session, actor)[0].id
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Mine"))
    session.commit()
    return project.id


def _reset_links(inbox: Inbox, address: str) -> list[str]:
    links = []
    for message in inbox.to(address):
        body = message.get_payload(decode=True).decode()
        links += [word for word in body.split() if "/reset-password?token=" in word]
    return links
