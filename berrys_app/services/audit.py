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
from berrys_app.services import keyset
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
    cursor: str | None = None,
) -> tuple[list[AuditEntry], int | None]:
    """A team's audit log, newest first (admins): what happened in the team. A member's own
    rows (logins with their IPs, failed logins, API keys) are theirs alone (``list_personal``).
    With ``cursor``: the rows after it, and no total (``keyset``)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_READ, what="team")
    where = AuditEntry.team_id == team_id
    return _page(session, where, page=page, per_page=per_page, action=action, cursor=cursor)


def list_personal(
    session: Session,
    actor: Actor,
    *,
    page: int = 1,
    per_page: int = 50,
    action: str | None = None,
    cursor: str | None = None,
) -> tuple[list[AuditEntry], int | None]:
    """The caller's own security log, newest first: their logins and failed logins (with IPs),
    sessions and API keys."""
    if actor.user_id is None:
        raise NotFound("no personal log for the system")
    require_scope(actor, "keys:read")
    where = col(AuditEntry.team_id).is_(None) & or_(
        AuditEntry.actor_id == actor.user_id,
        (AuditEntry.target_type == "user") & (AuditEntry.target_id == str(actor.user_id)),  # failed logins
    )
    return _page(session, where, page=page, per_page=per_page, action=action, cursor=cursor)


def _page(
    session: Session, where: Any, *, page: int, per_page: int, action: str | None, cursor: str | None
) -> tuple[list[AuditEntry], int | None]:
    keyset.check(page, cursor)
    if action:
        where = where & (AuditEntry.action == action)
    query = select(AuditEntry).where(where)
    total: int | None = None
    if cursor is not None:
        query = query.where(col(AuditEntry.id) < keyset.integer_id(cursor))
    else:
        total = int(session.exec(select(func.count()).select_from(AuditEntry).where(where)).one())
        query = query.offset((page - 1) * per_page)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(per_page)).all()), total
