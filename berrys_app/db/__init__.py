"""The database access layer: every connection to PostgreSQL comes from here.

Pools per process: each is a hard cap, its connections opened on first use and kept (no overflow
unless ``BERRYS_DB_POOL_OVERFLOW``); a caller that finds none free waits for one. Each connection's
``application_name`` is ``BERRYS_DB_APPLICATION_NAME`` + the pool (the launcher names its processes:
``berrys-web-sessions``, ``berrys-worker-1-async``), so ``pg_stat_activity`` says who holds it.

| pool | what uses it | web process | worker process |
|---|---|---|---|
| sessions (``get_engine``, ``session_scope``) | ORM sessions: requests, job steps; pinged on checkout | ``BERRYS_DB_POOL_SIZE`` (14): 12 request transactions (``request_slots``) + 2 for short in-thread sessions (SSE backlog and access checks, dashboard handlers) | the same cap; used by the job threads (asyncio's default executor: 6 on 2 cores), so at most that many |
| autocommit (``autocommit_engine``, ``reads.fetch_one``) | single statements on hot paths: token checks, the task list, model-call lookups and refusal rows, the model catalogue | ``BERRYS_DB_AUTOCOMMIT_POOL_SIZE`` (4): a statement's hold is a round trip, the request threads take turns | the same cap (2 seen at C=60) |
| async (``aio``) | statements on the event loop: the engine's lease and completion, model-call rows (reservation, budget check, settle), the task list's async reads | ``BERRYS_DB_ASYNC_POOL_SIZE`` (6), opened in the app's lifespan (the task list only) | the same, held by the worker's runtime (``engine.runtime``, built in ``on_startup``) |

Budget with the defaults: a web process at most 14 + 4 + 6 = 24, a worker 6 + 4 + 6 = 16 on 2 cores
(its sessions bounded by its threads); seen at ``bench/throughput.py --clients 60`` (1 web, 2 workers):
46 in all (web 14 + 4, each worker 6 + 2 + 6), 68-72 before this budget.

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
