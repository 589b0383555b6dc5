"""The task-list fast path (``api.fast_tasks``): the same answers as the route, never stale across
processes, and the same refusals on the very next request (removed member, disabled account,
revoked key, expired token, rate limit)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.api import fast_tasks
from berrys_app.domain.accounts import Role
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import auth, projects, task_listing, tokens
from berrys_app.services.authz import Actor
from berrys_app.usecases import project_lifecycle
from tests.api.conftest import make_person
from tests.api.servers import api_processes

VOLATILE = {"x-request-id", "date", "server"}


def _project(session: Session, actor: Actor, team_id: uuid.UUID, count: int = 3) -> uuid.UUID:
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Fast"))
    session.commit()
    tasks = [{"id": f"t{i}", "title": f"Task {i}", "depends_on": []} for i in range(count)]
    project_lifecycle.submit_plan(session, actor, project.id, {"summary": "s", "tasks": tasks})
    session.commit()
    project_lifecycle.approve_plan(session, actor, project.id)
    session.commit()
    return project.id


@pytest.fixture
def fast_calls(monkeypatch) -> list[uuid.UUID]:
    """The projects whose listing the fast path checked (a spy around the real ``check_user``)."""
    calls: list[uuid.UUID] = []
    real = task_listing.check_user

    async def spy(user_id, project_id, *, current_only=False):
        calls.append(project_id)
        return await real(user_id, project_id, current_only=current_only)

    monkeypatch.setattr(task_listing, "check_user", spy)
    return calls


@pytest.fixture
async def route_client(api_app) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with the fast path switched off: every request goes through the route."""

    async def route_only(scope, receive, send):
        scope[fast_tasks.TRIED] = True
        await api_app(scope, receive, send)

    transport = httpx.ASGITransport(app=route_only, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


async def test_fast_path_answers_exactly_like_the_route(
    client, route_client, session: Session, people, fast_calls
) -> None:
    viewer = people["viewer"]
    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project(session, member, people["team_a"])
    url = f"/api/v1/projects/{project_id}/tasks"
    cases = [
        ({"Accept-Encoding": "identity"}, ""),
        ({"Accept-Encoding": "gzip"}, ""),
        ({"Accept-Encoding": "identity"}, "?current_only=true"),
    ]
    for extra, query in cases:
        fast = await client.get(url + query, headers={**viewer.headers, **extra})
        slow = await route_client.get(url + query, headers={**viewer.headers, **extra})
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content and _headers(fast) == _headers(slow)
        again = {**viewer.headers, **extra, "If-None-Match": fast.headers["etag"]}
        fast_304, slow_304 = (
            await client.get(url + query, headers=again),
            await route_client.get(url + query, headers=again),
        )
        assert fast_304.status_code == slow_304.status_code == 304
        assert _headers(fast_304) == _headers(slow_304)
    assert fast_calls == [project_id] * 6  # every client request above took the fast path
    sent = await client.get(url, headers={**viewer.headers, "X-Request-ID": "req-42"})
    assert sent.headers["x-request-id"] == "req-42"


async def test_unusual_requests_take_the_route(client, session: Session, people, fast_calls) -> None:
    """A key's first use (recorded by the route), other queries, CORS requests: answered by the
    route (same body), not the fast path."""
    member = people["member"]
    project_id = _project(session, Actor(user_id=member.user_id, label="member"), people["team_a"])
    url = f"/api/v1/projects/{project_id}/tasks"
    _, key = auth.create_api_key(session, Actor(user_id=member.user_id, label="m"), name="ci", scopes=["projects:read"])
    session.commit()
    expected = (await client.get(url, headers=member.headers)).json()
    assert len(fast_calls) == 1
    for headers, query in (
        ({"Authorization": f"Bearer {key}"}, ""),
        ({"Authorization": f"Bearer {key}"}, "?current_only=false&page=1"),
        (member.headers, "?current_only=false&page=1"),
        ({**member.headers, "Origin": "https://example.com"}, ""),
    ):
        response = await client.get(url + query, headers=headers)
        assert response.status_code == 200 and response.json() == expected
    assert len(fast_calls) == 1


async def test_a_removed_member_a_disabled_account_and_an_expired_token_are_refused_at_once(
    client, session: Session, people, fast_calls
) -> None:
    member = people["member"]
    project_id = _project(session, Actor(user_id=member.user_id, label="member"), people["team_a"])
    url = f"/api/v1/projects/{project_id}/tasks"
    viewer = people["viewer"]
    assert (await client.get(url, headers=viewer.headers)).status_code == 200  # cached, token verified
    session.execute(
        text("DELETE FROM team_members WHERE team_id = :t AND user_id = :u"),
        {"t": people["team_a"], "u": viewer.user_id},
    )
    session.commit()
    gone = await client.get(url, headers=viewer.headers)
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"

    assert (await client.get(url, headers=member.headers)).status_code == 200
    session.execute(text("UPDATE users SET is_active = false WHERE id = :u"), {"u": member.user_id})
    session.commit()
    disabled = await client.get(url, headers=member.headers)
    assert disabled.status_code == 401 and disabled.json()["code"] == "unauthorized"

    admin = people["admin"]
    expired = tokens.issue_access_token(admin.user_id, ttl_s=-10)
    refused = await client.get(url, headers={"Authorization": f"Bearer {expired}"})
    assert refused.status_code == 401 and refused.json()["request_id"] == refused.headers["x-request-id"]
    assert len(fast_calls) == 4  # each valid token was checked by the fast path; the expired one was not


async def test_a_revoked_key_is_refused_on_the_next_request(client, session: Session, people) -> None:
    member = people["member"]
    actor = Actor(user_id=member.user_id, label="member")
    project_id = _project(session, actor, people["team_a"])
    row, key = auth.create_api_key(session, actor, name="ci", scopes=["projects:read"])
    session.commit()
    url = f"/api/v1/projects/{project_id}/tasks"
    assert (await client.get(url, headers={"Authorization": f"Bearer {key}"})).status_code == 200
    assert (await client.delete(f"/api/v1/api-keys/{row.id}", headers=member.headers)).status_code in (200, 204)
    assert (await client.get(url, headers={"Authorization": f"Bearer {key}"})).status_code == 401


async def test_the_fast_path_counts_against_the_shared_rate_limit(
    client, session: Session, people, monkeypatch, fast_calls
) -> None:
    from berrys_app.settings import get_settings

    monkeypatch.setenv("BERRYS_RATE_LIMIT_API", "3")
    get_settings.cache_clear()
    person = make_person(session, team_id=people["team_a"], role=Role.viewer)
    project_id = _project(session, Actor(user_id=people["member"].user_id, label="m"), people["team_a"])
    url = f"/api/v1/projects/{project_id}/tasks"
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200  # counted by the route
    statuses = [(await client.get(url, headers=person.headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await client.get(url, headers=person.headers)
    assert refused.json()["code"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 429
    get_settings.cache_clear()


def test_a_task_change_committed_elsewhere_shows_in_the_next_get_of_every_process(
    env: dict[str, str], session: Session, people, tmp_path
) -> None:
    """Two web processes have the listing cached; a change committed by a third connection (as a
    worker commits) is in the very next response of both."""
    from berrys_app.settings import get_settings

    member = people["member"]
    project_id = _project(session, Actor(user_id=member.user_id, label="member"), people["team_a"])
    server_env = {**env, "BERRYS_DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": get_settings().secret_key}
    path = f"/api/v1/projects/{project_id}/tasks"

    def titles(base: str) -> dict[str, str]:
        response = httpx.get(base + path, headers=member.headers)
        assert response.status_code == 200
        return {task["key"]: task["title"] for task in json.loads(response.content)["data"]}

    with api_processes(2, server_env) as bases:
        for base in bases:
            assert titles(base)["t1"] == "Task 1"
            assert titles(base)["t1"] == "Task 1"  # served from the process's cache
        session.execute(
            text("UPDATE tasks SET title = 'changed' WHERE project_id = :p AND key = 't1'"), {"p": project_id}
        )
        session.commit()
        assert [titles(base)["t1"] for base in bases] == ["changed", "changed"]


async def test_concurrent_misses_share_one_read(session: Session, people, monkeypatch) -> None:
    """After a change every poller misses at once: one JSON statement per process, not one each."""
    import asyncio

    from berrys_app.db import aio

    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project(session, member, people["team_a"])
    reads: list[str] = []
    real = aio.fetch_one

    async def counting(sql, params):
        reads.append(sql)
        return await real(sql, params)

    monkeypatch.setattr(task_listing, "afetch_one", counting)
    access = await task_listing.check_user(member.user_id, project_id)
    assert access is not None
    listings = await asyncio.gather(*(task_listing.load(access) for _ in range(8)))
    assert len({id(listing) for listing in listings}) == 1 and listings[0].total == 3
    assert sum(sql == task_listing._JSON_SQL for sql in reads) == 1


async def test_an_api_key_takes_the_fast_path_under_its_own_limit(
    client, session: Session, people, monkeypatch
) -> None:
    """A key's requests count against the key's limit (``BERRYS_RATE_LIMIT_API_OVERRIDES``), on the
    fast path as on every other route; its user's own limit is another window."""
    from berrys_app.settings import get_settings

    checked: list[str] = []
    real = task_listing.check_key

    async def spy(api_key, project_id, *, current_only=False):
        found = await real(api_key, project_id, current_only=current_only)
        checked.append("fast" if found else "declined")
        return found

    monkeypatch.setattr(task_listing, "check_key", spy)
    member = people["member"]
    actor = Actor(user_id=member.user_id, label="member")
    project_id = _project(session, actor, people["team_a"])
    row, key = auth.create_api_key(session, actor, name="service account", scopes=["projects:read"])
    other, unscoped = auth.create_api_key(session, actor, name="keys only", scopes=["keys:read"])
    session.commit()
    monkeypatch.setenv("BERRYS_RATE_LIMIT_API", "2")
    monkeypatch.setenv("BERRYS_RATE_LIMIT_API_OVERRIDES", f'{{"{row.id}": 6, "{other.id}": 10}}')
    get_settings.cache_clear()
    url, by_key = f"/api/v1/projects/{project_id}/tasks", {"Authorization": f"Bearer {key}"}

    expected = (await client.get(url, headers=member.headers)).json()
    statuses = [(await client.get(url, headers=by_key)) for _ in range(7)]
    assert [r.status_code for r in statuses] == [200] * 6 + [429]
    assert all(r.json() == expected for r in statuses[:6])
    assert statuses[-1].json()["code"] == "rate_limited"
    # the first use is recorded by the route (last_used_at), then the fast path answers, then the
    # exhausted limit sends the request to the route, which refuses it
    assert checked == ["declined"] + ["fast"] * 5 + ["fast"]
    assert (await client.get("/api/v1/me", headers=by_key)).status_code == 429  # one window per key
    assert (await client.get(url, headers=member.headers)).status_code == 200  # the user's own: 2nd of 2

    no_scope = {"Authorization": f"Bearer {unscoped}"}
    assert (await client.get("/api/v1/api-keys", headers=no_scope)).status_code == 200  # its use recorded
    checked.clear()
    for _ in range(2):  # a valid, recently used key without a projects scope: declined, refused by the route
        refused = await client.get(url, headers=no_scope)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert checked == ["declined", "declined"]
    get_settings.cache_clear()
