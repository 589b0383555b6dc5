"""Collaboration: comments with @mentions, the approvals inbox (decides through the engine),
the activity feed, the event cursor and the live SSE stream."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlmodel import Session

from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import collab, projects
from berrys_app.services.authz import Actor
from berrys_app.usecases import project_lifecycle
from tests.api.servers import api_processes
from tests.api.world import PLAN, build_world


async def test_comment_mentions_resolve_to_team_members(client, session: Session) -> None:
    world = build_world(session)
    member, viewer = world.people["member"], world.people["viewer"]
    handle = viewer.email.split("@")[0]
    body = f"@{handle} please check; cc @{world.people['admin'].email} and @nobody"
    r = await client.post(
        f"/api/v1/projects/{world.project_id}/comments",
        json={"body": body, "task_id": str(world.task_id)},
        headers=member.headers,
    )
    assert r.status_code == 201, r.text
    comment = r.json()
    assert sorted(comment["mentions"]) == sorted([str(viewer.user_id), str(world.people["admin"].user_id)])
    mentions = (await client.get("/api/v1/me/mentions", headers=viewer.headers)).json()["data"]
    assert [m["id"] for m in mentions] == [comment["id"]]
    events = (await client.get(f"/api/v1/projects/{world.project_id}/events", headers=viewer.headers)).json()["data"]
    kinds = [e["kind"] for e in events]
    assert "comment.created" in kinds and kinds.count("comment.mention") == 2
    # an outsider mentioned by email is not a member: no mention
    r = await client.post(
        f"/api/v1/projects/{world.project_id}/comments",
        json={"body": f"hi @{world.people['outsider'].email}"},
        headers=member.headers,
    )
    assert r.json()["mentions"] == []
    # a task of another project is not found
    r = await client.post(
        f"/api/v1/projects/{world.project_id}/comments",
        json={"body": "x", "task_id": str(world.project_id)},
        headers=member.headers,
    )
    assert r.status_code == 404


async def test_plan_approval_inbox_decides_through_the_engine(client, session: Session) -> None:
    world = build_world(session)
    owner, member, viewer = world.people["owner"], world.people["member"], world.people["viewer"]
    actor = Actor(user_id=owner.user_id, label=owner.email)
    project = projects.create_project(session, actor, team_id=world.team_a, data=ProjectCreate(name="Inbox"))
    session.commit()
    project_lifecycle.submit_plan(session, actor, project.id, PLAN)
    session.commit()

    r = await client.get(f"/api/v1/teams/{world.team_a}/approvals", headers=viewer.headers)
    assert r.status_code == 200
    pending = [a for a in r.json()["data"] if a["project_id"] == str(project.id)]
    assert len(pending) == 1 and pending[0]["kind"] == "plan" and pending[0]["status"] == "pending"
    approval_id = pending[0]["id"]

    r = await client.post(f"/api/v1/approvals/{approval_id}/approve", headers=viewer.headers)
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={"reason": "ship it"}, headers=member.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["decided_by"] == str(member.user_id)
    got = (await client.get(f"/api/v1/projects/{project.id}", headers=viewer.headers)).json()
    assert got["status"] == "ready"  # the engine approved the plan
    r = await client.post(f"/api/v1/approvals/{approval_id}/reject", json={"reason": "late"}, headers=member.headers)
    assert r.status_code == 409


async def test_budget_approval_needs_admin_and_rejection_needs_reason(client, session: Session) -> None:
    world = build_world(session)
    row = collab.open_approval(
        session, team_id=world.team_a, kind="budget", project_id=world.project_id, title="Raise budget to $5"
    )
    session.commit()
    r = await client.post(f"/api/v1/approvals/{row.id}/approve", headers=world.people["member"].headers)
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/approvals/{row.id}/reject", json={"reason": "no"}, headers=world.people["admin"].headers
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    r = await client.get(
        f"/api/v1/teams/{world.team_a}/approvals?status=rejected", headers=world.people["viewer"].headers
    )
    assert [a["id"] for a in r.json()["data"]] == [str(row.id)]


async def test_activity_feed_and_event_cursor(client, session: Session) -> None:
    world = build_world(session)
    viewer = world.people["viewer"]
    feed = (await client.get(f"/api/v1/teams/{world.team_a}/activity", headers=viewer.headers)).json()["data"]
    assert {"project.created", "plan.approved", "comment.created"} <= {e["kind"] for e in feed}
    assert all(e["team_id"] == str(world.team_a) for e in feed)
    first = (await client.get(f"/api/v1/projects/{world.project_id}/events?limit=2", headers=viewer.headers)).json()
    assert len(first["data"]) == 2
    cursor = first["data"][-1]["id"]
    rest = (
        await client.get(f"/api/v1/projects/{world.project_id}/events?after={cursor}", headers=viewer.headers)
    ).json()
    assert rest["data"] and all(e["id"] > cursor for e in rest["data"])
    # the outsider's feed of their own team holds nothing of team A
    outsider = world.people["outsider"]
    r = await client.get(f"/api/v1/teams/{world.team_a}/activity", headers=outsider.headers)
    assert r.status_code == 404


def test_sse_stream_sends_backlog_then_live_events(env: dict[str, str], session: Session, tmp_path) -> None:
    """A real server: the stream replays events after the cursor, then pushes a new comment live."""
    from berrys_app.settings import get_settings

    world = build_world(session)
    viewer, member = world.people["viewer"], world.people["member"]
    server_env = {**env, "BERRYS_DATA_DIR": str(tmp_path / "d"), "SECRET_KEY": get_settings().secret_key}
    server_env["BERRYS_CHANNEL_NAMESPACE"] = get_settings().channel_namespace

    async def run(base: str) -> list[dict]:
        seen: list[dict] = []
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            url = f"/api/v1/projects/{world.project_id}/events/stream"
            async with http.stream("GET", url, headers=viewer.headers) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                posted = False
                async for line in stream.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    seen.append(json.loads(line[6:]))
                    if not posted and seen[-1]["kind"] == "comment.created":  # backlog reached the end
                        posted = True
                        r = await http.post(
                            f"/api/v1/projects/{world.project_id}/comments",
                            json={"body": "live!"},
                            headers=member.headers,
                        )
                        assert r.status_code == 201
                    elif posted and seen[-1]["kind"] == "comment.created":
                        return seen
        return seen

    with api_processes(1, server_env) as (base,):
        seen = asyncio.run(asyncio.wait_for(run(base), timeout=60))
    comments = [e for e in seen if e["kind"] == "comment.created"]
    assert len(comments) == 2 and comments[-1]["payload"]["excerpt"] == "live!"
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids) and len(ids) == len(set(ids))  # ordered, no duplicates
