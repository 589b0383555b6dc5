"""What the project page shows, for REST clients too: a task's transcript and error history, the
project's tool calls, and who has the project open (presence)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from berrys_app.api.deps import CurrentActor, ListOf, PageDep, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import presence, transcripts

router = APIRouter(prefix="/api/v1/projects/{project_id}", tags=["projects"], responses=PROBLEM_RESPONSES)
READ = "projects:read"


class TranscriptEntry(BaseModel):
    kind: str  # model | tool
    title: str
    text: str


class ErrorEntry(BaseModel):
    title: str
    text: str
    at: str


class TaskTranscript(BaseModel):
    entries: list[TranscriptEntry]
    errors: list[ErrorEntry]


class ToolCallPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    tool_name: str
    arguments: dict[str, Any]
    status: str
    error_code: str | None
    content: str
    attempts: int
    duration_ms: float | None
    started_at: datetime
    finished_at: datetime | None


class Presence(BaseModel):
    viewers: list[str]


@router.get("/tasks/{task_id}/transcript", **access("viewer", READ))
def task_transcript(
    project_id: uuid.UUID, task_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> TaskTranscript:
    """The task's model and tool calls in order, and every failed attempt's error (the drawer's view)."""
    entries = transcripts.task_transcript(session, actor, project_id=project_id, task_id=task_id)
    errors = transcripts.task_errors(session, actor, project_id=project_id, task_id=task_id)
    return TaskTranscript.model_validate({"entries": entries, "errors": errors})


@router.get("/tool-calls", **access("viewer", READ))
def project_tool_calls(
    project_id: uuid.UUID, session: SessionDep, actor: CurrentActor, paging: PageDep
) -> ListOf[ToolCallPublic]:
    """Every tool call of the project, newest first (arguments with secrets redacted)."""
    rows, total = transcripts.project_tool_calls(
        session, actor, project_id=project_id, page=paging.page, per_page=paging.per_page
    )
    data = [ToolCallPublic.model_validate(r) for r in rows]
    return ListOf[ToolCallPublic].model_validate(list_of(data, total=total, paging=paging))


@router.get("/presence", **access("viewer", READ))
def project_presence(project_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Presence:
    """Who has the project open in the dashboard right now."""
    return Presence(viewers=presence.project_viewers(session, actor, project_id))
