"""The database access layer's one retry policy, on a real PostgreSQL: a connection the server
dropped is replaced and the statement run once more; a statement that fails on a live connection
is not run again."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio, reads
from berrys_app.db.retry import is_dropped

_DROP_OTHERS = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _drop_every_other_connection(session: Session) -> None:
    """What a PostgreSQL restart or an idle timeout does to the pools' connections."""
    session.execute(_DROP_OTHERS)
    session.commit()


def test_a_sync_read_on_a_dropped_connection_is_retried_on_a_fresh_one(session: Session) -> None:
    first = reads.fetch_one("SELECT pg_backend_pid()", ())
    _drop_every_other_connection(session)
    second = reads.fetch_one("SELECT pg_backend_pid()", ())
    assert first is not None and second is not None and second[0] != first[0]


async def test_an_async_statement_on_a_dropped_connection_is_retried_on_a_fresh_one(session: Session) -> None:
    pool = aio.new_pool()  # as a worker's runtime holds it: its idle connection is the one dropped
    try:
        with aio.using(pool):
            (first,) = await aio.fetch("SELECT pg_backend_pid() AS pid", {})
            assert len(pool.idle) == 1
            _drop_every_other_connection(session)
            (second,) = await aio.fetch("SELECT pg_backend_pid() AS pid", {})
            assert second["pid"] != first["pid"]
            assert await aio.fetch_one("SELECT 41 + %(one)s", {"one": 1}) == (42,)
    finally:
        await pool.close()


async def test_a_statement_that_fails_on_a_live_connection_runs_once(session: Session) -> None:
    """``nextval`` is not rolled back with the failed statement: it counts the executions."""
    session.execute(text("CREATE SEQUENCE runs"))
    session.commit()
    with pytest.raises(psycopg.errors.DivisionByZero):
        reads.fetch_one("SELECT nextval('runs') / 0", ())
    with pytest.raises(psycopg.errors.DivisionByZero):
        await aio.fetch("SELECT nextval('runs') / 0", {})
    assert session.execute(text("SELECT last_value FROM runs")).scalar_one() == 2


def test_only_a_lost_connection_counts_as_dropped() -> None:
    assert is_dropped(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert is_dropped(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    assert not is_dropped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))
    assert not is_dropped(psycopg.errors.DivisionByZero("division by zero"))
    assert not is_dropped(ValueError("not a database error"))
