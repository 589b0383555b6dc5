"""Liveness and readiness probes."""

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
    """Database, Redis and at least one live worker."""
    try:
        with session_scope() as session:
            database = system.database_ok(session)
            workers = system.live_worker_count(session) if database else 0
    except Exception:
        database, workers = False, 0
    redis = system.redis_ok()
    ok = database and redis and workers > 0
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "redis": redis,
        "workers": workers,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
