"""The one retry policy of the database layer: a statement that found its connection dropped is
run once more, on a fresh connection, at once.

Pools that skip the per-checkout ``SELECT 1`` (every pool here except the sessions') learn that a
connection is gone only when a statement fails on it: after a PostgreSQL restart or an idle
timeout, the first statement on each stale connection fails. Anything else (a constraint, a
cancelled query, a timeout, a second drop in a row) is the caller's to handle: retrying it would
hide a real failure or hammer a server that is down.
"""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tenacity import retry, retry_if_exception, stop_after_attempt

ATTEMPTS = 2  # the first try and one on a fresh connection


def is_dropped(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection is gone (not that the statement failed on a live one).

    SQLAlchemy tells us itself (``connection_invalidated``); a raw psycopg error is a dropped
    connection when it has no SQLSTATE (the client lost the socket) or a connection-exception
    (08xxx) or shutdown (57Pxx) one.
    """
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    if isinstance(exc, pg_errors.PipelineAborted):
        return False  # an earlier statement of the pipeline failed: that error is the real one
    if isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate
        return state is None or state.startswith(("08", "57P"))
    return False


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says no connection could be had: the server refused or
    could not be reached (no SQLSTATE, 08xxx), has no slot left (53300), is starting or stopping
    (57P03), or the pool had none to give in time. The request was fine: the front doors answer
    503 with Retry-After instead of 500."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PoolTimeout):
            return True
        if isinstance(seen, psycopg.OperationalError) and not isinstance(seen, pg_errors.PipelineAborted):
            state = seen.sqlstate
            if state is None or state.startswith("08") or state in ("53300", "57P03"):
                return True
        seen = seen.__cause__
    return False


# decorates sync and async functions alike; the last error is raised as itself
retry_if_dropped = retry(stop=stop_after_attempt(ATTEMPTS), retry=retry_if_exception(is_dropped), reraise=True)
