"""Attack: reuse or outlive a password-reset link, or keep a session past a reset.

A reset link is single use (a second use, or another link mailed earlier, sets nothing) and
expires (``BERRYS_RESET_TOKEN_TTL``); a reset ends every session of the account, so whoever
held the old password (an attacker who guessed or phished it) is signed out: their refresh
token is refused. Before this work there was no reset; these are the properties it must keep.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import EmailToken
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
    for _ in range(2):  # two reset mails: the older link must die with the newer's use
        assert (await client.post("/api/v1/auth/password-reset", json={"email": person.email})).status_code == 202
        deliver()
    first, second = [token_of(link) for link in _reset_links(smtp_server, person.email)]

    r = await client.post("/api/v1/auth/password-reset/confirm", json={"token": second, "password": NEW})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": attacker_pair["refresh_token"]})
    assert r.status_code == 401, "a session from before the reset still refreshes"
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


def _reset_links(inbox: Inbox, address: str) -> list[str]:
    links = []
    for message in inbox.to(address):
        body = message.get_payload(decode=True).decode()
        links += [word for word in body.split() if "/reset-password?token=" in word]
    return links
