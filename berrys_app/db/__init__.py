"""The database access layer: every connection to PostgreSQL comes from here.

Pools per process (sizes are settings; connections open on first use):

| pool | what uses it | web process | worker process |
|---|---|---|---|
| sessions (``get_engine``, ``session_scope``) | ORM sessions: requests, job steps; pinged on checkout | ``BERRYS_DB_POOL_SIZE`` (10) + ``BERRYS_DB_POOL_OVERFLOW`` (20) | the same |
| autocommit (``autocommit_engine``, ``reads.fetch_one``) | single statements on hot paths: token checks, the task list, model-call lookups and refusal rows, the model catalogue | ``BERRYS_DB_AUTOCOMMIT_POOL_SIZE`` (40, one per request thread) + overflow | the same (used from the job threads) |
| async (``aio``) | statements on the event loop: the engine's lease and completion, model-call rows (reservation, budget check, settle), the task list's async reads | ``BERRYS_DB_ASYNC_POOL_SIZE`` (8), opened in the app's lifespan | the same, held by the worker's runtime (``engine.runtime``, built in ``on_startup``) |

One retry policy for all of them: ``retry.retry_if_dropped`` (a dropped connection is retried once
on a fresh one; anything else is the caller's).
"""

from berrys_app.db.retry import is_unavailable, retry_if_dropped
from berrys_app.db.sessions import autocommit_engine, dispose, engines, get_engine, request_slots, session_scope

__all__ = [
    "autocommit_engine",
    "dispose",
    "engines",
    "get_engine",
    "is_unavailable",
    "request_slots",
    "retry_if_dropped",
    "session_scope",
]
