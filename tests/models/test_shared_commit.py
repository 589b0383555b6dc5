"""Model-call rows written at the same moment share one commit, and each is committed before its
writer goes on (the answer is durable before it is used); a duplicate key fails alone."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio
from berrys_app.domain.common import utcnow
from berrys_app.services.models import accounting


def _answer(project_id: uuid.UUID, key: str) -> dict[str, Any]:
    """A finished call's row, as ``run.Run`` builds it."""
    return {
        "id": uuid.uuid4(),
        "created_at": utcnow(),
        "call_key": key,
        "project_id": project_id,
        "task_id": None,
        "agent_id": None,
        "model": "scripted/echo",
        "attempt": 1,
        "fallback_used": False,
        "status": "ok",
        "error": None,
        "error_message": None,
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "cost_usd": Decimal(0),
        "reserved_tokens": 0,
        "reserved_usd": Decimal(0),
        "reserved_until": None,
        "latency_ms": 0.0,
        "content": f"answer to {key}",
        "tool_calls": [],
        "parsed": None,
    }


def _rows(session: Session, project_id: uuid.UUID) -> dict[str, tuple[str | None, str, str | None]]:
    """content -> (call_key, transaction id, error_message) of the project's calls, read anew."""
    session.rollback()
    found = session.execute(
        text("SELECT content, call_key, xmin::text AS tx, error_message FROM model_calls WHERE project_id = :p"),
        {"p": project_id},
    ).all()
    return {row.content: (row.call_key, row.tx, row.error_message) for row in found}


@contextlib.asynccontextmanager
async def worker_pool() -> AsyncIterator[aio.AsyncPool]:
    """An async pool made current, as a worker's job has one (answers share commits only there)."""
    pool = aio.new_pool()
    try:
        with aio.using(pool):
            yield pool
    finally:
        await pool.close()


async def test_answers_written_together_share_one_commit_each_durable_when_its_write_returns(
    env, session, make_project
) -> None:
    project = make_project()
    seen_on_return: dict[str, bool] = {}

    async def answer(key: str) -> None:
        await accounting.insert_rows_async([_answer(project.id, key)])
        seen_on_return[key] = f"answer to {key}" in _rows(session, project.id)  # committed: another connection sees it

    keys = [f"k{i}" for i in range(8)]
    async with worker_pool():
        await asyncio.gather(*(answer(key) for key in keys))
    assert seen_on_return == dict.fromkeys(keys, True)
    rows = _rows(session, project.id)
    assert {key for key, _, _ in rows.values()} == set(keys)
    assert len({tx for _, tx, _ in rows.values()}) == 1  # eight answers, one transaction


async def test_a_duplicate_answer_in_a_shared_commit_loses_its_key_alone(env, session, make_project) -> None:
    project = make_project()
    await accounting.insert_rows_async([_answer(project.id, "dup")])  # another run completed this key
    duplicate = {**_answer(project.id, "dup"), "content": "second answer to dup"}
    async with worker_pool():
        await asyncio.gather(
            accounting.insert_rows_async([_answer(project.id, "a")]),
            accounting.insert_rows_async([duplicate]),
            accounting.insert_rows_async([_answer(project.id, "b")]),
        )
    rows = _rows(session, project.id)
    assert rows["answer to a"][0] == "a" and rows["answer to b"][0] == "b"  # their keys kept: replayable
    assert rows["answer to dup"][0] == "dup"
    assert rows["second answer to dup"][0] is None  # kept as a plain row: paid for, never replayed
    assert rows["second answer to dup"][2] == "duplicate of completed call dup"
