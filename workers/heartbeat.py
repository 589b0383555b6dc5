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
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.services.events import publish_transient
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)


def worker_id() -> str:
    """The worker's name (its heartbeat row, the System page): given by the launcher, else host:pid.
    A restarted worker keeps its launcher name."""
    return os.environ.get("BERRYS_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:4]}"


def lease_holder(name: str) -> str:
    """This process's identity on the leases it takes (``tasks.leased_by``): the name plus a part
    no other process has, so a restarted worker is a new holder -- a dead process's leases are
    never mistaken for its replacement's."""
    return f"{name}#{os.getpid()}-{uuid.uuid4().hex[:6]}"


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
        EventKind.WORKER_HEARTBEAT,
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
