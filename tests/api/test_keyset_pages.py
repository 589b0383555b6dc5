"""Projects, approvals and the audit log page by cursor over REST: every row once, newest first,
ties on created_at broken by id, rows added meanwhile neither repeated nor skipped; offset pages
still work and hand over a cursor; a bad cursor is a 422 problem, not a 500."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.collab import Approval
from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import Project
from berrys_app.services import keyset
from berrys_client import Berrys
from berrys_client.rest.api.projects import list_projects
from berrys_client.rest.models import ListOfProjectPublic
from berrys_client.rest.types import Response
from tests.api.conftest import make_person, make_team
from tests.api.servers import asgi_thread

AT = utcnow() - timedelta(days=3)


def _seed_projects(session: Session, team_id: uuid.UUID, n: int) -> list[str]:
    """``n`` projects, three of them sharing one created_at (the tie the id breaks); newest first."""
    rows = [
        Project(team_id=team_id, name=f"p{i}", created_at=AT + timedelta(minutes=i if i >= 3 else 0)) for i in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return [str(p.id) for p in sorted(rows, key=lambda p: (p.created_at, p.id), reverse=True)]


async def _walk(client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Follow next_cursor from the first page to the end; every page but the first has no total."""
    seen: list[dict[str, Any]] = []
    first = await client.get(url, params=params, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert isinstance(body["meta"]["total"], int)
    while True:
        seen += body["data"]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            return seen
        page = await client.get(url, params={**params, "cursor": cursor}, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["meta"]["total"] is None


async def test_projects_page_by_cursor(session: Session, client: httpx.AsyncClient) -> None:
    team_id = make_team(session)
    viewer = make_person(session, team_id=team_id, role=Role.viewer)
    expected = _seed_projects(session, team_id, 8)
    url, params = "/api/v1/projects", {"team_id": str(team_id), "per_page": 3}

    seen = await _walk(client, url, viewer.headers, **params)
    assert [p["id"] for p in seen] == expected

    first = (await client.get(url, params=params, headers=viewer.headers)).json()
    newer = Project(team_id=team_id, name="added meanwhile", created_at=utcnow())
    session.add(newer)
    session.commit()
    second = await client.get(url, params={**params, "cursor": first["meta"]["next_cursor"]}, headers=viewer.headers)
    assert [p["id"] for p in second.json()["data"]] == expected[3:6]  # nothing shifted by the new row

    # offset pages still work, and the last one says there is no next page
    last = (await client.get(url, params={**params, "page": 3}, headers=viewer.headers)).json()
    assert [p["id"] for p in last["data"]] == expected[5:]
    assert last["meta"]["total"] == 9 and last["meta"]["page"] == 3 and last["meta"]["next_cursor"] is None


async def test_a_bad_cursor_is_a_422_problem(session: Session, client: httpx.AsyncClient) -> None:
    team_id = make_team(session)
    viewer = make_person(session, team_id=team_id, role=Role.viewer)
    _seed_projects(session, team_id, 4)
    url = "/api/v1/projects"
    cursor = (await client.get(url, params={"team_id": str(team_id), "per_page": 2}, headers=viewer.headers)).json()[
        "meta"
    ]["next_cursor"]
    for params in ({"cursor": "not-a-cursor"}, {"cursor": "WyJ4Il0"}, {"cursor": cursor, "page": 2}):
        refused = await client.get(url, params={"team_id": str(team_id), **params}, headers=viewer.headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "validation_error"


async def test_approvals_page_by_cursor(session: Session, client: httpx.AsyncClient) -> None:
    team_id = make_team(session)
    viewer = make_person(session, team_id=team_id, role=Role.viewer)
    rows = [
        Approval(
            team_id=team_id,
            kind="plan",
            title=f"a{i}",
            status="approved" if i % 3 == 0 else "pending",
            created_at=AT + timedelta(minutes=i // 2),  # pairs share a created_at
        )
        for i in range(10)
    ]
    session.add_all(rows)
    session.commit()
    newest = sorted(rows, key=lambda a: (a.created_at, a.id), reverse=True)
    pending = [str(a.id) for a in newest if a.status == "pending"]
    approved = [str(a.id) for a in newest if a.status == "approved"]

    team_inbox = await _walk(client, f"/api/v1/teams/{team_id}/approvals", viewer.headers, per_page=2)
    assert [a["id"] for a in team_inbox] == pending
    decided = await _walk(client, f"/api/v1/teams/{team_id}/approvals", viewer.headers, per_page=3, status="approved")
    assert [a["id"] for a in decided] == approved
    mine = await _walk(client, "/api/v1/approvals", viewer.headers, per_page=4)
    assert [a["id"] for a in mine] == pending


async def test_audit_pages_by_cursor(session: Session, client: httpx.AsyncClient) -> None:
    team_id = make_team(session)
    admin = make_person(session, team_id=team_id, role=Role.admin)
    rows = [AuditEntry(action="member.added", actor_label="x", team_id=team_id) for _ in range(5)]
    session.add_all(rows)
    session.commit()
    expected = sorted((r.id for r in rows), reverse=True)

    seen = await _walk(client, f"/api/v1/teams/{team_id}/audit", admin.headers, per_page=2)
    assert [e["id"] for e in seen] == expected
    mine = await _walk(client, "/api/v1/me/audit", admin.headers, per_page=1)
    assert all(e["team_id"] is None for e in mine)
    for crafted in (keyset.encode("9" * 30), keyset.encode("x"), keyset.encode(1, 2)):
        refused = await client.get(f"/api/v1/teams/{team_id}/audit", params={"cursor": crafted}, headers=admin.headers)
        assert refused.status_code == 422 and refused.json()["code"] == "validation_error"


def test_the_sdk_follows_next_cursor(session: Session, api_app) -> None:
    """``Berrys.pages`` walks a list whose operation takes ``cursor`` by ``meta.next_cursor`` (the
    regenerated operations will; here one written like them), and still by page number otherwise."""
    team_id = make_team(session)
    viewer = make_person(session, team_id=team_id, role=Role.viewer)
    expected = _seed_projects(session, team_id, 7)
    asked: list[dict[str, Any]] = []

    def list_by_cursor(*, client: Any, team_id: str, per_page: int, cursor: str | None = None) -> Response[Any]:
        params = {"team_id": team_id, "per_page": per_page, **({"cursor": cursor} if cursor else {})}
        asked.append(params)
        reply = client.get_httpx_client().get("/api/v1/projects", params=params)
        return Response(reply.status_code, reply.content, reply.headers, ListOfProjectPublic.from_dict(reply.json()))

    with asgi_thread(api_app) as url, Berrys(url, viewer.token) as berrys:
        by_cursor = [str(p.id) for p in berrys.pages(list_by_cursor, per_page=3, team_id=str(team_id))]
        by_page = [str(p.id) for p in berrys.pages(list_projects.sync_detailed, per_page=3, team_id=team_id)]
    assert by_cursor == expected and by_page == expected
    assert [("cursor" in p) for p in asked] == [False, True, True]
