"""Plan approvals follow the project lifecycle: opened when a project enters plan review (not
auto-approved), closed when it leaves review by any door (inbox, plan routes, cancel)."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.collab import Approval
from berrys_app.domain.events import Event
from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.work import PlanVersion
from berrys_app.services import projects
from berrys_app.services.authz import Actor
from berrys_app.usecases import project_lifecycle
from tests.api.world import PLAN, World, build_world


def _plan_approvals(session: Session, project_id: uuid.UUID) -> list[Approval]:
    session.expire_all()
    rows = session.exec(select(Approval).where(Approval.project_id == project_id, Approval.kind == "plan"))
    return sorted(rows, key=lambda a: a.created_at)


def _project_in_review(session: Session, world: World, *, auto_approve: bool = False) -> uuid.UUID:
    owner = world.people["owner"]
    actor = Actor(user_id=owner.user_id, label=owner.email)
    data = ProjectCreate(name=f"Inbox {uuid.uuid4().hex[:6]}", auto_approve=auto_approve)
    project = projects.create_project(session, actor, team_id=world.team_a, data=data)
    session.commit()
    project_lifecycle.submit_plan(session, actor, project.id, PLAN)
    session.commit()
    return project.id


async def test_entering_plan_review_opens_a_plan_approval_without_listing(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)

    rows = _plan_approvals(session, project_id)  # nobody listed the inbox yet
    assert [(r.status, r.kind) for r in rows] == [("pending", "plan")]
    assert rows[0].requested_by == world.people["owner"].email
    requested = session.exec(
        select(Event).where(Event.project_id == project_id, Event.kind == "approval.requested")
    ).all()
    assert [e.payload["approval_id"] for e in requested] == [str(rows[0].id)]

    r = await client.get(f"/api/v1/teams/{world.team_a}/approvals", headers=world.people["viewer"].headers)
    listed = [a for a in r.json()["data"] if a["project_id"] == str(project_id)]
    assert [a["id"] for a in listed] == [str(rows[0].id)]


async def test_auto_approved_projects_open_no_plan_approval(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world, auto_approve=True)
    assert _plan_approvals(session, project_id) == []
    r = await client.get(f"/api/v1/projects/{project_id}", headers=world.people["viewer"].headers)
    assert r.json()["status"] in ("ready", "executing")


async def test_approving_through_the_plan_route_closes_the_approval(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)
    member = world.people["member"]

    r = await client.post(f"/api/v1/projects/{project_id}/plan/approve", headers=member.headers)
    assert r.status_code == 200, r.text
    [row] = _plan_approvals(session, project_id)
    assert row.status == "approved" and row.decided_by == member.user_id and row.decided_at is not None
    r = await client.get(f"/api/v1/teams/{world.team_a}/approvals", headers=member.headers)
    assert str(project_id) not in {a["project_id"] for a in r.json()["data"]}
    r = await client.post(f"/api/v1/approvals/{row.id}/approve", headers=member.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"


async def test_rejecting_in_the_inbox_rejects_the_plan(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)
    [row] = _plan_approvals(session, project_id)

    r = await client.post(
        f"/api/v1/approvals/{row.id}/reject", json={"reason": "split research"}, headers=world.people["member"].headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected" and r.json()["reason"] == "split research"
    got = (await client.get(f"/api/v1/projects/{project_id}", headers=world.people["viewer"].headers)).json()
    assert got["status"] == "rejected"
    session.expire_all()
    plan = session.exec(select(PlanVersion).where(PlanVersion.project_id == project_id)).one()
    assert plan.status == "rejected" and plan.reason == "split research"


async def test_rejecting_through_the_plan_route_closes_it_and_a_new_plan_opens_another(
    client, session: Session
) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)
    member = world.people["member"]

    r = await client.post(
        f"/api/v1/projects/{project_id}/plan/reject", json={"reason": "too vague"}, headers=member.headers
    )
    assert r.status_code == 200, r.text
    [first] = _plan_approvals(session, project_id)
    assert first.status == "rejected" and first.reason == "too vague" and first.decided_by == member.user_id

    r = await client.post(f"/api/v1/projects/{project_id}/plan", json=PLAN, headers=member.headers)
    assert r.status_code < 300, r.text
    rows = _plan_approvals(session, project_id)
    assert [a.status for a in rows] == ["rejected", "pending"]


async def test_cancelling_a_project_in_review_closes_its_approval(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)
    r = await client.post(
        f"/api/v1/projects/{project_id}/cancel", json={"reason": "not needed"}, headers=world.people["member"].headers
    )
    assert r.status_code == 200, r.text
    [row] = _plan_approvals(session, project_id)
    assert row.status == "rejected" and row.reason == "not needed"


async def test_my_inbox_spans_my_teams_and_only_mine(client, session: Session) -> None:
    world = build_world(session)
    project_id = _project_in_review(session, world)
    [row] = _plan_approvals(session, project_id)
    member, outsider = world.people["member"], world.people["outsider"]

    r = await client.get("/api/v1/approvals", headers=member.headers)
    assert r.status_code == 200, r.text
    assert str(row.id) in [a["id"] for a in r.json()["data"]] and r.json()["meta"]["total"] >= 1
    r = await client.get("/api/v1/approvals?status=approved", headers=outsider.headers)
    assert r.json() == {"data": [], "meta": {"total": 0, "page": 1, "per_page": 50, "next_cursor": None}}
    r = await client.get("/api/v1/approvals", headers=outsider.headers)
    assert str(world.team_a) not in r.text

    await client.post(f"/api/v1/approvals/{row.id}/approve", headers=member.headers)
    pending = (await client.get("/api/v1/approvals", headers=member.headers)).json()["data"]
    assert str(row.id) not in [a["id"] for a in pending]
    decided = (await client.get("/api/v1/approvals?status=approved", headers=member.headers)).json()["data"]
    assert str(row.id) in [a["id"] for a in decided]
    r = await client.get("/api/v1/approvals?status=maybe", headers=member.headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
