"""Audit logs: a team's (admins: roles, credentials, approvals, deletions) and each person's own
(logins with IPs, failed logins, sessions, API keys), which only that person reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from berrys_app.api.deps import CurrentActor, KeysetPageDep, KeysetPaging, ListOf, SessionDep, access, keyset_page
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import audit, keyset

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditPublic(BaseModel):
    id: int
    action: str
    success: bool
    actor_id: uuid.UUID | None
    actor_label: str
    team_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
    created_at: datetime


@router.get("/teams/{team_id}/audit", **access("admin", "admin:read"))
def list_audit(
    team_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    paging: KeysetPageDep,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> ListOf[AuditPublic]:
    rows, total = audit.list_entries(
        session, actor, team_id=team_id, page=paging.page, per_page=paging.per_page, action=action, cursor=paging.cursor
    )
    return _page(rows, total, paging)


@router.get("/me/audit", **access("user", "keys:read"))
def my_audit(
    session: SessionDep,
    actor: CurrentActor,
    paging: KeysetPageDep,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> ListOf[AuditPublic]:
    """Your own security log: logins and failed logins (with IPs), sessions, API keys."""
    rows, total = audit.list_personal(
        session, actor, page=paging.page, per_page=paging.per_page, action=action, cursor=paging.cursor
    )
    return _page(rows, total, paging)


def _page(rows: list[Any], total: int | None, paging: KeysetPaging) -> ListOf[AuditPublic]:
    """Newest first; ``meta.next_cursor`` pages on (``?cursor=``), as ``?page=`` does."""
    data = [AuditPublic.model_validate(r, from_attributes=True) for r in rows]
    return ListOf[AuditPublic].model_validate(
        keyset_page(rows, total=total, paging=paging, key=keyset.id_key, data=data)
    )
