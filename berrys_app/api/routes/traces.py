"""A project's trace (the Trace tab's data): task attempts, model and tool calls, waits, critical path."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from berrys_app.api.deps import CurrentActor, SessionDep, access
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import trace
from berrys_app.services.trace import ProjectTrace

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], responses=PROBLEM_RESPONSES)


@router.get("/{project_id}/trace", **access("viewer", "projects:read"))
def project_trace(
    project_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    page: Annotated[int, Query(ge=1, description="page of tasks, in the order they started")] = 1,
    per_page: Annotated[int, Query(ge=1, le=trace.MAX_PER_PAGE)] = 50,
) -> ProjectTrace:
    """The project's waterfall built from PostgreSQL (no collector needed); times in ms from its creation."""
    return trace.project_trace(session, actor, project_id, page=page, per_page=per_page)
