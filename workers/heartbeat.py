"""A worker's heartbeat: a row in PostgreSQL plus a live message for the System page."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

from sqlalchemy.dialects.postgresql import insert

from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.services.events import publish_transient
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)


def worker_id() -> str:
    """Stable for the life of the process: name given by the launcher, else host:pid."""
    return os.environ.get("BERRYS_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:4]}"


def beat(wid: str, *, jobs_done: int = 0, stopped: bool = False) -> None:
    """Upsert this worker's row and publish a live heartbeat."""
    now = utcnow()
    values = {
        "worker_id": wid,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "started_at": now,
        "last_seen": now,
        "jobs_done": jobs_done,
        "stopped": stopped,
    }
    statement = insert(WorkerHeartbeat).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["worker_id"],
        set_={
            "last_seen": now,
            "jobs_done": jobs_done,
            "stopped": stopped,
            "pid": os.getpid(),
        },
    )
    with session_scope() as session:
        session.exec(statement)  # type: ignore[call-overload]
    publish_transient(
        "worker.heartbeat",
        {
            "worker_id": wid,
            "pid": os.getpid(),
            "last_seen": now.isoformat(),
            "jobs_done": jobs_done,
            "stopped": stopped,
        },
    )


async def heartbeat_loop(wid: str, ctx: dict) -> None:
    """Beat every ``heartbeat_interval_s`` until cancelled."""
    interval = get_settings().heartbeat_interval_s
    while True:
        try:
            await asyncio.to_thread(beat, wid, jobs_done=ctx["jobs"]["done"])
        except Exception:
            log.warning("heartbeat failed", exc_info=True)
        await asyncio.sleep(interval)
