"""Health of the platform: database, Redis, workers and the mail outbox (System page and /health)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import User
from berrys_app.domain.common import utcnow
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.redis_client import sync_redis
from berrys_app.services import mail
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Forbidden, Unauthorized
from berrys_app.services.tools import sandbox
from berrys_app.settings import get_settings


def database_ok(session: Session) -> bool:
    try:
        session.exec(text("select 1"))  # type: ignore[call-overload]
        return True
    except Exception:
        return False


def redis_ok() -> bool:

    try:
        return bool(sync_redis().ping())
    except Exception:
        return False


def worker_status(row: WorkerHeartbeat, now: datetime | None = None) -> str:
    """``live``, ``stale`` (no heartbeat lately: killed or hung) or ``stopped`` (clean exit)."""
    if row.stopped:
        return "stopped"
    now = now or utcnow()
    stale = timedelta(seconds=get_settings().heartbeat_stale_s)
    return "live" if now - row.last_seen <= stale else "stale"


def list_workers(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """One dict per known worker (process id and host included: for signed-in people only)."""
    if actor.user_id is None and not actor.is_system:
        raise Unauthorized("sign in to see the workers")
    return _workers(session)


def sandbox_status(actor: Actor) -> dict[str, str]:
    """How python snippets run on this host (isolation, which limits apply, seccomp, the
    operator's caps), as text for the System page; signed-in people only, like the workers."""
    if actor.user_id is None and not actor.is_system:
        raise Unauthorized("sign in to see the sandbox")
    described = sandbox.describe()
    caps = described["caps"]
    return {
        "isolation": described["isolation"],
        "limits": described["limits"],
        "seccomp": "on" if described["seccomp"] else "off",
        "uid": described["uid"],
        "caps": (
            f"{caps['memory_mb']:g} MB, {caps['nproc']:g} processes, {caps['cpu_s']:g} s CPU, "
            f"{caps['wall_s']:g} s wall, {caps['fsize_mb']:g} MB files, {int(caps['max_output_bytes']):,} bytes output"
        ),
    }


def _workers(session: Session) -> list[dict[str, Any]]:
    now = utcnow()
    rows = session.exec(select(WorkerHeartbeat).order_by(col(WorkerHeartbeat.worker_id)))
    return [
        {
            "worker_id": row.worker_id,
            "pid": row.pid,
            "hostname": row.hostname,
            "last_seen": row.last_seen.isoformat(),
            "jobs_done": row.jobs_done,
            "status": worker_status(row, now),
        }
        for row in rows
    ]


def live_worker_count(session: Session) -> int:
    """For ``/health/ready`` (public, as load balancers call it): a count, nothing about the hosts."""
    return sum(1 for worker in _workers(session) if worker["status"] == "live")


def is_operator(session: Session, actor: Actor) -> bool:
    """The person who runs the install: an address in ``BERRYS_OPERATOR_EMAILS`` (verified, or
    anyone could claim it by registering it first), else the first account ever created."""
    if actor.is_system:
        return True
    user = session.get(User, actor.user_id) if actor.user_id and actor.api_key_id is None else None
    if user is None:
        return False
    configured = {email.strip().lower() for email in get_settings().operator_emails}
    if configured:
        return user.email in configured and user.email_verified_at is not None
    first = session.exec(select(User.id).order_by(col(User.created_at)).limit(1)).first()
    return first == user.id


def mail_outbox(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The newest outbox rows for the operator. The links (live tokens) are listed only without
    SMTP, where the operator hands them on; with SMTP they went to their addresses."""
    if not is_operator(session, actor):
        raise Forbidden("only the operator sees the mail outbox")
    with_links = mail.smtp_target() is None
    return [
        {
            "to": item.to_address,
            "subject": item.subject,
            "status": item.status,
            "attempts": str(item.attempts),
            "last_error": item.last_error,
            "link": item.link if with_links else "",
            "created": item.created_at.isoformat(),
        }
        for item in mail.recent(session)
    ]
