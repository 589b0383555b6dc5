"""Project files (artifacts): what agents wrote with the project_files tool, and uploads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.tools import ArtifactPublic
from berrys_app.services import tools

router = APIRouter(prefix="/api/v1/projects/{project_id}/files", tags=["results"], responses=PROBLEM_RESPONSES)
Path = Annotated[str, Query(min_length=1, max_length=512, description="e.g. docs/report.md")]


class FileContent(ArtifactPublic):
    content: str


class FileIn(BaseModel):
    content: str = Field(max_length=1_000_000)


@router.get("", **access("viewer", "projects:read"))
def list_files(
    project_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    prefix: Annotated[str, Query(max_length=512)] = "",
) -> ListOf[ArtifactPublic]:
    return ListOf[ArtifactPublic].model_validate(
        list_of(tools.list_artifacts(session, actor, project_id=project_id, prefix=prefix))
    )


@router.get("/content", **access("viewer", "projects:read"))
def get_file(project_id: uuid.UUID, path: Path, session: SessionDep, actor: CurrentActor) -> FileContent:
    row = tools.get_artifact(session, actor, project_id=project_id, path=path)
    return FileContent.model_validate(row, from_attributes=True)


@router.put("/content", **access("member", "projects:write"))
def put_file(
    project_id: uuid.UUID, path: Path, body: FileIn, session: SessionDep, actor: CurrentActor
) -> ArtifactPublic:
    """Upload or replace a text file in the project."""
    return tools.put_artifact(session, actor, project_id=project_id, path=path, content=body.content)
