"""Deciding an approval, with its audit row in the caller's transaction. It settles rows of
``collab`` and drives ``projects`` (plan approvals go through ``projects.approve_plan`` /
``reject_plan``, which audit themselves), so it lives above both (``projects`` imports
``collab`` through the engine and the budget rules; ``collab`` must not import ``projects`` back)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.services import audit, collab, projects
from berrys_app.services.authz import PROJECTS_WRITE, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.projects import after_approval_decision


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
            projects.approve_plan(session, actor, row.project_id)
        else:
            projects.reject_plan(session, actor, row.project_id, reason=row.reason or "rejected")
    elif row.task_id is not None:  # a waiting task: the rule of what runs next is the projects front door's
        after_approval_decision(session, actor, row)
    return row
