"""The approvals inbox: plan reviews, budget raises and tool uses waiting for a person."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, KeysetPageDep, KeysetPaging, ListOf, SessionDep, access, keyset_page
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import ApprovalPublic
from berrys_app.domain.collab import Approval, ApprovalStatus
from berrys_app.services import collab, keyset
from berrys_app.usecases import decisions

router = APIRouter(prefix="/api/v1", tags=["approvals"], responses=PROBLEM_RESPONSES)


class DecisionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class RejectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def _page(rows: list[Approval], total: int | None, paging: KeysetPaging) -> ListOf[ApprovalPublic]:
    data = [ApprovalPublic.model_validate(r) for r in rows]
    return ListOf[ApprovalPublic].model_validate(
        keyset_page(rows, total=total, paging=paging, key=keyset.created_key, data=data)
    )


@router.get("/teams/{team_id}/approvals", **access("viewer", "projects:read"))
def list_approvals(
    team_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    paging: KeysetPageDep,
    status: Annotated[ApprovalStatus | None, Query()] = ApprovalStatus.pending,
) -> ListOf[ApprovalPublic]:
    rows, total = collab.list_approvals(
        session,
        actor,
        team_id=team_id,
        status=status.value if status else None,
        page=paging.page,
        per_page=paging.per_page,
        cursor=paging.cursor,
    )
    return _page(rows, total, paging)


@router.get("/approvals", **access("user", "projects:read"))
def my_approvals(
    session: SessionDep,
    actor: CurrentActor,
    paging: KeysetPageDep,
    status: Annotated[ApprovalStatus | None, Query()] = ApprovalStatus.pending,
) -> ListOf[ApprovalPublic]:
    """Your inbox across every team you belong to, newest first (``?status=`` as for a team)."""
    rows, total = collab.my_approvals(
        session,
        actor,
        status=status.value if status else None,
        page=paging.page,
        per_page=paging.per_page,
        cursor=paging.cursor,
    )
    return _page(rows, total, paging)


@router.get("/approvals/{approval_id}", **access("viewer", "projects:read"))
def get_approval(approval_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ApprovalPublic:
    return ApprovalPublic.model_validate(collab.get_approval(session, actor, approval_id))


@router.post("/approvals/{approval_id}/approve", **access("member", "projects:write"))
def approve(
    approval_id: uuid.UUID, session: SessionDep, actor: CurrentActor, body: DecisionIn | None = None
) -> ApprovalPublic:
    """Plan approvals need a member; budget and tool approvals an admin."""
    row = decisions.decide_approval(session, actor, approval_id, approve=True, reason=body.reason if body else None)
    return ApprovalPublic.model_validate(row)


@router.post("/approvals/{approval_id}/reject", **access("member", "projects:write"))
def reject(approval_id: uuid.UUID, body: RejectionIn, session: SessionDep, actor: CurrentActor) -> ApprovalPublic:
    row = decisions.decide_approval(session, actor, approval_id, approve=False, reason=body.reason)
    return ApprovalPublic.model_validate(row)
