"""Recorded tool calls of a project, for the dashboard's task view and REST."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.tools import ToolCall, ToolCallPublic
from berrys_app.services.authz import Actor, require_role
from berrys_app.services.tools.files import project_team


def list_tool_calls(
    session: Session,
    actor: Actor,
    *,
    project_id: uuid.UUID,
    task_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[ToolCallPublic]:
    """Newest first; viewers may read (arguments are stored redacted, results scrubbed)."""
    require_role(session, actor, project_team(session, project_id), Role.viewer, what="project")
    query = select(ToolCall).where(ToolCall.project_id == project_id)
    if task_id is not None:
        query = query.where(ToolCall.task_id == task_id)
    if status is not None:
        query = query.where(ToolCall.status == status)
    query = query.order_by(col(ToolCall.started_at).desc()).limit(max(1, min(limit, 1000)))
    return [ToolCallPublic.model_validate(row, from_attributes=True) for row in session.exec(query)]
