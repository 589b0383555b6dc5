"""Liveness and readiness probes of a web process.

Readiness means "this process can serve": PostgreSQL and Redis answer. It does not need a
live worker: workers start independently (they never wait on web), the dashboard must stay
reachable when they are all down, and a probe that needed them deadlocked the first start of
docker-compose (web waited for workers, workers for web). The worker count is reported only.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from berrys_app.db import session_scope
from berrys_app.services import system

router = APIRouter(tags=["health"])


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/health/ready")
def ready() -> JSONResponse:
    """Database and Redis answer (workers are counted, not required)."""
    try:
        with session_scope() as session:
            database = system.database_ok(session)
            workers = system.live_worker_count(session) if database else 0
    except Exception:
        database, workers = False, 0
    redis = system.redis_ok()
    ok = database and redis
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "redis": redis,
        "workers": workers,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
