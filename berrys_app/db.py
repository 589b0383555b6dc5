"""Database engine and session helpers (SQLModel over psycopg 3).

PostgreSQL is the source of truth; every service takes a ``Session`` so callers
decide the transaction boundary (one request, one job step = one transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from berrys_app.settings import get_settings

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str, *, pre_ping: bool = True, autocommit: bool = False) -> Engine:
    """One pooled engine per URL and kind per process.

    ``pre_ping=False`` skips the per-checkout ``SELECT 1`` for hot paths that retry a
    dropped connection themselves (the model layer); ``autocommit=True`` is for
    single-statement hot paths that need no BEGIN/COMMIT round trips (the engine's lease
    and completion statements).
    """
    key = f"{url}#pre_ping={pre_ping}#autocommit={autocommit}"
    engine = _ENGINES.get(key)
    if engine is None:
        options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
        engine = _ENGINES[key] = create_engine(
            url, pool_pre_ping=pre_ping, pool_size=10, max_overflow=20, pool_recycle=300, **options
        )
    return engine


def get_engine() -> Engine:
    """The engine for the configured ``DATABASE_URL``."""
    return engine_for(get_settings().require_database_url())


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
