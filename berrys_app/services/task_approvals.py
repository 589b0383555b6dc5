"""Approvals for tasks that wait for a person: opened, decided, closed.

The engine parks a task in ``waiting_approval`` (``engine.outcomes.wait_for_person``); this puts an
approval in the team's inbox so the decision does not depend on someone watching the project
page: ``budget`` (budget spent; approving runs the task again after the decider raised the
budget; retrying the task from the project page or REST closes it) or ``tool`` (a gated tool
call, ``details.call_key``; approving or rejecting runs the task again and the call meets the
decision in ``approval_gate``; retrying the task does not decide it). A decision lets the task
run again through the lifecycle requests (``usecases/project_lifecycle.after_approval_decision``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.domain.projects import Project
from berrys_app.domain.work import Task
from berrys_app.services import collab
from berrys_app.services.authz import Actor


def open_for_waiting_task(
    session: Session,
    project: Project,
    task: Task,
    *,
    reason: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> None:
    """The task waits for a person: ask the team's admins (idempotent while one is pending)."""
    kind = ApprovalKind.budget if reason.startswith("budget") else ApprovalKind.tool
    collab.open_approval(
        session,
        team_id=project.team_id,
        kind=kind,
        project_id=project.id,
        task_id=task.id,
        title=f"Task {task.key} of {project.name} waits: {message}"[:500],
        details={**(details or {}), "reason": reason, "message": message[:1000], "task_key": task.key},
        requested_by="engine",
    )


def is_tool_call(approval: Approval) -> bool:
    """A gated tool call's approval: only a decider decides it (retrying the task does not)."""
    return approval.kind == ApprovalKind.tool.value and bool((approval.details or {}).get("call_key"))


def close_for_task(session: Session, actor: Actor, task_id: uuid.UUID) -> None:
    """The task was retried by another door: its pending approvals are settled (approved)."""
    pending = session.exec(
        select(Approval).where(Approval.task_id == task_id, Approval.status == ApprovalStatus.pending.value)
    ).all()
    for row in pending:
        if is_tool_call(row):  # only a decider decides a tool call; the re-run waits on it again
            continue
        collab.settle_approval(session, row, actor, approved=True, reason=f"task retried by {actor.label}")
