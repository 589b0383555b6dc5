"""Forks: fork a project at a task (or replay it), retry from a failed task in place, the fork
lineage, the side-by-side diff of task outputs, and the tool policies a fork edited. Thin: every
check is in ``usecases/forks.py``, ``services/fork_views.py`` and ``tools/project_policies.py``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.projects import ProjectPublic
from berrys_app.domain.tools import ProjectToolPolicyPublic
from berrys_app.services import fork_views
from berrys_app.services.tools import project_policies
from berrys_app.usecases import forks
from berrys_app.usecases.forks import ForkIn, TaskEdits

router = APIRouter(prefix="/api/v1/projects", tags=["forks"], responses=PROBLEM_RESPONSES)
READ, WRITE = "projects:read", "projects:write"


class LineagePublic(BaseModel):
    id: uuid.UUID
    name: str
    status: str
    forked_from_project_id: uuid.UUID | None
    forked_at_task_key: str | None
    fork_mode: str | None
    depth: int
    created_at: datetime


class DiffRowPublic(BaseModel):
    key: str
    title: str
    left_status: str | None
    right_status: str | None
    left_output: str | None
    right_output: str | None
    right_copied: bool
    same: bool


@router.post("/{project_id}/forks", status_code=status.HTTP_201_CREATED, **access("member", WRITE))
def fork_project(project_id: uuid.UUID, body: ForkIn, session: SessionDep, actor: CurrentActor) -> ProjectPublic:
    """A new project from this one at ``at_task``: upstream tasks copied (no call made again), the
    fork point and everything downstream run again with the edits; ``mode=replay`` answers every
    call from the recorded ones. The fork starts at once."""
    fork = forks.fork_project(session, actor, project_id, body)
    return ProjectPublic.model_validate(fork, from_attributes=True)


@router.post("/{project_id}/tasks/{task_key}/retry-from-here", **access("member", WRITE))
def retry_from_here(
    project_id: uuid.UUID,
    task_key: str,
    session: SessionDep,
    actor: CurrentActor,
    body: Annotated[TaskEdits | None, Body()] = None,
) -> ProjectPublic:
    """In place: the failed task ``task_key`` and everything downstream run again (a new plan
    version), optionally with a new description or model; completed tasks are kept."""
    project = forks.retry_from_here(session, actor, project_id, task_key, body or TaskEdits())
    return ProjectPublic.model_validate(project, from_attributes=True)


@router.get("/{project_id}/tool-policies", **access("viewer", READ))
def tool_policies(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[ProjectToolPolicyPublic]:
    """The project's own approval policy / argument constraints per team tool (a fork's
    ``tool_policies`` edits, inherited from its source); a tool not listed follows the team's."""
    rows = [
        ProjectToolPolicyPublic.model_validate(row, from_attributes=True)
        for row in project_policies.list_policies(session, actor, project_id)
    ]
    return ListOf[ProjectToolPolicyPublic].model_validate(list_of(rows))


@router.get("/{project_id}/lineage", **access("viewer", READ))
def lineage(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[LineagePublic]:
    """The project's fork tree, from its first ancestor down (``depth`` 0), in tree order."""
    rows = [
        LineagePublic.model_validate(row, from_attributes=True)
        for row in fork_views.lineage(session, actor, project_id)
    ]
    return ListOf[LineagePublic].model_validate(list_of(rows))


@router.get("/{project_id}/diff", **access("viewer", READ))
def diff(
    project_id: uuid.UUID, against: Annotated[uuid.UUID, Query()], session: SessionDep, actor: CurrentActor
) -> ListOf[DiffRowPublic]:
    """Task outputs side by side by task key: ``against`` (left) and this project (right)."""
    rows = fork_views.diff(session, actor, project_id, against)
    return ListOf[DiffRowPublic].model_validate(
        list_of([DiffRowPublic.model_validate(row, from_attributes=True) for row in rows])
    )
