"""The two synchronous pools (SQLAlchemy engines over psycopg 3) and the session helper.

PostgreSQL is the source of truth; every service takes a ``Session`` so callers decide the
transaction boundary (one request, one job step = one transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from berrys_app.settings import get_settings

_ENGINES: dict[str, tuple[str, Engine]] = {}  # kind -> (url, engine); one database per process
# threads that find no engine yet (a web process's first requests) build one between them, not one
# each: every extra engine was a whole pool more (seen: 6 connections in a sessions pool of 3)
_BUILDING = threading.Lock()


def application_name(pool: str) -> str:
    """What ``pg_stat_activity`` shows for this process's ``pool`` connections (``berrys-web-sessions``):
    an operator counting connections sees which process and pool holds each one."""
    return f"{get_settings().db_application_name}-{pool}"[:63]  # PostgreSQL keeps 63 bytes


# Connections of the sessions pool a request transaction never takes (``request_slots``): the
# short sessions run whole in one thread (an SSE stream's backlog and access check, a dashboard
# handler) always find one, so a thread never waits for a connection held by a request that waits
# for a thread (the deadlock ``tests/api/test_session_slots.py`` guards against).
SESSIONS_RESERVE = 2


def request_slots() -> int:
    """Request transactions one event loop may hold open at once (``api.deps.get_session``): the
    sessions pool's connections less ``SESSIONS_RESERVE``."""
    settings = get_settings()
    return max(1, settings.db_pool_size + settings.db_pool_overflow - SESSIONS_RESERVE)


def _engine(kind: str) -> Engine:
    url = get_settings().require_database_url()
    found = _ENGINES.get(kind)
    if found is not None and found[0] == url:
        return found[1]
    with _BUILDING:
        return _build(kind, url)


def _build(kind: str, url: str) -> Engine:
    settings = get_settings()
    found = _ENGINES.get(kind)
    if found is not None:
        if found[0] == url:
            return found[1]  # another thread built it while this one waited
        found[1].dispose()  # the database changed (tests switch it per test): the old pool goes
    if kind == "sessions":
        # a session holds its connection for a whole transaction: checked with a ping first
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"application_name": application_name(kind)},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_overflow,
            pool_recycle=300,
        )
    else:
        # single statements on hot paths, no BEGIN/COMMIT and no ping: a connection found dropped
        # is replaced by ``retry.retry_if_dropped``. No overflow: a holder runs one statement and
        # gives it back (it never waits for anything else), so a thread that finds none free waits
        # a fraction of a millisecond; overflow connections were opened and closed per request in
        # bursts (a backend start each), and held the process above its connection budget.
        engine = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            connect_args={"application_name": application_name(kind)},
            pool_size=settings.db_autocommit_pool_size,
            max_overflow=0,
            pool_recycle=300,
        )
    _ENGINES[kind] = (url, engine)
    return engine


def get_engine() -> Engine:
    """The sessions' engine for the configured ``DATABASE_URL`` (pinged on checkout)."""
    return _engine("sessions")


def autocommit_engine() -> Engine:
    """The engine of single-statement hot paths: autocommit, no ping (wrap uses in ``retry_if_dropped``)."""
    return _engine("autocommit")


def engines() -> dict[str, Engine]:
    """This process's open pools by kind (``sessions``, ``autocommit``), for the pool metrics."""
    return {kind: engine for kind, (_, engine) in _ENGINES.items()}


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def dispose() -> None:
    """Close both pools (a test drops its database afterwards; a forked process starts clean)."""
    for _, engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
