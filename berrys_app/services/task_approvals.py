"""Approvals for tasks that wait for a person (budget spent): opened, decided, closed.

The engine parks a task in ``waiting_approval`` (``execution.wait_for_person``); this puts a
``budget`` approval in the team's inbox so the decision does not depend on someone watching
the project page. Approving it runs the task again (``projects.retry_task``, after the decider
raised the budget); retrying the task from the project page or REST closes it.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.domain.projects import Project
from berrys_app.domain.work import Task, TaskStatus
from berrys_app.services.authz import Actor


def open_for_waiting_task(session: Session, project: Project, task: Task, *, reason: str, message: str) -> None:
    """The task waits for a person: ask the team's admins (idempotent while one is pending)."""
    from berrys_app.services import collab

    kind = ApprovalKind.budget if reason.startswith("budget") else ApprovalKind.tool
    collab.open_approval(
        session,
        team_id=project.team_id,
        kind=kind,
        project_id=project.id,
        task_id=task.id,
        title=f"Task {task.key} of {project.name} waits: {message}",
        details={"reason": reason, "message": message[:1000], "task_key": task.key},
        requested_by="engine",
    )


def retry_approved_task(session: Session, actor: Actor, approval: Approval) -> None:
    """An approved task approval lets the task run again (if it still waits or failed)."""
    from berrys_app.services import projects

    if approval.project_id is None or approval.task_id is None:
        return
    task = session.get(Task, approval.task_id)
    if task is not None and task.status in (TaskStatus.waiting_approval.value, TaskStatus.failed.value):
        projects.retry_task(session, actor, approval.project_id, approval.task_id)


def close_for_task(session: Session, actor: Actor, task_id: uuid.UUID) -> None:
    """The task was retried by another door: its pending approvals are settled (approved)."""
    from berrys_app.services import collab

    pending = session.exec(
        select(Approval).where(Approval.task_id == task_id, Approval.status == ApprovalStatus.pending.value)
    ).all()
    for row in pending:
        collab.settle_approval(session, row, actor, approved=True, reason=f"task retried by {actor.label}")
