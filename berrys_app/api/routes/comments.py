"""Comments with @mentions on projects and tasks."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import CommentPublic
from berrys_app.services import collab

router = APIRouter(prefix="/api/v1", tags=["comments"], responses=PROBLEM_RESPONSES)


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=collab.MAX_COMMENT, description="mention people with @name or @email")
    task_id: uuid.UUID | None = None


@router.get("/projects/{project_id}/comments", **access("viewer", "projects:read"))
def list_comments(
    project_id: uuid.UUID, session: SessionDep, actor: CurrentActor, task_id: uuid.UUID | None = None
) -> ListOf[CommentPublic]:
    rows = [
        CommentPublic.model_validate(c)
        for c in collab.list_comments(session, actor, project_id=project_id, task_id=task_id)
    ]
    return ListOf[CommentPublic].model_validate(list_of(rows))


@router.post(
    "/projects/{project_id}/comments", status_code=status.HTTP_201_CREATED, **access("member", "projects:write")
)
def add_comment(project_id: uuid.UUID, body: CommentIn, session: SessionDep, actor: CurrentActor) -> CommentPublic:
    row = collab.add_comment(session, actor, project_id=project_id, body=body.body, task_id=body.task_id)
    return CommentPublic.model_validate(row)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "projects:write"))
def delete_comment(comment_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Admins delete any comment of the team; authors their own."""
    collab.delete_comment(session, actor, comment_id=comment_id)


@router.get("/me/mentions", **access("user", "projects:read"))
def my_mentions(session: SessionDep, actor: CurrentActor) -> ListOf[CommentPublic]:
    """Comments that mention me, newest first."""
    rows = [CommentPublic.model_validate(c) for c in collab.my_mentions(session, actor)]
    return ListOf[CommentPublic].model_validate(list_of(rows))
