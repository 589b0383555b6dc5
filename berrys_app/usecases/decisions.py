"""Deciding an approval, with its audit row in the caller's transaction. It settles rows of
``collab`` and moves the project (plan approvals go through ``project_lifecycle.approve_plan`` /
``reject_plan``, which audit themselves; a decided task approval lets the task run again), so it
is a lifecycle request like them, above the engine (``collab`` sits below it and must not import
them back)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.services import audit, collab
from berrys_app.services.authz import PROJECTS_WRITE, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.usecases import project_lifecycle


def decide_approval(
    session: Session, actor: Actor, approval_id: uuid.UUID, *, approve: bool, reason: str | None = None
) -> Approval:
    """Approve or reject; plan approvals go through the engine's approve/reject."""
    row = session.get(Approval, approval_id, with_for_update=True)
    if row is None:
        raise NotFound("approval not found")
    kind = ApprovalKind(row.kind)
    require_role(session, actor, row.team_id, collab.DECIDER_ROLE[kind], scope=PROJECTS_WRITE, what="approval")
    if row.status != ApprovalStatus.pending.value:
        raise Conflict(f"this approval was already {row.status}")
    if not approve and not (reason or "").strip():
        raise ValidationFailed("a rejection needs a reason", details={"field": "reason"})
    collab.settle_approval(session, row, actor, approved=approve, reason=(reason or "").strip() or None)
    audit.record(
        session,
        action="approval.decided",
        actor=actor,
        team_id=row.team_id,
        target_type="approval",
        target_id=row.id,
        details={"kind": kind.value, "status": row.status, "reason": row.reason},
    )
    if kind is ApprovalKind.plan and row.project_id is not None:
        session.flush()
        if approve:
            project_lifecycle.approve_plan(session, actor, row.project_id)
        else:
            project_lifecycle.reject_plan(session, actor, row.project_id, reason=row.reason or "rejected")
    elif row.task_id is not None:  # a waiting task: what runs next is project_lifecycle's rule
        project_lifecycle.after_approval_decision(session, actor, row)
    return row
