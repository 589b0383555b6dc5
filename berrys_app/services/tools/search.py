"""``search_outputs``: find a phrase in the project's artifacts and earlier task outputs,
so an agent can build on what other agents already produced."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from berrys_app.db import session_scope
from berrys_app.domain.tools import Artifact
from berrys_app.domain.work import Task
from berrys_app.services.tools.context import Invocation, ToolFailure

SNIPPET = 300


def _snippet(text: str, query: str) -> str:
    at = text.lower().find(query.lower())
    start = max(0, at - SNIPPET // 3) if at >= 0 else 0
    piece = text[start : start + SNIPPET].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")


def _pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_project(
    session: Session, *, project_id: uuid.UUID, query: str, limit: int = 5, exclude_task: uuid.UUID | None = None
) -> list[dict[str, str]]:
    """Matches as ``{"source", "ref", "snippet"}``: artifacts first, then task outputs."""
    pattern = _pattern(query)
    hits: list[dict[str, str]] = []
    files = session.exec(
        select(Artifact)
        .where(Artifact.project_id == project_id)
        .where(or_(col(Artifact.content).ilike(pattern), col(Artifact.path).ilike(pattern)))
        .order_by(col(Artifact.updated_at).desc())
        .limit(limit)
    )
    hits.extend({"source": "file", "ref": row.path, "snippet": _snippet(row.content, query)} for row in files)
    if len(hits) < limit:
        hits.extend(
            _task_hits(
                session,
                project_id=project_id,
                pattern=pattern,
                query=query,
                limit=limit - len(hits),
                exclude_task=exclude_task,
            )
        )
    return hits


def _task_hits(
    session: Session, *, project_id: uuid.UUID, pattern: str, query: str, limit: int, exclude_task: uuid.UUID | None
) -> list[dict[str, str]]:
    stmt = (
        select(Task)
        .where(Task.project_id == project_id, col(Task.output).is_not(None))
        .where(or_(col(Task.output).ilike(pattern), col(Task.title).ilike(pattern)))
        .order_by(func.coalesce(Task.finished_at, Task.created_at).desc())
        .limit(limit)
    )
    if exclude_task is not None:
        stmt = stmt.where(Task.id != exclude_task)
    return [
        {"source": "task", "ref": f"{row.key}: {row.title}", "snippet": _snippet(row.output or "", query)}
        for row in session.exec(stmt)
    ]


async def run_search_outputs(inv: Invocation) -> str:
    """The tool: a short, numbered list the model can cite."""
    if inv.ctx.project_id is None:
        raise ToolFailure("no_project", "search_outputs only works inside a project")
    query = inv.arguments["query"].strip()
    if not query:
        raise ToolFailure("invalid_arguments", "query must not be blank")
    limit = int(inv.arguments.get("limit", 5))
    with session_scope() as session:
        hits = search_project(
            session, project_id=inv.ctx.project_id, query=query, limit=limit, exclude_task=inv.ctx.task_id
        )
    if not hits:
        return f"no earlier output or file mentions {query!r}"
    return "\n".join(f"{i}. [{hit['source']}] {hit['ref']}: {hit['snippet']}" for i, hit in enumerate(hits, 1))
