"""Accounting of model calls: the rows behind cost charts, audit and ``call_key`` replay."""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.errors import UniqueViolation
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from berrys_app.db import aio
from berrys_app.domain.models import CallStatus, ModelCall
from berrys_app.services.models.schemas import CompletionResult

log = logging.getLogger(__name__)


def replay(row: ModelCall) -> CompletionResult:
    """A recorded call as a result (``replayed=True``; no provider is called)."""
    return CompletionResult(
        content=row.content or "",
        tool_calls=list(row.tool_calls or []),
        parsed=row.parsed,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cost_usd=float(row.cost_usd),
        latency_ms=row.latency_ms,
        fallback_used=row.fallback_used,
        replayed=True,
        call_id=row.id,
    )


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert finished call rows (dicts of ``model_calls`` columns) with one Core statement.

    If another run already completed the same ``call_key`` (a duplicate job), this run's answer is
    kept as a plain row without the key, so nothing is lost.
    """
    if not rows:
        return
    table = ModelCall.__table__  # type: ignore[attr-defined]
    try:
        conn.execute(insert(table), rows)
    except IntegrityError:  # only on an autocommit connection can the retry follow the failure
        for row in rows:
            if row["status"] == CallStatus.ok.value and row["call_key"]:
                _unkey(row)
        conn.execute(insert(table), rows)


# the columns of a call row built by ``run.Run.new_row``; the outcome is what a settle writes
_ROW_COLUMNS = (
    "id", "created_at", "call_key", "project_id", "task_id", "agent_id", "model", "attempt", "fallback_used",
    "status", "error", "error_message", "prompt_tokens", "completion_tokens", "cost_usd",
    "reserved_tokens", "reserved_usd", "reserved_until", "latency_ms", "content", "tool_calls", "parsed",
)  # fmt: skip
_OUTCOME_COLUMNS = (
    "call_key", "status", "error", "error_message", "prompt_tokens", "completion_tokens", "cost_usd",
    "latency_ms", "content", "tool_calls", "parsed",
)  # fmt: skip
_INSERT_SQL = (
    f"INSERT INTO model_calls ({', '.join(_ROW_COLUMNS)}) VALUES ({', '.join(f'%({c})s' for c in _ROW_COLUMNS)})"
)
_SETTLE_SQL = (
    f"UPDATE model_calls SET {', '.join(f'{c} = %({c})s' for c in _OUTCOME_COLUMNS)}, "
    "reserved_tokens = 0, reserved_usd = 0, reserved_until = NULL WHERE id = %(id)s"
)


def _params(row: dict[str, Any]) -> dict[str, Any]:
    """A call row as psycopg parameters (the JSONB columns wrapped)."""
    parsed = row["parsed"]
    return {**row, "tool_calls": Jsonb(row["tool_calls"]), "parsed": None if parsed is None else Jsonb(parsed)}


def _unkey(row: dict[str, Any]) -> None:
    """The duplicate-key rule: another run completed this ``call_key``; keep this answer without it."""
    row["error_message"] = f"duplicate of completed call {row['call_key']}"
    row["call_key"] = None


async def insert_rows_in(conn: psycopg.AsyncConnection[Any], rows: list[dict[str, Any]]) -> None:
    """Insert call rows in the caller's transaction on an async connection (no duplicate-key rule:
    for reservations and refusals, which are never ``ok``)."""
    for row in rows:
        await conn.execute(_INSERT_SQL, _params(row))


async def insert_rows_async(rows: list[dict[str, Any]]) -> None:
    """``insert_rows`` on the event loop's async pool: one prepared statement per row, committed
    before this returns, in one transaction with the other calls' rows written meanwhile
    (``_shared_commit``; the same duplicate-key rule)."""
    if rows:
        await _shared_commit([(_INSERT_SQL, _params(row)) for row in rows], lambda: _insert_alone(rows))


async def _insert_alone(rows: list[dict[str, Any]]) -> None:
    try:
        await aio.fetch_many([(_INSERT_SQL, _params(row)) for row in rows])
    except UniqueViolation:
        for row in rows:
            if row["status"] == CallStatus.ok.value and row["call_key"]:
                _unkey(row)
        await aio.fetch_many([(_INSERT_SQL, _params(row)) for row in rows])


async def settle_row(row: dict[str, Any]) -> None:
    """Replace a call's reservation by its outcome (``row``: its columns): one prepared UPDATE on
    the event loop's async pool, committed before this returns (shared with the other calls'
    rows written meanwhile, ``_shared_commit``).

    Same duplicate-key rule as ``insert_rows``. A row the reconciler already settled as lost (its
    worker looked dead) gets the real outcome after all.
    """
    await _shared_commit([(_SETTLE_SQL, _params(row))], lambda: _settle_alone(row))


async def _settle_alone(row: dict[str, Any]) -> None:
    try:
        await aio.fetch(_SETTLE_SQL, _params(row))
    except UniqueViolation:
        _unkey(row)
        await aio.fetch(_SETTLE_SQL, _params(row))


Alone = Callable[[], Awaitable[None]]


class _SharedCommit:
    """The call rows of one async pool's runs that are handed over while a write is in flight:
    they go together in the next transaction (one round trip, one commit).

    Why: a DAG level's model calls end together, and each answer is committed before it is used.
    One commit per answer cost PostgreSQL a transaction and a WAL flush each, and the worker a
    round trip each (W, 20 answers a level, 2 workers: measured in docs/architecture.md, "Speed
    of the exactly-once writes"). An answer alone still goes at once: nothing waits for company.
    If the shared transaction fails (a duplicate key, a dropped connection), each caller's rows
    are written again on their own (``Alone``: with the duplicate-key rule), so one bad row fails alone.
    """

    def __init__(self) -> None:
        self.queued: list[tuple[list[aio.Statement], Alone, asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def write(self, statements: list[aio.Statement], alone: Alone) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queued.append((statements, alone, future))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.get_running_loop().create_task(self._drain(), name="model-calls-commit")
        await asyncio.shield(future)  # a cancelled caller's rows still commit (``run._durably`` waits)

    async def _drain(self) -> None:
        while self.queued:
            batch, self.queued = self.queued, []
            try:
                await _write(batch)
            except BaseException:  # cancelled (shutdown): nobody must wait forever
                for _, _, future in batch:
                    _settle(future, asyncio.CancelledError())
                raise


async def _write(batch: list[tuple[list[aio.Statement], Alone, asyncio.Future[None]]]) -> None:
    """One transaction for the batch; if it fails, each caller's rows on their own."""
    if len(batch) > 1:
        try:
            await aio.fetch_many([statement for statements, _, _ in batch for statement in statements])
        except Exception as exc:
            log.warning("model-call rows of %d calls failed together (%s); writing them one by one", len(batch), exc)
        else:
            for _, _, future in batch:
                _settle(future, None)
            return
    for _, alone, future in batch:
        try:
            await alone()
        except Exception as exc:
            _settle(future, exc)
        else:
            _settle(future, None)


def _settle(future: asyncio.Future[None], exc: BaseException | None) -> None:
    if not future.done():
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)


_SHARED: weakref.WeakKeyDictionary[aio.AsyncPool, _SharedCommit] = weakref.WeakKeyDictionary()


async def _shared_commit(statements: list[aio.Statement], alone: Alone) -> None:
    """Commit ``statements`` in the pool's next shared transaction (``_SharedCommit``)."""
    pool = aio.current()
    if pool is None:  # outside a runtime (a test, a script): no other answers to share a commit with
        await alone()
        return
    shared = _SHARED.get(pool)
    if shared is None:
        shared = _SHARED[pool] = _SharedCommit()
    await shared.write(statements, alone)


def usage(session: Session, *, project_id: uuid.UUID) -> dict[str, Any]:
    """Totals for a project and per model: calls, errors, tokens, cost (for charts and budgets)."""
    rows = session.execute(
        select(
            ModelCall.model,
            func.count(),
            func.count().filter(col(ModelCall.status).in_([CallStatus.error.value, CallStatus.refused.value])),
            func.coalesce(func.sum(ModelCall.prompt_tokens), 0),
            func.coalesce(func.sum(ModelCall.completion_tokens), 0),
            func.coalesce(func.sum(ModelCall.cost_usd), 0),
            func.coalesce(func.avg(ModelCall.latency_ms), 0),
        )
        .where(ModelCall.project_id == project_id, ModelCall.status != CallStatus.running.value)
        .group_by(ModelCall.model)
        .order_by(ModelCall.model)
    ).all()
    by_model = [
        {
            "model": model,
            "calls": int(calls),
            "errors": int(errors),
            "prompt_tokens": int(prompt),
            "completion_tokens": int(completion),
            "cost_usd": float(cost),
            "avg_latency_ms": float(latency),
        }
        for model, calls, errors, prompt, completion, cost, latency in rows
    ]
    return {
        "project_id": str(project_id),
        "calls": sum(m["calls"] for m in by_model),
        "errors": sum(m["errors"] for m in by_model),
        "prompt_tokens": sum(m["prompt_tokens"] for m in by_model),
        "completion_tokens": sum(m["completion_tokens"] for m in by_model),
        "cost_usd": float(sum((Decimal(str(m["cost_usd"])) for m in by_model), Decimal(0))),
        "by_model": by_model,
    }
