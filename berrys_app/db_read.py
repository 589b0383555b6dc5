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

from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlmodel import create_engine

from berrys_app.settings import get_settings

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
