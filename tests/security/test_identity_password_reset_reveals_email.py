"""Attack: learn who has an account by asking for a password reset.

A reset request must answer the same for an address with an account and one without (the
mail, not the answer, goes to the owner). Before this work there was no reset at all (a
forgotten password meant a lost account): the test needs the reset mail to arrive, and the
answers to be identical.
"""

from __future__ import annotations

from sqlmodel import Session

from tests.api.conftest import api_app, client, make_person  # noqa: F401
from tests.mailbox import Inbox, deliver, smtp_server  # noqa: F401


async def test_reset_request_answers_alike_and_mails_only_the_owner(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    known = make_person(session, email="known@corp.example")
    r_known = await client.post("/api/v1/auth/password-reset", json={"email": known.email})
    r_unknown = await client.post("/api/v1/auth/password-reset", json={"email": "nobody@corp.example"})
    assert r_known.status_code == r_unknown.status_code == 202, (r_known.text, r_unknown.text)
    assert r_known.content == r_unknown.content

    deliver()
    assert smtp_server.link(known.email, "/reset-password")
    assert smtp_server.to("nobody@corp.example") == [], "a mail went to an address without an account"
