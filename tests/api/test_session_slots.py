"""More concurrent requests than the pool has connections: every one is answered, none with a 500.

A request's session keeps its connection across thread-pool hops (the API-key check in the auth
dependency, then the handler, then the commit). With more such requests in flight than the pool's
30 connections, the 40 threads all blocked in the pool's checkout while the connections' owners
waited for a thread (bench/throughput.py, C=60: 500s after the pool's 30 s timeout).
``api.deps.get_session`` holds the surplus on the event loop (``db.request_slots``). With its
semaphore taken out by hand (2026-12-07), this test got no answer at all: 160 x ReadTimeout after
90 s; with it, 160 answers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
from sqlmodel import Session, select

from berrys_app.domain.accounts import TeamMember
from berrys_app.services import auth
from berrys_app.services.authz import Actor
from berrys_app.settings import get_settings
from tests.api.conftest import make_person
from tests.api.servers import api_processes

CONCURRENT = 160  # > the sessions pool (14 by default) and AnyIO's 40 threads


async def _burst(url: str, key: str, team_id: str) -> Counter[int | str]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(90.0)) as http:

        async def one() -> int | str:
            try:
                response = await http.get(
                    f"{url}/api/v1/projects", params={"team_id": team_id}, headers={"Authorization": f"Bearer {key}"}
                )
            except httpx.HTTPError as error:
                return type(error).__name__
            return response.status_code

        return Counter(await asyncio.gather(*(one() for _ in range(CONCURRENT))))


def test_more_requests_than_connections_are_all_answered(env: dict[str, str], session: Session, tmp_path) -> None:
    person = make_person(session)
    actor = Actor(user_id=person.user_id, label=person.email)
    team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == person.user_id)).one()
    _, key = auth.create_api_key(session, actor, name="load", scopes=["projects:read"])
    session.commit()
    server_env = {
        **env,
        "BERRYS_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": get_settings().secret_key,
        "BERRYS_RATE_LIMIT_API": "100000",
    }
    with api_processes(1, server_env) as (url,):
        started = time.monotonic()
        statuses = asyncio.run(_burst(url, key, str(team_id)))
        took = time.monotonic() - started
    answered = sum(
        n for status, n in statuses.items() if isinstance(status, int) and (200 <= status < 300 or status == 429)
    )
    assert answered == CONCURRENT, f"{dict(statuses)} in {took:.1f} s"
    assert statuses[200] > 0
