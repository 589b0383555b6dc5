"""Async autocommit connections for code on the event loop: the engine's hot path (lease and
completion statements) and the model calls' rows in workers, the task list's reads in the web process.

A worker runs up to ``max_jobs`` tasks at once on one event loop: with blocking database calls one
task's round trip stalls all the others; on these connections the waits overlap. A sync read from
async code would need a thread-pool hop, and the thread then competes with the loop for the GIL
(a thread waiting for it can wait a whole switch interval, 5 ms). Each statement is one round trip
(autocommit: no BEGIN/COMMIT); psycopg prepares repeated ones.

Connections belong to the event loop that opened them, so a pool is never looked up by loop: its
owner opens it and says where it applies. A worker's runtime (``engine.runtime``) opens one in
arq's ``on_startup`` and makes it current for each job's duration (``using``: a context variable,
inherited by the tasks the job starts); the web process opens one in its lifespan for its one loop
(``lifespan``: the process's pool). Code outside both (a test or a script that calls a model
without a runtime) gets a connection of its own per statement, closed after it: slower, and never
handed to another loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row, tuple_row
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from berrys_app.context_scope import set_for_block
from berrys_app.db.retry import is_dropped, retry_if_dropped
from berrys_app.db.sessions import application_name
from berrys_app.settings import get_settings, libpq_url

Statement = tuple[str, Mapping[str, Any]]
T = TypeVar("T")
_DIALECT = pg_psycopg.dialect()


def compile_sql(statement: TextClause) -> str:
    """A ``text()`` statement with ``:name`` parameters in psycopg's ``%(name)s`` style."""
    return str(statement.compile(dialect=_DIALECT))


class AsyncPool:
    """At most ``size`` autocommit connections of one event loop, one statement batch at a time."""

    def __init__(self, size: int) -> None:
        self.idle: list[psycopg.AsyncConnection[dict[str, Any]]] = []
        self.slots = asyncio.Semaphore(size)

    async def _connect(self) -> psycopg.AsyncConnection[dict[str, Any]]:
        # prepared at the first execution, with a generic plan from then on: planning the engine's
        # CTE statements costs more than running them (measured 0.6 ms vs 0.5 ms). No sequential
        # scans: a plan made while ``tasks`` was small (a new installation) hash-joined a full scan
        # of it, and a connection keeps its plan while the table grows (every completion read every task)
        return await psycopg.AsyncConnection.connect(
            libpq_url(get_settings().require_database_url()),  # at the first connection, not before
            autocommit=True,
            row_factory=dict_row,
            prepare_threshold=0,
            options="-c plan_cache_mode=force_generic_plan -c enable_seqscan=off",
            application_name=application_name("async"),
        )

    @retry_if_dropped
    async def fetch(self, statements: Sequence[Statement], *, as_tuples: bool = False) -> list[list[Any]]:
        async with self.slots:
            conn = self.idle.pop() if self.idle else await self._connect()
            try:
                results = await _execute(conn, statements, as_tuples=as_tuples)
            except BaseException as exc:
                await conn.close()  # unknown state (failed, cancelled mid-statement, ...): never reuse it
                if is_dropped(exc):
                    await self.close()  # a server restart dropped the idle ones too
                raise
            self.idle.append(conn)
            return results

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[psycopg.AsyncConnection[dict[str, Any]]]:
        """A connection inside one transaction, for work that decides between its statements
        (a budget check); committed when the block ends, rolled back if it raises (the connection
        kept only if it is cleanly idle after that). Not retried: the caller's block is not known
        to be safe to run twice."""
        async with self.slots:
            conn = self.idle.pop() if self.idle else await self._connect()
            try:
                async with conn.transaction():
                    yield conn
            except Exception as exc:
                if is_dropped(exc):
                    await conn.close()
                    await self.close()
                elif conn.info.transaction_status == TransactionStatus.IDLE:
                    self.idle.append(conn)  # rolled back cleanly (the block refused): reusable
                else:
                    await conn.close()
                raise
            except BaseException:
                await conn.close()  # cancelled mid-statement: unknown state, never reuse it
                raise
            self.idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections (the ones in use close when their statement ends)."""
        idle, self.idle = self.idle, []
        for conn in idle:
            await conn.close()


async def _execute(
    conn: psycopg.AsyncConnection[dict[str, Any]], statements: Sequence[Statement], *, as_tuples: bool
) -> list[list[Any]]:
    """One statement on its own (autocommit), several as one transaction sent in one round trip
    (pipeline mode: the later statements see the earlier ones' writes, one commit for all).

    BEGIN and COMMIT are plain statements of the pipeline: ``conn.transaction()`` would sync at
    each end (measured: three round trips instead of one). A failed statement aborts the rest; the
    caller closes the connection, which ends the transaction.
    """
    if len(statements) == 1:
        sql, params = statements[0]
        cursor = conn.cursor(row_factory=tuple_row) if as_tuples else conn.cursor()
        await cursor.execute(sql, params)  # type: ignore[arg-type]
        return [await cursor.fetchall() if cursor.description else []]
    async with conn.pipeline():
        await conn.execute("BEGIN")
        cursors = [await conn.execute(sql, params) for sql, params in statements]  # type: ignore[arg-type]
        await conn.execute("COMMIT")
    return [await cursor.fetchall() if cursor.description else [] for cursor in cursors]


_CURRENT: contextvars.ContextVar[AsyncPool | None] = contextvars.ContextVar("berrys_async_pool", default=None)
_PROCESS: AsyncPool | None = None  # the web process's pool (``lifespan``): one loop for its life


def new_pool() -> AsyncPool:
    """A pool on the configured database (its connections open on first use, on the loop using it).

    Opening one needs no database yet: a runtime whose work never touches PostgreSQL (a test of the
    publisher with only Redis) starts without ``DATABASE_URL``, as on a machine whose test run
    starts its embedded servers later."""
    return AsyncPool(get_settings().db_async_pool_size)


def using(pool: AsyncPool) -> contextlib.AbstractContextManager[AsyncPool]:
    """Make ``pool`` the current one for the block (and the tasks it starts): a worker's job."""
    return set_for_block(_CURRENT, pool)


def current() -> AsyncPool | None:
    """The pool statements here run on: the job's, else the web process's; ``None`` outside both."""
    return _CURRENT.get() or _PROCESS


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[AsyncPool]:
    """The web process's pool for as long as the block runs (its lifespan; one loop for its life)."""
    global _PROCESS
    pool = _PROCESS = new_pool()
    try:
        yield pool
    finally:
        _PROCESS = None
        await pool.close()


async def _on_pool(work: Callable[[AsyncPool], Awaitable[T]]) -> T:
    """``work`` on the current pool, or on a one-connection pool of its own (closed after it)."""
    pool = current()
    if pool is not None:
        return await work(pool)
    own = new_pool()  # one statement batch: one connection
    try:
        return await work(own)
    finally:
        await own.close()


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[psycopg.AsyncConnection[dict[str, Any]]]:
    """A connection of the current pool inside one transaction (``AsyncPool.transaction``)."""
    pool, own = current(), None
    if pool is None:
        pool = own = new_pool()  # one transaction: one connection
    try:
        async with pool.transaction() as conn:
            yield conn
    finally:
        if own is not None:
            await own.close()


async def fetch(sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run one statement and return its rows as dicts."""
    (rows,) = await fetch_many([(sql, params)])
    return rows


async def fetch_many(statements: Sequence[Statement]) -> list[list[dict[str, Any]]]:
    """Run statements as one transaction in one round trip; the rows of each, as dicts."""
    return await _on_pool(lambda pool: pool.fetch(statements))


async def fetch_one(sql: str, params: Mapping[str, Any] | tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The first row of one statement, as a tuple, or ``None``."""
    (rows,) = await _on_pool(lambda pool: pool.fetch([(sql, params)], as_tuples=True))  # type: ignore[list-item]
    return rows[0] if rows else None
