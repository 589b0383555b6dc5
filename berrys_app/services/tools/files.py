"""Project files (artifacts) stored in PostgreSQL: the ``project_files`` tool and the
service functions the dashboard and REST use. Paths are canonical relative names; anything
that could mean "outside" (``..``, absolute, backslashes, control characters) is refused,
and storage is keyed by (project, path) so there is no filesystem to escape."""

from __future__ import annotations

import mimetypes
import posixpath
import re
import uuid

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import Artifact, ArtifactPublic
from berrys_app.services import events
from berrys_app.services.authz import PROJECTS_READ, PROJECTS_WRITE, Actor, require_role
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.tools.context import Invocation, ToolFailure

MAX_PATH = 512
MAX_LIST = 500
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def normalise_path(path: str) -> str:
    """The canonical form of a workspace path, or ``ValueError`` saying why it is refused."""
    raw = path.strip()
    if not raw:
        raise ValueError("path is empty")
    if len(raw) > MAX_PATH:
        raise ValueError(f"path is longer than {MAX_PATH} characters")
    if _BAD_CHARS.search(raw):
        raise ValueError("path contains a backslash or a control character")
    if raw.startswith(("/", "~")):
        raise ValueError("path must be relative to the project workspace, like 'notes/plan.md'")
    if any(part == ".." for part in raw.split("/")):
        raise ValueError("path must not contain '..'")
    clean = posixpath.normpath(raw)
    if clean in ("", ".") or clean.startswith("../"):
        raise ValueError("path does not name a file")
    return clean


def write_artifact(
    session: Session, *, project_id: uuid.UUID, path: str, content: str, task_id: uuid.UUID | None = None
) -> Artifact:
    """Create or replace a file (upsert: concurrent writers never collide on the unique key)."""
    clean = normalise_path(path)
    now = utcnow()
    content_type = mimetypes.guess_type(clean)[0] or "text/plain"
    size = len(content.encode("utf-8"))
    stmt = insert(Artifact).values(
        id=uuid.uuid4(),
        project_id=project_id,
        path=clean,
        content=content,
        content_type=content_type,
        size=size,
        task_id=task_id,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_artifacts_project_path",
        set_={"content": content, "size": size, "task_id": task_id, "updated_at": now, "content_type": content_type},
    ).returning(Artifact.id)
    artifact_id = session.execute(stmt).scalar_one()
    row = session.get(Artifact, artifact_id, populate_existing=True)
    assert row is not None
    return row


def read_artifact_row(session: Session, *, project_id: uuid.UUID, path: str) -> Artifact | None:
    clean = normalise_path(path)
    return session.exec(select(Artifact).where(Artifact.project_id == project_id, Artifact.path == clean)).first()


def list_artifact_rows(session: Session, *, project_id: uuid.UUID, prefix: str = "") -> list[Artifact]:
    query = select(Artifact).where(Artifact.project_id == project_id)
    if prefix:  # a directory: "docs" lists docs/..., not docs2/...
        clean = normalise_path(prefix)
        query = query.where(
            or_(col(Artifact.path) == clean, col(Artifact.path).startswith(clean + "/", autoescape=True))
        )
    return list(session.exec(query.order_by(col(Artifact.path)).limit(MAX_LIST)))


def _announce(session: Session, row: Artifact, *, actor: str, actor_id: uuid.UUID | None = None) -> None:
    """``artifact.written``: lets the dashboard refresh a project's file list live."""
    events.emit(
        session,
        EventKind.ARTIFACT_WRITTEN,
        project_id=row.project_id,
        task_id=row.task_id,
        actor=actor,
        actor_id=actor_id,
        payload={"path": row.path, "size": row.size},
    )


# --- service functions (REST and dashboard) --------------------------------------------------


def project_team(session: Session, project_id: uuid.UUID) -> uuid.UUID:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project not found")
    return project.team_id


def list_artifacts(session: Session, actor: Actor, *, project_id: uuid.UUID, prefix: str = "") -> list[ArtifactPublic]:
    """The project's files (viewers may read)."""
    require_role(session, actor, project_team(session, project_id), Role.viewer, scope=PROJECTS_READ, what="project")
    try:
        rows = list_artifact_rows(session, project_id=project_id, prefix=prefix)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    return [ArtifactPublic.model_validate(row, from_attributes=True) for row in rows]


def get_artifact(session: Session, actor: Actor, *, project_id: uuid.UUID, path: str) -> Artifact:
    """One file with its content (viewers may read)."""
    require_role(session, actor, project_team(session, project_id), Role.viewer, scope=PROJECTS_READ, what="project")
    try:
        row = read_artifact_row(session, project_id=project_id, path=path)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    if row is None:
        raise NotFound(f"file {path!r} not found")
    return row


def put_artifact(session: Session, actor: Actor, *, project_id: uuid.UUID, path: str, content: str) -> ArtifactPublic:
    """Upload/replace a file (members)."""
    require_role(session, actor, project_team(session, project_id), Role.member, scope=PROJECTS_WRITE, what="project")
    try:
        if "\x00" in content:
            raise ValueError("content must be text (it contains a NUL character)")
        row = write_artifact(session, project_id=project_id, path=path, content=content)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    _announce(session, row, actor=actor.label, actor_id=actor.user_id)
    session.flush()
    return ArtifactPublic.model_validate(row, from_attributes=True)


# --- the tool --------------------------------------------------------------------------------


async def run_project_files(inv: Invocation) -> str:
    """``project_files`` tool: read / write / list in the calling task's project."""
    project_id = inv.ctx.project_id
    if project_id is None:
        raise ToolFailure("no_project", "project_files only works inside a project")
    action = inv.arguments["action"]
    path = inv.arguments.get("path", "")
    try:
        with session_scope() as session:
            if action == "list":
                rows = list_artifact_rows(session, project_id=project_id, prefix=path)
                if not rows:
                    return "(no files)" if not path else f"(no files under {path!r})"
                return "\n".join(f"{row.path}\t{row.size} bytes" for row in rows)
            if not path:
                raise ToolFailure("invalid_arguments", f"'{action}' needs a 'path'")
            if action == "read":
                row = read_artifact_row(session, project_id=project_id, path=path)
                if row is None:
                    raise ToolFailure("file_not_found", f"no file {path!r}; use action 'list' to see the files")
                return row.content
            if "content" not in inv.arguments:
                raise ToolFailure("invalid_arguments", "'write' needs 'content'")
            if "\x00" in inv.arguments["content"]:
                raise ToolFailure("invalid_arguments", "content must be text (it contains a NUL character)")
            row = write_artifact(
                session, project_id=project_id, path=path, content=inv.arguments["content"], task_id=inv.ctx.task_id
            )
            _announce(session, row, actor=f"agent:{inv.ctx.agent_id}" if inv.ctx.agent_id else "system")
            return f"wrote {row.path} ({row.size} bytes)"
    except ValueError as exc:
        raise ToolFailure("invalid_path", f"{exc}") from exc
