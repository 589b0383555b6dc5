"""The hot task-list projection: same shape as ``TaskPublic``, never stale, authorized;
and the JWT verification cache still refuses expired tokens."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.api.schemas import TaskPublic
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import projects, task_listing, tokens
from berrys_app.services.authz import Actor
from berrys_app.services.errors import NotFound, Unauthorized
from berrys_app.usecases import project_lifecycle


def _project_with_tasks(session: Session, actor: Actor, team_id: uuid.UUID, count: int = 3) -> uuid.UUID:
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Listing"))
    session.commit()
    tasks = [{"id": f"t{i}", "title": f"Task {i}", "depends_on": []} for i in range(count)]
    project_lifecycle.submit_plan(session, actor, project.id, {"summary": "s", "tasks": tasks})
    session.commit()
    project_lifecycle.approve_plan(session, actor, project.id)  # tasks are created on approval
    session.commit()
    return project.id


def _titles(actor: Actor, project_id: uuid.UUID) -> dict[str, str]:
    import json

    listing = task_listing.list_tasks_json(actor, project_id)
    return {task["key"]: task["title"] for task in json.loads(listing.body)["data"]}


def test_task_columns_match_the_public_schema() -> None:
    assert tuple(TaskPublic.model_fields) == task_listing.TASK_COLUMNS


def test_listing_sees_a_change_committed_by_an_older_transaction(session: Session, people) -> None:
    """The cache key must change even when the newest row version is not the largest xid."""
    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project_with_tasks(session, member, people["team_a"])
    assert _titles(member, project_id) == {"t0": "Task 0", "t1": "Task 1", "t2": "Task 2"}  # cached now
    engine = session.get_bind()
    with Session(engine) as older, Session(engine) as newer:
        older_xid = older.execute(text("SELECT txid_current()")).scalar_one()  # assigned first
        newer.execute(text("UPDATE tasks SET title = 'newer' WHERE project_id = :p AND key = 't1'"), {"p": project_id})
        newer_xid = newer.execute(text("SELECT txid_current()")).scalar_one()
        newer.commit()
        assert _titles(member, project_id)["t1"] == "newer"
        older.execute(text("UPDATE tasks SET title = 'older' WHERE project_id = :p AND key = 't2'"), {"p": project_id})
        older.commit()
    assert older_xid < newer_xid
    assert _titles(member, project_id) == {"t0": "Task 0", "t1": "newer", "t2": "older"}


def test_listing_is_for_team_members_only(session: Session, people) -> None:
    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project_with_tasks(session, member, people["team_a"])
    viewer = Actor(user_id=people["viewer"].user_id, label="viewer")
    assert task_listing.list_tasks_json(viewer, project_id).total == 3
    outsider = Actor(user_id=people["outsider"].user_id, label="outsider")
    with pytest.raises(NotFound, match="project not found"):
        task_listing.list_tasks_json(outsider, project_id)
    with pytest.raises(NotFound, match="project not found"):
        task_listing.list_tasks_json(viewer, uuid.uuid4())
    assert task_listing.list_tasks_json(Actor.system(), project_id).total == 3


def test_current_only_lists_the_current_plan_version(session: Session, people) -> None:
    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project_with_tasks(session, member, people["team_a"], count=2)
    every = task_listing.list_tasks_json(member, project_id)
    current = task_listing.list_tasks_json(member, project_id, current_only=True)
    assert every.total == 2 and current.total == 2 and every.etag != current.etag


def test_a_verified_token_is_checked_for_expiry_on_every_use(env, people) -> None:
    token = tokens.issue_access_token(people["owner"].user_id)
    claims = tokens.decode(token, typ="access")  # verified and remembered
    assert (token, tokens._key_material()) in tokens._verified
    tokens._verified[(token, tokens._key_material())] = {**claims, "exp": int(time.time()) - 1}
    with pytest.raises(Unauthorized, match="invalid or expired token"):
        tokens.decode(token, typ="access")
    with pytest.raises(Unauthorized, match="wrong token type"):
        tokens.decode(tokens.issue_access_token(people["owner"].user_id), typ="refresh")


async def test_gzip_is_its_own_representation_with_its_own_tag(client, session: Session, people) -> None:
    import gzip
    import json

    viewer = people["viewer"]
    member = Actor(user_id=people["member"].user_id, label="member")
    project_id = _project_with_tasks(session, member, people["team_a"])
    url = f"/api/v1/projects/{project_id}/tasks"
    plain = await client.get(url, headers={**viewer.headers, "Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    request = client.build_request("GET", url, headers={**viewer.headers, "Accept-Encoding": "gzip"})
    raw = await client.send(request, stream=True)
    compressed = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert raw.headers["content-encoding"] == "gzip" and raw.headers["etag"] != plain.headers["etag"]
    assert json.loads(gzip.decompress(compressed)) == plain.json() and plain.json()["meta"]["total"] == 3
    refused = await client.get(url, headers={**viewer.headers, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.headers["etag"] == plain.headers["etag"]
    for tag in (plain.headers["etag"], raw.headers["etag"]):
        encoding = "gzip" if tag == raw.headers["etag"] else "identity"
        again = await client.get(url, headers={**viewer.headers, "Accept-Encoding": encoding, "If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag
    other = await client.get(
        url, headers={**viewer.headers, "Accept-Encoding": "identity", "If-None-Match": raw.headers["etag"]}
    )
    assert other.status_code == 200  # the gzip tag does not validate the plain representation
