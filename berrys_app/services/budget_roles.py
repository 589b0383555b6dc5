"""Who may spend more: raising a budget, or letting a task past the approval it waits on.

A budget approval is decided by an admin (``collab.DECIDER_ROLE``); the same person must not
get around it by retrying the waiting task or by raising the budget themselves. Lowering a
budget stays open to members (it only spends less).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.accounts import ROLE_RANK, Role
from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.services.authz import PROJECTS_WRITE, Actor, require_role
from berrys_app.services.collab import DECIDER_ROLE
from berrys_app.services.errors import Forbidden


def raises(before: float | int | None, after: float | int | None) -> bool:
    """Whether ``after`` allows more spending than ``before`` (None: no limit)."""
    if before is None:
        return False
    return after is None or after > before


def require_raise_role(session: Session, actor: Actor, team_id: uuid.UUID, *, what: str) -> None:
    """Raising ``what`` needs the role that decides budget approvals."""
    needed = DECIDER_ROLE[ApprovalKind.budget]
    role = require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_WRITE, what="project")
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        raise Forbidden(
            f"raising {what} needs the {needed.value} role in the team (who decides budget approvals); you are {role.value}"
        )


def require_decider_for_task(session: Session, actor: Actor, team_id: uuid.UUID, task_id: uuid.UUID) -> None:
    """Retrying a task settles the approvals it waits on: only their deciders may."""
    pending = session.exec(
        select(Approval.kind).where(Approval.task_id == task_id, Approval.status == ApprovalStatus.pending.value)
    ).all()
    if not pending:
        return
    kind = max((ApprovalKind(k) for k in pending), key=lambda k: ROLE_RANK[DECIDER_ROLE[k]])
    needed = DECIDER_ROLE[kind]
    role = require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_WRITE, what="project")
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        raise Forbidden(
            f"this task waits on a {kind.value} approval; retrying it needs the {needed.value} role "
            f"in the team (who decides it); you are {role.value}"
        )
