"""No list behind a page or a REST route reads a big table from end to end.

Two teams are seeded (``bench/volume_seed.py``) — ours, and five times as much for everyone else —
and VACUUM ANALYZEd, so the planner sees tables where a sequential scan is the wrong plan. Each list
runs through its real service function; every statement it sends is captured and EXPLAINed
with its own parameters. A ``Seq Scan`` on one of the big tables fails the test, naming the list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bench.volume_seed import Volume, project_id, seed
from berrys_app.domain.accounts import Team, TeamMember
from berrys_app.services import audit, auth, collab, events, keyset, projects, team_usage
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
        **_keyset_lists(actor, team_id),
        "project usage": lambda s: projects.project_usage(s, actor, big),
        "team usage (Models page)": lambda s: team_usage.team_usage(s, actor, team_id),
    }


def _second_page(list_fn: Callable[..., tuple[list[Any], int | None]], key: Callable[[Any], Any]) -> Callable:
    """Read page 1, then the page after its last row by cursor (both statements are EXPLAINed)."""

    def run(session: Session, actor: Actor, **kwargs: Any) -> Any:
        rows, total = list_fn(session, actor, per_page=20, **kwargs)
        cursor = keyset.next_cursor(rows, per_page=20, total=total, page=1, key=key)
        assert cursor, "the seed has more than one page"
        return list_fn(session, actor, per_page=20, cursor=cursor, **kwargs)

    return run


def _keyset_lists(actor: Actor, team_id: uuid.UUID) -> dict[str, Callable[[Session], Any]]:
    projects_after = _second_page(projects.list_projects, keyset.created_key)
    approvals_after = _second_page(collab.list_approvals, keyset.created_key)
    mine_after = _second_page(collab.my_approvals, keyset.created_key)
    audit_after = _second_page(audit.list_entries, keyset.id_key)
    return {
        "projects of a team, by cursor": lambda s: projects_after(s, actor, team_id=team_id),
        "approvals inbox, by cursor": lambda s: approvals_after(s, actor, team_id=team_id),
        "all approvals, by cursor": lambda s: approvals_after(s, actor, team_id=team_id, status=None),
        "my approvals, by cursor": lambda s: mine_after(s, actor),
        "audit log, by cursor": lambda s: audit_after(s, actor, team_id=team_id),
    }


# the table each keyset list pages through: its cursor page must read it through an index
KEYSET_TABLES = {
    "projects of a team, by cursor": "projects",
    "approvals inbox, by cursor": "approvals",
    "all approvals, by cursor": "approvals",
    "my approvals, by cursor": "approvals",
    "audit log, by cursor": "audit_entries",
}


def _plans(session: Session, run: Callable[[Session], Any]) -> list[str]:
    """The EXPLAIN of every query (``SELECT``, ``WITH``) that ``run`` sends, with its own parameters."""
    engine = session.get_bind()
    sent: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):  # EXPLAIN runs neither
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as own:
            run(own)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        return ["\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + st, params)) for st, params in sent]


def test_keyset_pages_read_an_index_range(session: Session, seeded: tuple[Actor, uuid.UUID]) -> None:
    """The page after a cursor starts inside an index (projects too: page 50 must not read 49 pages)."""
    actor, team_id = seeded
    lists = _lists(actor, team_id)
    wrong: dict[str, str] = {}
    for name, table in KEYSET_TABLES.items():
        last = _plans(session, lists[name])[-1]  # the page after the cursor
        by_index = re.search(rf"(Index (Only )?Scan (Backward )?using \S+|Bitmap Heap Scan) on {table} ", last)
        if not by_index or f"Seq Scan on {table} " in last:
            wrong[name] = last
    assert not wrong, "keyset pages not read through an index:\n" + "\n\n".join(f"{k}:\n{v}" for k, v in wrong.items())


def test_no_list_scans_a_big_table(session: Session, seeded: tuple[Actor, uuid.UUID]) -> None:
    actor, team_id = seeded
    scans: dict[str, list[str]] = {}
    for name, run in _lists(actor, team_id).items():
        plans = _plans(session, run)
        assert plans, f"{name}: no statement captured"
        bad = [plan for plan in plans if any(f"Seq Scan on {t} " in plan for t in BIG_TABLES)]
        if bad:
            scans[name] = bad
    assert not scans, "sequential scans:\n" + "\n\n".join(f"{k}:\n" + "\n".join(v) for k, v in scans.items())
