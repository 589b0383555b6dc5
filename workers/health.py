"""``python -m workers.health``: exit 0 if a worker on this host beat lately (a container health check).

A heartbeat row is written by the worker's own loop through PostgreSQL (and published
through Redis), so a recent one means the process is alive and both are reachable.
"""

from __future__ import annotations

import socket
import sys
from datetime import timedelta

from sqlmodel import Session, col, select

from berrys_app.db import get_engine
from berrys_app.domain.common import utcnow
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.settings import get_settings


def healthy(hostname: str | None = None) -> bool:
    """Whether a running worker on ``hostname`` (default: this host) beat within the stale limit."""
    since = utcnow() - timedelta(seconds=get_settings().heartbeat_stale_s)
    query = select(WorkerHeartbeat.worker_id).where(
        WorkerHeartbeat.hostname == (hostname or socket.gethostname()),
        col(WorkerHeartbeat.stopped).is_(False),
        WorkerHeartbeat.last_seen >= since,
    )
    with Session(get_engine()) as session:
        return session.exec(query.limit(1)).first() is not None


def main() -> int:
    try:
        ok = healthy()
    except Exception as exc:  # the database is unreachable: unhealthy, one line
        print(f"unhealthy: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    if not ok:
        print(f"unhealthy: no recent heartbeat from a worker on {socket.gethostname()}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
