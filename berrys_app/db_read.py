"""Single-statement reads for hot request paths, without ORM or transaction overhead.

A read through a ``Session`` costs a pool checkout with a ping, BEGIN, the ORM execute
machinery and COMMIT: ~0.4 ms of CPU for a one-row lookup. A single SELECT is atomic on
its own, so hot reads (authenticating a bearer token, the task list of a project) run it
on a pooled autocommit connection as a prepared statement: one round trip, ~0.07 ms.

The connection is not pinged on checkout; a connection the server dropped fails on use
and the read is retried once on a fresh one. Results are always current (no caching here).

The pool keeps as many connections as the thread pool has threads (anyio's default: 40):
with the shared engines' 10 kept + 20 overflow, a burst of 32 concurrent requests opened
and closed overflow connections per request (a PostgreSQL backend start each), which made
the p99 of the task list 5-10x its p50.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlmodel import create_engine

from berrys_app.settings import get_settings, libpq_url

POOL_SIZE = 40  # = anyio's default thread-pool size: every worker thread can hold one
_ENGINES: dict[str, Engine] = {}


def _engine() -> Engine:
    url = get_settings().require_database_url()
    engine = _ENGINES.get(url)
    if engine is None:
        for stale in _ENGINES.values():  # one database per process; tests switch per test
            stale.dispose()
        _ENGINES.clear()
        engine = _ENGINES[url] = create_engine(
            url, isolation_level="AUTOCOMMIT", pool_size=POOL_SIZE, max_overflow=10, pool_recycle=300
        )
    return engine


def fetch_one(sql: str, params: dict[str, Any] | tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (psycopg ``%(name)s`` / ``%s`` placeholders), or ``None``."""
    for attempt in (1, 2):
        pooled = _engine().raw_connection()
        try:
            connection = pooled.driver_connection
            assert isinstance(connection, psycopg.Connection)
            return connection.execute(sql, params, prepare=True).fetchone()
        except psycopg.OperationalError:
            pooled.invalidate()  # dropped by the server (restart, idle timeout): a fresh one
            if attempt == 2:
                raise
        finally:
            pooled.close()
    raise AssertionError("unreachable")


# --- the same, for code running on the event loop -----------------------------------------
#
# A sync read from async code needs a thread-pool hop, and the worker thread then competes with
# the event loop for the GIL (a thread waiting for it can wait a whole switch interval, 5 ms):
# the hot path that runs on the loop (``api.fast_tasks``) reads through a small pool of
# ``psycopg.AsyncConnection`` instead. Connections belong to one event loop, so there is one
# pool per loop (tests run one loop per test).

ASYNC_POOL_SIZE = 8  # queries take ~0.1-0.4 ms; PostgreSQL has the same 2 cores as we do


class _AsyncPool:
    """At most ``size`` autocommit connections; a slot holds a connection or ``None`` (open on use)."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.slots: asyncio.LifoQueue[psycopg.AsyncConnection | None] = asyncio.LifoQueue()
        for _ in range(size):
            self.slots.put_nowait(None)

    def close_now(self) -> None:
        """Close the idle connections without awaiting (their loop may be gone)."""
        while not self.slots.empty():
            connection = self.slots.get_nowait()
            if connection is not None:
                connection.pgconn.finish()


_ASYNC_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncPool] = weakref.WeakKeyDictionary()


def _async_pool() -> _AsyncPool:
    url = libpq_url(get_settings().require_database_url())
    loop = asyncio.get_running_loop()
    pool = _ASYNC_POOLS.get(loop)
    if pool is None or pool.url != url:
        if pool is not None:
            pool.close_now()  # one database per process; tests switch per test
        pool = _ASYNC_POOLS[loop] = _AsyncPool(url, ASYNC_POOL_SIZE)
    return pool


async def afetch_one(sql: str, params: dict[str, Any] | tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``fetch_one`` for async code: the first row, or ``None``; a dropped connection is retried once."""
    pool = _async_pool()
    for attempt in (1, 2):
        connection = await pool.slots.get()
        keep = False
        try:
            if connection is None or connection.closed:
                connection = await psycopg.AsyncConnection.connect(pool.url, autocommit=True)
            cursor = await connection.execute(sql, params, prepare=True)
            row = await cursor.fetchone()
            keep = True
            return row
        except psycopg.OperationalError:
            if attempt == 2:
                raise
        finally:
            if not keep and connection is not None:
                connection.pgconn.finish()  # failed or cancelled mid-query: state unknown
            pool.slots.put_nowait(connection if keep else None)
    raise AssertionError("unreachable")
