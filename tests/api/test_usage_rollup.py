"""The Models page's usage from the per-day rollup equals the sum over every call, as calls arrive,
settle late, land on a day already rolled up and leave with their project; over REST as well."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import Session, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.models import ModelCall
from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.usage import ModelUsageDaily
from berrys_app.services import projects, team_usage, usage_rollup
from berrys_app.services.authz import Actor
from berrys_app.services.usage_rollup import start_of
from berrys_app.usecases import project_lifecycle
from tests.api.conftest import make_person, make_team

# the query the Models page ran before the rollup (every call of the team), with UTC days
_RAW_BY_MODEL = text(
    """SELECT c.model, SUM(c.cost_usd) AS cost, SUM(c.prompt_tokens) AS prompt,
              SUM(c.completion_tokens) AS completion, COUNT(*) AS calls
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE p.team_id = :team AND c.status <> 'running' GROUP BY c.model ORDER BY c.model"""
)
_RAW_BY_DAY = text(
    """SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day, SUM(c.cost_usd) AS cost,
              SUM(c.prompt_tokens + c.completion_tokens) AS tokens
       FROM model_calls c JOIN projects p ON p.id = c.project_id
       WHERE p.team_id = :team AND c.status <> 'running' GROUP BY 1 ORDER BY 1"""
)


def _raw(session: Session, team_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    by_model = [
        {
            "model": r.model,
            "cost_usd": float(r.cost),
            "prompt_tokens": int(r.prompt),
            "completion_tokens": int(r.completion),
            "tokens": int(r.prompt) + int(r.completion),
            "calls": int(r.calls),
        }
        for r in session.execute(_RAW_BY_MODEL, {"team": team_id}).all()
    ]
    by_day = [
        {"day": r.day.isoformat(), "cost_usd": float(r.cost), "tokens": int(r.tokens)}
        for r in session.execute(_RAW_BY_DAY, {"team": team_id}).all()
    ]
    return {"by_model": by_model, "by_day": by_day}


class World:
    """Two teams with two projects each, and a way to add calls at any time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.teams = [make_team(session, "Usage A"), make_team(session, "Usage B")]
        self.admins = [make_person(session, team_id=t, role=Role.admin) for t in self.teams]
        self.actors = [Actor(user_id=p.user_id, label=p.email) for p in self.admins]
        self.projects = [
            [
                projects.create_project(session, actor, team_id=team, data=ProjectCreate(name=f"P{i}")).id
                for i in range(2)
            ]
            for team, actor in zip(self.teams, self.actors, strict=True)
        ]
        session.commit()
        self.n = 0

    def call(self, project: uuid.UUID, at: datetime, *, model: str = "m/a", status: str = "ok") -> ModelCall:
        self.n += 1
        row = ModelCall(
            project_id=project,
            model=model,
            status=status,
            prompt_tokens=100 + self.n,
            completion_tokens=7 * self.n,
            cost_usd=Decimal("0.000123456789") * self.n,  # twelve decimals: sums must stay exact
            created_at=at,
        )
        self.session.add(row)
        return row

    def check(self) -> None:
        """Every team's page equals the sum over its calls."""
        self.session.commit()
        for team, actor in zip(self.teams, self.actors, strict=True):
            assert team_usage.team_usage(self.session, actor, team) == _raw(self.session, team)


def _sums(session: Session) -> list[tuple[Any, ...]]:
    session.expire_all()
    rows = session.exec(select(ModelUsageDaily)).all()
    return sorted((r.team_id, r.day, r.model, r.calls, r.prompt_tokens, r.completion_tokens, r.cost_usd) for r in rows)


def _noon(day: date) -> datetime:
    return start_of(day) + timedelta(hours=12)


def test_the_rollup_equals_every_call_through_late_settles_late_rows_and_deletions(session: Session) -> None:
    world = World(session)
    today = utcnow().date()
    (a0, a1), (b0, _b1) = world.projects
    for ago in (3, 10, 40):
        day = today - timedelta(days=ago)
        world.call(a0, _noon(day), model="m/a")
        world.call(a1, _noon(day), model="m/b")
        world.call(a0, _noon(day), model="m/b", status="error")
        world.call(b0, _noon(day), model="m/a")
    boundary = start_of(today - timedelta(days=20))  # UTC days: the last instant of a day, the first of the next
    world.call(a0, boundary - timedelta(microseconds=1))
    world.call(a0, boundary)
    world.call(a1, _noon(today - timedelta(days=4)), model="m/only-deleted")
    stuck = world.call(a0, _noon(today - timedelta(days=5)), status="running")  # settled days later
    world.check()  # nothing rolled up yet: every call is read

    report = usage_rollup.roll_up()
    assert report.closed_before == today - timedelta(days=5)  # the running call keeps its day open
    assert session.exec(select(ModelUsageDaily)).all()  # the days before it are summed
    world.check()

    stuck.status, stuck.prompt_tokens, stuck.cost_usd = "ok", 999, Decimal("1.5")  # the reconciler, days later
    session.add(stuck)
    world.check()  # its day is read from the calls until rolled up
    closed = usage_rollup.roll_up().closed_before
    assert closed == (utcnow() - usage_rollup.GRACE).date()
    world.check()

    world.call(a0, utcnow(), model="m/c")  # today's calls count at once
    world.call(b0, utcnow())
    world.check()
    assert closed is not None
    late = world.call(a1, _noon(closed - timedelta(days=1)))  # written after its day was rolled up
    session.commit()
    usage_rollup.roll_up()  # each run recomputes the last days: the late row is in
    world.check()
    summed = _sums(session)
    usage_rollup.roll_up()  # re-running a day replaces it
    assert _sums(session) == summed and any(row[1] == late.created_at.date() for row in summed)

    project_lifecycle.delete_project(session, world.actors[0], a1)  # its calls leave the page with it
    session.commit()
    world.check()
    models = session.exec(select(ModelUsageDaily.model).where(ModelUsageDaily.team_id == world.teams[0])).all()
    assert "m/only-deleted" not in models  # no row of zero calls is left behind


async def test_the_usage_route_reads_the_rollup(session: Session, client: httpx.AsyncClient) -> None:
    world = World(session)
    today = utcnow().date()
    (a0, _), _ = world.projects
    world.call(a0, _noon(today - timedelta(days=30)), model="m/a")
    world.call(a0, _noon(today - timedelta(days=30)), model="m/b")
    world.call(a0, utcnow(), model="m/a")
    session.commit()
    usage_rollup.roll_up()
    session.execute(text("UPDATE model_usage_daily SET calls = calls * 10"))  # proof the sums are what is read
    session.commit()

    r = await client.get(f"/api/v1/teams/{world.teams[0]}/usage", headers=world.admins[0].headers)
    assert r.status_code == 200, r.text
    assert [(m["model"], m["calls"]) for m in r.json()["by_model"]] == [("m/a", 11), ("m/b", 10)]
    assert [d["day"] for d in r.json()["by_day"]] == [(today - timedelta(days=30)).isoformat(), today.isoformat()]
