"""The security audit log: logins, keys, roles, credential use, approvals, deletions.

``record`` writes in the caller's transaction (the row commits with the action);
``record_detached`` commits on its own so refusals (failed logins) are kept even
though the caller's transaction rolls back.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlmodel import Session, col, func, or_, select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import Role
from berrys_app.domain.auth import AuditEntry
from berrys_app.services.authz import ADMIN_READ, Actor, require_role, require_scope
from berrys_app.services.errors import NotFound

log = logging.getLogger(__name__)


def _entry(
    *,
    action: str,
    actor: Actor | None,
    team_id: uuid.UUID | None,
    target_type: str | None,
    target_id: Any,
    details: dict[str, Any] | None,
    success: bool,
    ip: str | None,
    actor_label: str | None,
) -> AuditEntry:
    return AuditEntry(
        action=action,
        success=success,
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.label if actor else "anonymous"),
        team_id=team_id,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        ip=ip or (actor.ip if actor else None),
        details=details or {},
    )


def record(
    session: Session,
    *,
    action: str,
    actor: Actor | None,
    team_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    details: dict[str, Any] | None = None,
    success: bool = True,
    ip: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Add an audit row to the caller's transaction."""
    row = _entry(
        action=action,
        actor=actor,
        team_id=team_id,
        target_type=target_type,
        target_id=target_id,
        details=details,
        success=success,
        ip=ip,
        actor_label=actor_label,
    )
    session.add(row)
    return row


def record_detached(**kwargs: Any) -> None:
    """Write an audit row in its own transaction (kept even if the caller rolls back)."""

    try:
        with session_scope() as own:
            record(own, **kwargs)
    except Exception:  # the refusal itself must still reach the caller
        log.exception("could not write audit entry %s", kwargs.get("action"))


def list_entries(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID,
    page: int = 1,
    per_page: int = 50,
    action: str | None = None,
) -> tuple[list[AuditEntry], int]:
    """A team's audit log, newest first (admins): what happened in the team. A member's own
    rows (logins with their IPs, failed logins, API keys) are theirs alone (``list_personal``)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_READ, what="team")
    return _page(session, AuditEntry.team_id == team_id, page=page, per_page=per_page, action=action)


def list_personal(
    session: Session, actor: Actor, *, page: int = 1, per_page: int = 50, action: str | None = None
) -> tuple[list[AuditEntry], int]:
    """The caller's own security log, newest first: their logins and failed logins (with IPs),
    sessions and API keys."""
    if actor.user_id is None:
        raise NotFound("no personal log for the system")
    require_scope(actor, "keys:read")
    where = col(AuditEntry.team_id).is_(None) & or_(
        AuditEntry.actor_id == actor.user_id,
        (AuditEntry.target_type == "user") & (AuditEntry.target_id == str(actor.user_id)),  # failed logins
    )
    return _page(session, where, page=page, per_page=per_page, action=action)


def _page(
    session: Session, where: Any, *, page: int, per_page: int, action: str | None
) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry).where(where)
    count = select(func.count()).select_from(AuditEntry).where(where)
    if action:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    total = session.exec(count).one()
    rows = session.exec(query.order_by(col(AuditEntry.id).desc()).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total)
