"""The hot path's statements read the rows of the tasks at hand, not an agent's history or another
project's task list.

Agents are handed back to their team when a project ends and reused by the next one, so after months
an agent has thousands of finished tasks; and a big project may be executing beside a small one.
Measured from the outside (``bench/throughput.py``, 4 clients): the follow-up lease (in a
completion's transaction) read ~87 task rows per call after a minute, and more every minute. Its
plan walked each candidate agent's tasks (``ix_tasks_agent_status`` with the agent alone as its
condition) and every task of every executing project to find the few dependents it leases.

Here the agent of a fresh project already has 3,000 finished tasks, held by another executing
project; leasing two tasks and completing them (with the follow-up lease of their dependent, as a
worker does) must read about as many task rows as with neither. Counted by PostgreSQL itself
(``pg_stat_user_*``, flushed when the worker runtime's connections close), on the async pool's
generic plans, as in production: 6,043 rows before the fix, 41 after.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio, get_engine
from berrys_app.domain.work import Task
from berrys_app.engine import lease, statements
from berrys_app.engine.runtime import Runtime
from berrys_app.engine.speculation import DEPENDENTS_SQL
from berrys_app.settings import libpq_url
from tests.engine.helpers import in_runtime, start_project, tasks_of

T = TypeVar("T")
JOIN = {
    "tasks": [
        {"id": "a", "title": "A"},
        {"id": "b", "title": "B"},
        {"id": "c", "title": "C", "depends_on": ["a", "b"]},
    ]
}
HISTORY = 3_000
_READS = """
    SELECT coalesce((SELECT sum(idx_tup_read) FROM pg_stat_user_indexes WHERE relname = 'tasks'), 0)
         + coalesce((SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'tasks'), 0)
"""


def _task_rows_read(db_url: str) -> int:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(conn.execute(_READS).fetchone()[0])


def _give_the_agent_a_history(session: Session, team, project_id, agent_id) -> None:
    """``HISTORY`` finished tasks of ``agent_id`` (copies of task a), as if it had served many
    projects before."""
    older = start_project(session, team.member, team.team_id, {"tasks": [{"id": "o", "title": "Older"}]})
    params = {"n": HISTORY, "p": project_id, "older": older, "agent": agent_id}
    for statement in (
        "CREATE TEMP TABLE history AS"
        " SELECT t.* FROM tasks t, generate_series(1, :n) g WHERE t.project_id = :p AND t.key = 'a'",
        "UPDATE history SET id = gen_random_uuid(), project_id = :older, key = 'h' || left(md5(random()::text), 12),"
        " status = 'completed', agent_id = :agent, finished_at = now()",
        "INSERT INTO tasks SELECT * FROM history",
        "DROP TABLE history",
    ):
        session.execute(text(statement), params)
    session.commit()


@pytest.fixture
def crowded(session: Session, team, db_url: str) -> dict[str, Task]:
    """A project a, b -> c whose agent has ``HISTORY`` finished tasks, held by another executing
    project; the test's own connections closed, so the counts that follow are the scenario's."""
    project_id = start_project(session, team.member, team.team_id, JOIN, model="scripted/echo")
    tasks = tasks_of(project_id)
    assert tasks["a"].agent_id == tasks["c"].agent_id  # one agent: its history is what c's lease may walk
    _give_the_agent_a_history(session, team, project_id, tasks["a"].agent_id)
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE tasks")
    session.close()
    get_engine().dispose()  # the test's own connections exit: their reads are counted before, not during
    time.sleep(0.3)
    return tasks


def _reads_of(scenario: Callable[[Runtime], Awaitable[T]], db_url: str) -> tuple[T, int]:
    """``scenario``'s result and the task rows its statements read (on a worker runtime's pool)."""
    before = _task_rows_read(db_url)
    result = in_runtime(scenario)  # its connections close at the end: their counts are flushed
    time.sleep(0.3)
    return result, _task_rows_read(db_url) - before


def test_completing_tasks_reads_no_more_rows_when_their_agent_has_a_long_history(
    crowded: dict[str, Task], db_url: str
) -> None:
    async def scenario(rt: Runtime) -> list[lease.Completion]:
        leases = await asyncio.gather(*(lease.lease(rt.runner.commits, crowded[k].id, worker="w") for k in "ab"))
        assert all(ctx is not None for ctx in leases)
        return await asyncio.gather(
            *(
                lease.complete_and_lease(rt.runner.commits, lease.Finished(ctx, "done"), room=lambda n: 4)
                for ctx in leases
                if ctx is not None
            )
        )

    completions, read = _reads_of(scenario, db_url)

    assert all(c.done for c in completions)
    assert [ctx.key for c in completions for ctx in c.leases] == ["c"]  # the follow-up lease ran
    assert tasks_of(crowded["c"].project_id)["c"].status == "running"
    assert read < 200, f"{read} task rows read for 3 tasks: the {HISTORY} tasks beside them were walked"


def test_reading_ahead_for_dependents_reads_no_more_rows_beside_a_big_project(
    crowded: dict[str, Task], db_url: str
) -> None:
    """``speculation``'s read of the dependents it may start ahead (calls of 20 ms and more)."""

    async def scenario(rt: Runtime) -> list[dict[str, Any]]:
        ids = [crowded["a"].id, crowded["b"].id]
        return await aio.fetch(DEPENDENTS_SQL, statements.bind(ids=ids))

    rows, read = _reads_of(scenario, db_url)

    assert [row["key"] for row in rows] == ["c"]
    assert read < 100, f"{read} task rows read for one dependent: the {HISTORY} tasks beside it were walked"
