"""No list behind a page or a REST route reads a big table from end to end.

Two teams are seeded (``bench/volume_seed.py``) — ours, and five times as much for everyone else —
and VACUUM ANALYZEd, so the planner sees tables where a sequential scan is the wrong plan. Each list
runs through its real service function; every statement it sends is captured and EXPLAINed
with its own parameters. A ``Seq Scan`` on one of the big tables fails the test, naming the list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bench.volume_seed import Volume, project_id, seed
from berrys_app.domain.accounts import Team, TeamMember
from berrys_app.services import audit, auth, collab, events, projects, team_usage
from berrys_app.services.authz import Actor
from berrys_app.settings import libpq_url

# projects are not here: a team's few thousand fit in a few pages, where a scan is the right plan
BIG_TABLES = ("tasks", "events", "model_calls", "audit_entries", "approvals")
OURS = Volume(projects=200, tasks=4_000, events=40_000, model_calls=8_000, audit=4_000, approvals=2_000)
OTHERS = Volume(projects=1_000, tasks=20_000, events=200_000, model_calls=40_000, audit=20_000, approvals=10_000)


@pytest.fixture
def seeded(session: Session, db_url: str) -> tuple[Actor, uuid.UUID]:
    user = auth.create_user(session, email="plans@example.com", verified=True)
    session.commit()
    team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).one()
    others = Team(name="everyone else")
    session.add(others)
    session.commit()
    with psycopg.connect(libpq_url(db_url)) as conn:
        seed(conn, others.id, OTHERS, salt="others")
        seed(conn, team_id, OURS, salt="ours")
    return Actor(user_id=user.id, label=user.email), team_id


def _lists(actor: Actor, team_id: uuid.UUID) -> dict[str, Callable[[Session], Any]]:
    big = project_id("ours", 0)
    return {
        "projects of a team": lambda s: projects.list_projects(s, actor, team_id=team_id, page=3),
        "projects of all my teams": lambda s: projects.list_projects(s, actor),
        "tasks of a project": lambda s: projects.list_tasks(s, actor, big),
        "project events": lambda s: events.list_events(s, project_id=big, after=0),
        "project timeline": lambda s: events.list_recent(s, project_id=big),
        "team activity": lambda s: collab.activity(s, actor, team_id=team_id),
        "team feed": lambda s: collab.recent_activity(s, actor, team_id=team_id),
        "approvals inbox": lambda s: collab.list_approvals(s, actor, team_id=team_id),
        "all approvals": lambda s: collab.list_approvals(s, actor, team_id=team_id, status=None, page=2),
        "my approvals": lambda s: collab.my_approvals(s, actor),
        "audit log": lambda s: audit.list_entries(s, actor, team_id=team_id, page=2),
        "project usage": lambda s: projects.project_usage(s, actor, big),
        "team usage (Models page)": lambda s: team_usage.team_usage(s, actor, team_id),
    }


def test_no_list_scans_a_big_table(session: Session, seeded: tuple[Actor, uuid.UUID]) -> None:
    actor, team_id = seeded
    engine = session.get_bind()
    scans: dict[str, list[str]] = {}
    for name, run in _lists(actor, team_id).items():
        sent: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany, sent=sent) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            with Session(engine) as own:
                run(own)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert sent, f"{name}: no statement captured"
        with engine.connect() as conn:
            for statement, parameters in sent:
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                bad = [t for t in BIG_TABLES if f"Seq Scan on {t} " in plan]
                if bad:
                    scans.setdefault(name, []).append(plan)
    assert not scans, "sequential scans:\n" + "\n\n".join(f"{k}:\n" + "\n".join(v) for k, v in scans.items())
