"""The hot path's shortcuts keep durability: a model call's answer is committed the moment it
arrives (before the completion), a fenced completion leaves the paid call recorded, and later
attempts replay instead of calling."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio
from berrys_app.engine.agent_loop import run_agent
from berrys_app.services.models import scripted
from tests.engine.helpers import complete_now, in_runtime, lease_now, ok_calls_per_key, start_project, tasks_of

ONE = {"tasks": [{"id": "a", "title": "Alpha"}]}


def test_the_answer_is_recorded_before_the_completion(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    ctx = lease_now(a.id, worker="w")
    assert ctx is not None and ctx.project is not None  # first attempt: the lease read the project
    answer = in_runtime(lambda _rt: run_agent(ctx))
    output = answer.content
    assert ok_calls_per_key(project_id) == {f"task:{a.id}:model:0": 1}  # durable before the completion
    assert tasks_of(project_id)["a"].status == "running"
    complete_now(ctx, output)
    assert ok_calls_per_key(project_id) == {f"task:{a.id}:model:0": 1}  # the completion wrote no call
    task = tasks_of(project_id)["a"]
    assert task.status == "completed" and task.output == output and output.startswith("echo: ")


def test_fenced_completion_leaves_the_call_it_paid_for_recorded(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    stale = lease_now(a.id, worker="slow")
    assert stale is not None
    answer = in_runtime(lambda _rt: run_agent(stale))
    session.execute(text("UPDATE tasks SET lease_expires_at = now() - interval '1 second'"))
    session.commit()
    fresh = lease_now(a.id, worker="fast")
    assert fresh is not None and fresh.attempt == 2 and fresh.project is None  # later attempts look up
    completion = complete_now(stale, answer.content)
    assert completion.jobs == [] and not completion.done  # fenced ...
    assert ok_calls_per_key(project_id) == {f"task:{a.id}:model:0": 1}  # ... but the call is recorded
    assert tasks_of(project_id)["a"].status == "running"


def test_a_later_attempt_replays_the_recorded_call(session: Session, team) -> None:
    scripted.rule("replay", contains="Task: Alpha", step={"content": "alpha once"})
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/replay")
    a = tasks_of(project_id)["a"]
    first = lease_now(a.id, worker="w1")
    assert first is not None
    answer = in_runtime(lambda _rt: run_agent(first))
    assert answer.content == "alpha once"
    complete_now(first, "alpha once")
    session.execute(
        text("UPDATE tasks SET status = 'ready', output = NULL WHERE id = :id"), {"id": a.id}
    )  # as if the row were handed out again (e.g. a duplicate job after a crash)
    session.commit()
    second = lease_now(a.id, worker="w2")
    assert second is not None and second.attempt == 2 and second.project is None
    assert in_runtime(lambda _rt: run_agent(second)).content == "alpha once"
    assert scripted.calls("replay") == 1  # replayed from the record, not called again


def test_statements_sent_together_commit_together(session: Session) -> None:
    table = f"hot_db_probe_{uuid.uuid4().hex[:8]}"
    session.execute(text(f"CREATE TABLE {table} (n int)"))
    session.commit()

    async def scenario() -> list[list[dict]]:
        together = await aio.fetch_many(
            [(f"INSERT INTO {table} VALUES (1) RETURNING n", {}), (f"SELECT count(*) AS c FROM {table}", {})]
        )
        with pytest.raises(psycopg.errors.DivisionByZero):
            await aio.fetch_many([(f"INSERT INTO {table} VALUES (2)", {}), ("SELECT 1 / 0", {})])
        return together

    try:
        together = asyncio.run(scenario())
        assert together == [[{"n": 1}], [{"c": 1}]]  # the second statement saw the first one's row
        rows = session.execute(text(f"SELECT n FROM {table}")).scalars().all()
        assert rows == [1]  # the pair whose second statement failed left nothing behind
    finally:
        session.rollback()
        session.execute(text(f"DROP TABLE {table}"))
        session.commit()
