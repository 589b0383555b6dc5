"""Workspace pages' logic: status filter choices, deadline parsing, the team usage aggregate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session

from berrys_app.domain.models import ModelCall
from berrys_app.domain.projects import ProjectCreate, ProjectStatus
from berrys_app.services import auth, projects, team_usage, teams
from berrys_app.services.authz import Actor
from berrys_app.services.errors import NotFound
from berrys_app.ui.pages.projects import STATUSES
from berrys_app.ui.state.projects import parse_deadline


def test_the_status_filter_offers_every_project_status() -> None:
    assert STATUSES[0] == "all"
    assert set(STATUSES[1:]) == {s.value for s in ProjectStatus}
    assert {"ready", "rejected"} <= set(STATUSES)


def test_deadline_from_the_form_is_utc_in_the_future_or_a_message() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_deadline("", now=now) is None
    assert parse_deadline("2030-02-01T17:30", now=now) == datetime(2030, 2, 1, 17, 30, tzinfo=UTC)
    assert parse_deadline("2029-12-31T10:00", now=now) == "must be in the future"
    assert str(parse_deadline("tomorrow", now=now)).startswith("a date and time")


def _person(session: Session, email: str) -> tuple[Actor, object]:
    user = auth.create_user(session, email=email, name=email.split("@")[0])
    actor = Actor(user_id=user.id, label=email)
    return actor, teams.list_my_teams(session, actor)[0].id


def _call(session: Session, project_id, model: str, cost: str, prompt: int, completion: int) -> None:
    session.add(
        ModelCall(
            project_id=project_id,
            model=model,
            cost_usd=Decimal(cost),
            prompt_tokens=prompt,
            completion_tokens=completion,
        )
    )


def test_team_usage_sums_every_project_of_the_team_and_only_those(session: Session) -> None:
    owner, team = _person(session, "owner@example.com")
    other, other_team = _person(session, "other@example.com")
    mine = [
        projects.create_project(session, owner, team_id=team, data=ProjectCreate(name=f"P{i}", objectives=["x"]))
        for i in range(3)
    ]
    session.commit()
    theirs = projects.create_project(session, other, team_id=other_team, data=ProjectCreate(name="Q", objectives=["x"]))
    session.commit()
    _call(session, mine[0].id, "m/a", "0.5", 100, 10)
    _call(session, mine[1].id, "m/a", "0.25", 50, 5)
    _call(session, mine[2].id, "m/b", "1", 1000, 0)
    _call(session, theirs.id, "m/a", "9", 9, 9)
    session.flush()

    usage = team_usage.team_usage(session, owner, team)
    assert usage["by_model"] == [
        {"model": "m/a", "cost_usd": 0.75, "prompt_tokens": 150, "completion_tokens": 15, "tokens": 165, "calls": 2},
        {"model": "m/b", "cost_usd": 1.0, "prompt_tokens": 1000, "completion_tokens": 0, "tokens": 1000, "calls": 1},
    ]
    assert [(d["cost_usd"], d["tokens"]) for d in usage["by_day"]] == [(1.75, 1165)]
    with pytest.raises(NotFound):  # outsiders do not learn the team exists
        team_usage.team_usage(session, other, team)
