"""Attack: learn who has an account by registering their address.

``register`` answered 409 "an account with this email already exists" at once for a taken
address, and 201 with the new account after hashing the password for a new one: both the
answer and its time told which addresses exist. Now both answers are the same 202 body, both
paths hash the password and queue one mail (the owner of a taken address is told to reset
their password instead), so neither the body nor the time tells them apart.
"""

from __future__ import annotations

import statistics
import time

from sqlmodel import Session

from tests.api.conftest import api_app, client, make_person  # noqa: F401
from tests.mailbox import Inbox, deliver, smtp_server  # noqa: F401

ROUNDS = 4


async def _register(client, email: str) -> tuple[int, bytes, float]:  # noqa: F811
    started = time.perf_counter()
    r = await client.post("/api/v1/auth/register", json={"email": email, "password": "probe-password-1"})
    return r.status_code, r.content, time.perf_counter() - started


async def test_registering_a_taken_address_answers_like_a_new_one(
    client,  # noqa: F811
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    taken = make_person(session, email="known@corp.example")
    await _register(client, "warm-up@corp.example")  # first request pays for imports and pools
    answers_taken, answers_new = [], []
    for i in range(ROUNDS):  # interleaved, so machine load hits both alike
        answers_taken.append(await _register(client, taken.email))
        answers_new.append(await _register(client, f"fresh-{i}@corp.example"))

    statuses = {status for status, _, _ in answers_taken + answers_new}
    bodies = {body for _, body, _ in answers_taken + answers_new}
    assert statuses == {202}, f"status tells the addresses apart: {statuses}"
    assert len(bodies) == 1, f"the body tells the addresses apart: {bodies}"
    slow, fast = sorted(
        (statistics.median(t for *_, t in answers_taken), statistics.median(t for *_, t in answers_new))
    )
    assert slow < 2 * fast, f"the time tells the addresses apart: medians {slow * 1000:.1f} vs {fast * 1000:.1f} ms"

    # the owner of the taken address hears about it; the new ones get their confirmation link
    deliver()
    (warning, *_) = smtp_server.to(taken.email)
    assert "reset" in warning.get_payload(decode=True).decode()
    assert smtp_server.link("fresh-0@corp.example", "/verify-email")
