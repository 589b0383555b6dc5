"""Retention trims old engine traffic, model- and tool-call excerpts, and a project still reads the
same over REST afterwards: its milestones in the timeline, its usage totals to the cent, every tool
call; the audit log goes only when the operator gives it an age of its own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
from sqlmodel import Session, select

from berrys_app.domain.accounts import TeamMember
from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.common import utcnow
from berrys_app.domain.events import Event
from berrys_app.domain.models import ModelCall
from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.tools import ToolCall
from berrys_app.services import projects, retention
from berrys_app.services.authz import Actor
from tests.api.conftest import make_person

OLD = timedelta(days=400)


def _project(session: Session, actor: Actor, team_id: uuid.UUID, status: str) -> uuid.UUID:
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name=f"p {status}"))
    project.status = status
    session.add(project)
    session.commit()
    return project.id


def _event(session: Session, kind: str, team_id: uuid.UUID, project_id: uuid.UUID, age: timedelta) -> None:
    session.add(Event(kind=kind, team_id=team_id, project_id=project_id, payload={}, created_at=utcnow() - age))


def _call(session: Session, project_id: uuid.UUID, age: timedelta, cost: str) -> uuid.UUID:
    row = ModelCall(
        project_id=project_id,
        model="scripted/echo",
        prompt_tokens=100,
        completion_tokens=20,
        cost_usd=Decimal(cost),
        content="the reply",
        parsed={"answer": 1},
        tool_calls=[{"name": "t"}],
        created_at=utcnow() - age,
    )
    session.add(row)
    return row.id


async def test_retention_keeps_milestones_and_costs(session: Session, client: httpx.AsyncClient) -> None:
    person = make_person(session)
    actor = Actor(user_id=person.user_id, label=person.email)
    team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == person.user_id)).one()
    done = _project(session, actor, team_id, "completed")
    running = _project(session, actor, team_id, "executing")
    for kind in ("task.started", "model.call", "tool.call"):
        _event(session, kind, team_id, done, OLD)
    _event(session, "project.status_changed", team_id, done, OLD)
    _event(session, "plan.approved", team_id, done, OLD)
    _event(session, "task.completed", team_id, done, timedelta(days=1))
    old_done = _call(session, done, OLD, "0.0123")
    new_done = _call(session, done, timedelta(days=1), "0.0100")
    old_running = _call(session, running, OLD, "0.5000")
    session.commit()
    usage_before = (await client.get(f"/api/v1/projects/{done}/usage", headers=person.headers)).json()

    assert retention.purge(0).events_deleted == 0  # off: nothing goes
    report = retention.purge(365, batch=2)  # small batches: the loop drains them all

    assert (report.events_deleted, report.excerpts_cleared) == (3, 1)
    timeline = (await client.get(f"/api/v1/projects/{done}/events", headers=person.headers)).json()["data"]
    project_kinds = [e["kind"] for e in timeline if e["project_id"] == str(done)]
    assert "project.status_changed" in project_kinds and "plan.approved" in project_kinds
    assert "task.completed" in project_kinds  # recent traffic stays
    assert not {"task.started", "model.call", "tool.call"} & set(project_kinds)
    usage_after = (await client.get(f"/api/v1/projects/{done}/usage", headers=person.headers)).json()
    assert usage_after == usage_before
    session.expire_all()
    cleared = session.get(ModelCall, old_done)
    assert cleared is not None and (cleared.content, cleared.parsed, cleared.tool_calls) == (None, None, [])
    assert cleared.cost_usd == Decimal("0.0123") and cleared.prompt_tokens == 100
    assert session.get(ModelCall, new_done).content == "the reply"  # type: ignore[union-attr]
    # a project that may still run keeps what a resumed task replays
    assert session.get(ModelCall, old_running).content == "the reply"  # type: ignore[union-attr]


def _tool_call(session: Session, project_id: uuid.UUID, age: timedelta, name: str) -> uuid.UUID:
    row = ToolCall(
        call_key=f"task:x:tool:{uuid.uuid4().hex}",
        project_id=project_id,
        tool_name=name,
        arguments={"url": "https://example.com/private"},
        status="ok",
        content="the page text",
        attempts=2,
        duration_ms=12.5,
        started_at=utcnow() - age,
    )
    session.add(row)
    return row.id


def _trimmed(calls: list[dict]) -> list[dict]:
    """What retention may not change in a tool-call list: every row and its totals."""
    keep = ("id", "tool_name", "status", "error_code", "attempts", "duration_ms", "started_at")
    return [{k: c[k] for k in keep} for c in calls]


async def test_tool_call_excerpts_are_trimmed_and_every_call_still_counts(
    session: Session, client: httpx.AsyncClient
) -> None:
    person = make_person(session)
    actor = Actor(user_id=person.user_id, label=person.email)
    team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == person.user_id)).one()
    done = _project(session, actor, team_id, "completed")
    running = _project(session, actor, team_id, "executing")
    old = [_tool_call(session, done, OLD, f"old{i}") for i in range(3)]
    recent = _tool_call(session, done, timedelta(days=1), "recent")
    resumable = _tool_call(session, running, OLD, "resumable")
    session.commit()
    url = f"/api/v1/projects/{done}/tool-calls"
    before = (await client.get(url, headers=person.headers)).json()

    report = retention.purge(365, batch=2)

    assert report.tool_excerpts_cleared == 3
    after = (await client.get(url, headers=person.headers)).json()
    assert after["meta"]["total"] == before["meta"]["total"] == 4
    assert _trimmed(after["data"]) == _trimmed(before["data"])
    by_id = {c["id"]: c for c in after["data"]}
    assert all((by_id[str(i)]["content"], by_id[str(i)]["arguments"]) == ("", {}) for i in old)
    assert by_id[str(recent)]["content"] == "the page text"
    session.expire_all()
    kept = session.get(ToolCall, resumable)
    assert kept is not None and kept.content == "the page text" and kept.arguments  # may still be replayed
    assert retention.purge(365).tool_excerpts_cleared == 0  # trimmed once


async def test_the_audit_log_is_kept_unless_its_own_age_is_set(session: Session, client: httpx.AsyncClient) -> None:
    person = make_person(session)
    team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == person.user_id)).one()
    old = [
        AuditEntry(action="member.added", actor_label="x", team_id=team_id, created_at=utcnow() - OLD) for _ in range(3)
    ]
    recent = AuditEntry(action="member.removed", actor_label="x", team_id=team_id)
    session.add_all([*old, recent])
    session.commit()
    url = f"/api/v1/teams/{team_id}/audit"
    total = (await client.get(url, headers=person.headers)).json()["meta"]["total"]

    assert retention.purge(30).audit_deleted == 0  # engine traffic trimmed, evidence kept (the default)
    assert (await client.get(url, headers=person.headers)).json()["meta"]["total"] == total

    report = retention.purge(0, audit_days=365, batch=2)
    assert report.audit_deleted == 3 and report.events_deleted == 0
    left = (await client.get(url, headers=person.headers)).json()
    assert left["meta"]["total"] == total - 3
    assert str(recent.id) in {str(e["id"]) for e in left["data"]}
