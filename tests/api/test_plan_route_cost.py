"""The hand-made plan route of an auto-approving project (``bench/throughput.py``'s hot request):
its events, their order and the statements it sends stay what they are; and a plan approval opened
before the project switched to auto-approve is still closed when its next plan is approved."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import Session, col, select

from berrys_app.db import get_engine
from berrys_app.domain.accounts import Role
from berrys_app.domain.collab import Approval
from berrys_app.domain.events import Event
from tests.api.conftest import make_person, make_team

PLAN = {
    "summary": "two in parallel, one after both",
    "tasks": [
        {"id": "a", "title": "Left", "description": "l"},
        {"id": "b", "title": "Right", "description": "r"},
        {"id": "c", "title": "Join", "description": "j", "depends_on": ["a", "b"]},
    ],
}
# the statements the route sends (the project locked with the caller's membership, the version and
# transitions, the team assembly, tasks and edges, the start, the webhook outbox); more means a
# query or a flush came back
MAX_PLAN_STATEMENTS = 19


@contextmanager
def _statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:
        sent.append(statement)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)


def _timeline(session: Session, project_id: str) -> list[tuple[str, object]]:
    rows = session.exec(select(Event).where(Event.project_id == uuid.UUID(project_id)).order_by(col(Event.id))).all()
    return [(e.kind, e.payload.get("to") or e.payload.get("version") or e.payload.get("key")) for e in rows]


async def _project(client, headers: dict[str, str], team: uuid.UUID, *, auto_approve: bool) -> str:
    body = {"team_id": str(team), "name": "p", "model": "scripted/echo", "auto_approve": auto_approve}
    r = await client.post("/api/v1/projects", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _member(session: Session) -> tuple[dict[str, str], uuid.UUID]:
    team = make_team(session)
    return make_person(session, team_id=team, role=Role.member).headers, team


async def test_auto_approved_plan_route_events_and_statements(client, session: Session) -> None:
    headers, team = _member(session)
    first = await _project(client, headers, team, auto_approve=True)
    await client.post(f"/api/v1/projects/{first}/plan", json=PLAN, headers=headers)  # the templates seeded
    project_id = await _project(client, headers, team, auto_approve=True)
    with _statements() as sent:
        r = await client.post(f"/api/v1/projects/{project_id}/plan", json=PLAN, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["project"]["status"] == "executing" and r.json()["project"]["plan_version"] == 1
    assert r.json()["plan"]["version"] == 1 and r.json()["plan"]["status"] == "approved"
    assert len(sent) <= MAX_PLAN_STATEMENTS, "\n".join(s[:100] for s in sent)
    assert _timeline(session, project_id) == [
        ("project.created", None),
        ("project.status_changed", "planning"),
        ("plan.proposed", 1),
        ("project.status_changed", "plan_review"),
        ("agent.created", None),
        ("plan.approved", 1),
        ("project.status_changed", "ready"),
        ("project.status_changed", "executing"),
        ("task.ready", "a"),
        ("task.ready", "b"),
    ]


async def test_a_plan_approval_from_before_auto_approve_is_closed(client, session: Session) -> None:
    headers, team = _member(session)
    project_id = await _project(client, headers, team, auto_approve=False)
    r = await client.post(f"/api/v1/projects/{project_id}/plan", json=PLAN, headers=headers)
    assert r.json()["project"]["status"] == "plan_review"
    r = await client.patch(f"/api/v1/projects/{project_id}", json={"auto_approve": True}, headers=headers)
    assert r.status_code == 200, r.text

    r = await client.post(f"/api/v1/projects/{project_id}/plan", json=PLAN, headers=headers)  # still in review
    assert r.status_code == 202 and r.json()["project"]["status"] == "executing", r.text
    session.expire_all()
    approvals = session.exec(select(Approval).where(Approval.project_id == uuid.UUID(project_id))).all()
    assert [(a.kind, a.status) for a in approvals] == [("plan", "approved")]
