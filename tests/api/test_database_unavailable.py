"""When PostgreSQL cannot be reached (down, restarting, out of connection slots), REST answers
503 with ``Retry-After`` and a problem saying so -- not a 500 "something went wrong": the client
did nothing wrong, and a retry shortly after is the right move (seen at C=20 on a busy machine:
"too many clients already" answered 500)."""

from __future__ import annotations

from berrys_app.settings import get_settings
from tests.api.conftest import make_person


async def test_an_unreachable_database_answers_503_with_retry_after(session, client, monkeypatch) -> None:
    person = make_person(session)
    assert (await client.get("/api/v1/projects", headers=person.headers)).status_code == 200

    # nothing listens on port 9 here: every new connection is refused, as when PostgreSQL is down
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/berrys")
    get_settings.cache_clear()
    response = await client.get("/api/v1/projects", headers=person.headers)

    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert body["type"] == "urn:berrys:problem:database_unavailable"
    assert "retry" in body["detail"].lower()
    assert body["request_id"] == response.headers["x-request-id"]
