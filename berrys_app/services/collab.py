"""Collaboration: comments with @mentions, the approvals inbox, the team activity feed.

Approvals of kind ``plan`` are decided through the engine (``usecases/project_lifecycle.approve_plan``
/ ``reject_plan``), so the inbox and the project page share one state machine.
Other contexts open approvals with ``open_approval`` (budget raises, tool use).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, func, select

from berrys_app import tracing
from berrys_app.domain.accounts import Role, TeamMember, User
from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus, Comment
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.events import Event
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import Task
from berrys_app.services import audit, keyset
from berrys_app.services.authz import PROJECTS_READ, PROJECTS_WRITE, Actor, require_role, require_scope
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.events import emit

MENTION_RE = re.compile(r"(?<![\w@])@([\w.%+-]+(?:@[\w.-]+\.[A-Za-z]{2,})?)")
MAX_COMMENT = 10_000
# who may decide an approval of each kind
DECIDER_ROLE = {ApprovalKind.plan: Role.member, ApprovalKind.budget: Role.admin, ApprovalKind.tool: Role.admin}


def _project(session: Session, actor: Actor, project_id: uuid.UUID, minimum: Role, *, scope: str) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project not found")
    require_role(session, actor, project.team_id, minimum, scope=scope, what="project")
    return project


def _check_task(session: Session, project: Project, task_id: uuid.UUID | None) -> None:
    if task_id is None:
        return

    task = session.get(Task, task_id)
    if task is None or task.project_id != project.id:
        raise NotFound("task not found")


# ---------------------------------------------------------------- comments


def _handles_of(email: str, name: str) -> set[str]:
    """What ``@...`` may say to reach a person: the email, its local part, the display name
    without spaces (``@MiaMember``) or its first word (``@Mia``); case-insensitive."""
    handles = {email.lower(), email.split("@")[0].lower()}
    words = (name or "").lower().split()
    if words:
        handles.update({"".join(words), words[0]})
    return handles


def resolve_mentions(session: Session, team_id: uuid.UUID, body: str) -> list[uuid.UUID]:
    """``@ann@example.com``, ``@ann`` (the email's local part) or ``@Ann`` (the display name)
    -> member ids of the team (every member a handle fits; outsiders never)."""
    handles = {h.lower().rstrip(".-") for h in MENTION_RE.findall(body)}
    if not handles:
        return []
    members = session.exec(
        select(User.id, User.email, User.name)
        .join(TeamMember, col(TeamMember.user_id) == col(User.id))
        .where(TeamMember.team_id == team_id)
    ).all()
    found = [uid for uid, email, name in members if handles & _handles_of(email, name)]
    return sorted(found, key=str)


def add_comment(
    session: Session, actor: Actor, *, project_id: uuid.UUID, body: str, task_id: uuid.UUID | None = None
) -> Comment:
    """Members comment on a project or task; mentioned members get a ``comment.mention`` event."""
    project = _project(session, actor, project_id, Role.member, scope=PROJECTS_WRITE)
    _check_task(session, project, task_id)
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise ValidationFailed(f"a comment needs 1-{MAX_COMMENT} characters", details={"field": "body"})
    mentions = resolve_mentions(session, project.team_id, body)
    row = Comment(
        team_id=project.team_id,
        project_id=project.id,
        task_id=task_id,
        author_id=actor.user_id,
        body=body,
        mentions=[str(m) for m in mentions],
    )
    session.add(row)
    session.flush()
    emit(
        session,
        EventKind.COMMENT_CREATED,
        project_id=project.id,
        team_id=project.team_id,
        task_id=task_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"comment_id": str(row.id), "mentions": row.mentions, "excerpt": body[:200], "body": body},
    )
    for user_id in mentions:
        emit(
            session,
            EventKind.COMMENT_MENTION,
            project_id=project.id,
            team_id=project.team_id,
            task_id=task_id,
            actor_id=actor.user_id,
            actor=actor.label,
            payload={"comment_id": str(row.id), "user_id": str(user_id)},
        )
    return row


def list_comments(
    session: Session, actor: Actor, *, project_id: uuid.UUID, task_id: uuid.UUID | None = None
) -> list[Comment]:
    project = _project(session, actor, project_id, Role.viewer, scope=PROJECTS_READ)
    query = select(Comment).where(Comment.project_id == project.id)
    if task_id is not None:
        query = query.where(Comment.task_id == task_id)
    return list(session.exec(query.order_by(col(Comment.created_at))))


def delete_comment(session: Session, actor: Actor, *, comment_id: uuid.UUID) -> None:
    """Authors delete their own comments; admins any comment of the team."""
    row = session.get(Comment, comment_id)
    if row is None:
        raise NotFound("comment not found")
    role = require_role(session, actor, row.team_id, Role.viewer, scope=PROJECTS_WRITE, what="comment")
    if row.author_id != actor.user_id and role not in (Role.admin, Role.owner):
        raise Forbidden("only the author or an admin can delete a comment")
    session.delete(row)
    audit.record(
        session, action="comment.deleted", actor=actor, team_id=row.team_id, target_type="comment", target_id=row.id
    )


def my_mentions(session: Session, actor: Actor, *, limit: int = 50) -> list[Comment]:
    """Comments that mention the actor, in teams they still belong to, newest first."""
    require_scope(actor, PROJECTS_READ)
    if actor.user_id is None:
        return []
    teams = select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)
    query = (
        select(Comment)
        .where(col(Comment.team_id).in_(teams), col(Comment.mentions).contains([str(actor.user_id)]))
        .order_by(col(Comment.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(query))


# ---------------------------------------------------------------- approvals


def open_approval(
    session: Session,
    *,
    team_id: uuid.UUID,
    kind: ApprovalKind | str,
    title: str,
    project_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    requested_by: str = "system",
) -> Approval:
    """Put a decision in the team's inbox (idempotent per project/task/kind while pending)."""
    kind = ApprovalKind(kind)
    existing = session.exec(
        select(Approval).where(
            Approval.team_id == team_id,
            Approval.kind == kind.value,
            Approval.project_id == project_id,
            Approval.task_id == task_id,
            Approval.status == ApprovalStatus.pending.value,
        )
    ).first()
    if existing is not None:
        return existing
    row = Approval(
        team_id=team_id,
        project_id=project_id,
        task_id=task_id,
        kind=kind.value,
        title=title[:500],
        details=details or {},
        requested_by=requested_by[:320],
    )
    session.add(row)
    session.flush()
    emit(
        session,
        EventKind.APPROVAL_REQUESTED,
        project_id=project_id,
        team_id=team_id,
        task_id=task_id,
        payload={"approval_id": str(row.id), "kind": kind.value, "title": row.title},
    )
    return row


# Projects that entered plan review in the current transaction without opening a plan approval
# (they approve their own plans). Every pending plan approval is opened on entering review and
# closed on leaving it (both here, under the project's row lock), so such a project has none to
# close when it leaves review in that same transaction: the query for them is skipped.
_REVIEW_WITHOUT_APPROVAL = "berrys_review_without_approval"


def on_project_transition(
    session: Session, project: Project, *, before: ProjectStatus, after: ProjectStatus, actor: Actor
) -> None:
    """Keep the inbox in step with the lifecycle (``projects.transition`` calls this).

    Entering plan review opens a plan approval (unless the project auto-approves); leaving it,
    by any door (inbox, project page, REST, cancel, replan), closes the pending one.
    """
    review = ProjectStatus.plan_review
    unopened: set[uuid.UUID] = session.info.setdefault(_REVIEW_WITHOUT_APPROVAL, set())
    if after == review and before != review:
        if project.auto_approve:
            unopened.add(project.id)
            return
        unopened.discard(project.id)
        open_approval(
            session,
            team_id=project.team_id,
            kind=ApprovalKind.plan,
            project_id=project.id,
            title=f"Review the plan of {project.name}",
            requested_by=actor.label,
        )
    elif before == review and after != review:
        if project.id in unopened:  # it entered review in this transaction and opened none
            unopened.discard(project.id)
            return
        _close_plan_approvals(session, project, approved=after == ProjectStatus.ready, after=after, actor=actor)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_reviews(session: Session, transaction: SessionTransaction) -> None:
    """``_REVIEW_WITHOUT_APPROVAL`` holds for one transaction (committed or rolled back)."""
    if transaction.parent is None:
        session.info.pop(_REVIEW_WITHOUT_APPROVAL, None)


def _close_plan_approvals(
    session: Session, project: Project, *, approved: bool, after: ProjectStatus, actor: Actor
) -> None:
    """Pending plan approvals of a project that left review: decided elsewhere."""
    pending = session.exec(
        select(Approval).where(
            Approval.project_id == project.id,
            Approval.kind == ApprovalKind.plan.value,
            Approval.status == ApprovalStatus.pending.value,
        )
    ).all()
    reason = project.status_reason if not approved and project.status_reason else f"project became {after.value}"
    for row in pending:
        settle_approval(session, row, actor, approved=approved, reason=reason)


def settle_approval(session: Session, row: Approval, actor: Actor, *, approved: bool, reason: str | None) -> None:
    """Record a decision on a pending approval and announce it (``approval.decided``): the one
    place every door (inbox, plan review, a retried task) settles an approval."""
    row.status = (ApprovalStatus.approved if approved else ApprovalStatus.rejected).value
    row.decided_by = actor.user_id
    row.decided_at = utcnow()
    row.reason = reason[:2000] if reason else None
    session.add(row)
    if row.project_id is not None:  # the wait, as a span of the project's trace
        tracing.record(
            f"approval wait {row.kind}",
            project_id=row.project_id,
            start_ns=tracing.ns(row.created_at),
            end_ns=tracing.ns(row.decided_at),
            attributes={
                "berrys.approval.kind": row.kind,
                "berrys.approval.status": row.status,
                "berrys.task.id": str(row.task_id) if row.task_id else None,
            },
        )
    emit(
        session,
        EventKind.APPROVAL_DECIDED,
        project_id=row.project_id,
        team_id=row.team_id,
        task_id=row.task_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"approval_id": str(row.id), "kind": row.kind, "status": row.status},
    )


def list_approvals(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID,
    status: str | None = ApprovalStatus.pending.value,
    page: int = 1,
    per_page: int = 50,
    cursor: str | None = None,
) -> tuple[list[Approval], int | None]:
    """The team's inbox (viewers can see it; deciding needs the role of the kind), newest first;
    with ``cursor``, the rows after it and no total (``keyset``)."""
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    where = Approval.team_id == team_id
    return _approvals_page(session, where, status=status, page=page, per_page=per_page, cursor=cursor)


def my_approvals(
    session: Session,
    actor: Actor,
    *,
    status: str | None = ApprovalStatus.pending.value,
    page: int = 1,
    per_page: int = 50,
    cursor: str | None = None,
) -> tuple[list[Approval], int | None]:
    """One inbox over every team the actor belongs to (a person's "what waits for me")."""
    require_scope(actor, PROJECTS_READ)
    teams = select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)
    where = col(Approval.team_id).in_(teams)
    return _approvals_page(session, where, status=status, page=page, per_page=per_page, cursor=cursor)


def _approvals_page(
    session: Session, scope: Any, *, status: str | None, page: int, per_page: int, cursor: str | None
) -> tuple[list[Approval], int | None]:
    if status is not None and status not in ApprovalStatus.__members__:
        raise ValidationFailed(f"unknown status {status!r}", details={"allowed": list(ApprovalStatus.__members__)})
    keyset.check(page, cursor)
    where = [scope]
    if status:
        where.append(Approval.status == status)
    query = select(Approval).where(*where)
    total: int | None = None
    if cursor is not None:
        query = query.where(keyset.before_created(Approval.created_at, Approval.id, cursor))
    else:
        total = int(session.exec(select(func.count()).select_from(Approval).where(*where)).one())
        query = query.offset((page - 1) * per_page)
    rows = session.exec(query.order_by(col(Approval.created_at).desc(), col(Approval.id).desc()).limit(per_page))
    return list(rows.all()), total


def get_approval(session: Session, actor: Actor, approval_id: uuid.UUID) -> Approval:
    row = session.get(Approval, approval_id)
    if row is None:
        raise NotFound("approval not found")
    require_role(session, actor, row.team_id, Role.viewer, scope=PROJECTS_READ, what="approval")
    return row


# ---------------------------------------------------------------- activity


def activity(session: Session, actor: Actor, *, team_id: uuid.UUID, after: int = 0, limit: int = 100) -> list[Event]:
    """The team's event log after a cursor (the activity feed), oldest first."""
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    limit = max(1, min(limit, 500))
    return list(
        session.exec(
            select(Event).where(Event.team_id == team_id, col(Event.id) > after).order_by(col(Event.id)).limit(limit)
        )
    )


# what people did (not the engine's per-task and per-call traffic): the Team page's feed
FEED_PREFIXES = ("project.", "plan.", "comment.created", "member.", "approval.", "deliverable.")


def recent_activity(session: Session, actor: Actor, *, team_id: uuid.UUID, limit: int = 50) -> list[Event]:
    """The team's newest people-level events (project, plan, comment, member, approval), newest first."""
    from sqlalchemy import or_

    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    kinds = or_(*(col(Event.kind).startswith(prefix) for prefix in FEED_PREFIXES))
    query = select(Event).where(Event.team_id == team_id, kinds).order_by(col(Event.id).desc())
    return list(session.exec(query.limit(max(1, min(limit, 200)))))
