"""Reading forks: a project's lineage (where it came from, what was forked from it) and the
side-by-side diff of task outputs between two projects of one lineage. Both check the viewer
role on every project they show (``usecases/forks.py`` holds the moves)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from berrys_app.domain.projects import Project
from berrys_app.services import fork_plan, projects
from berrys_app.services.authz import Actor

MAX_DEPTH = 50  # forks of forks: a lineage deeper than this is cut (and said so by ``depth``)

_DESCENDANTS_SQL = text(
    """
    WITH RECURSIVE tree AS (
        SELECT id, 0 AS depth FROM projects WHERE id = :root
        UNION ALL
        SELECT p.id, tree.depth + 1 FROM projects p JOIN tree ON p.forked_from_project_id = tree.id
        WHERE tree.depth < :max AND p.team_id = :team
    )
    SELECT id, depth FROM tree
    """
)


@dataclass(frozen=True)
class LineageEntry:
    id: uuid.UUID
    name: str
    status: str
    forked_from_project_id: uuid.UUID | None
    forked_at_task_key: str | None
    fork_mode: str | None
    depth: int  # 0 = the first project of the lineage
    created_at: datetime


def lineage(session: Session, actor: Actor, project_id: uuid.UUID) -> list[LineageEntry]:
    """The project's whole fork tree (its first ancestor down), in the project's team, tree order."""
    project = projects.get_project(session, actor, project_id)
    root = project
    for _ in range(MAX_DEPTH):
        parent_id = root.forked_from_project_id
        parent = session.get(Project, parent_id) if parent_id else None
        if parent is None or parent.team_id != project.team_id:
            break
        root = parent
    depths = dict(
        session.execute(_DESCENDANTS_SQL, {"root": root.id, "max": MAX_DEPTH, "team": project.team_id}).tuples().all()
    )
    rows = session.exec(select(Project).where(col(Project.id).in_(list(depths)))).all()
    children: dict[uuid.UUID | None, list[Project]] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        children.setdefault(row.forked_from_project_id if row.id != root.id else None, []).append(row)
    ordered: list[LineageEntry] = []

    def walk(parent: uuid.UUID | None) -> None:
        for row in children.get(parent, []):
            ordered.append(
                LineageEntry(
                    id=row.id,
                    name=row.name,
                    status=row.status,
                    forked_from_project_id=row.forked_from_project_id,
                    forked_at_task_key=row.forked_at_task_key,
                    fork_mode=row.fork_mode,
                    depth=depths[row.id],
                    created_at=row.created_at,
                )
            )
            walk(row.id)

    walk(None)
    return ordered


@dataclass(frozen=True)
class DiffRow:
    key: str
    title: str
    left_status: str | None
    right_status: str | None
    left_output: str | None
    right_output: str | None
    right_copied: bool  # the right-hand task was copied (not run again)
    same: bool


def diff(session: Session, actor: Actor, project_id: uuid.UUID, against: uuid.UUID) -> list[DiffRow]:
    """Task by task (by key), ``against`` on the left and ``project_id`` on the right: the
    outputs, the statuses, whether they are the same. The viewer role is needed on both."""
    right = projects.get_project(session, actor, project_id)
    left = projects.get_project(session, actor, against)
    theirs = fork_plan.effective_tasks(session, left).tasks
    ours = fork_plan.effective_tasks(session, right).tasks
    rows = []
    for key in [*theirs, *(k for k in ours if k not in theirs)]:
        a, b = theirs.get(key), ours.get(key)
        rows.append(
            DiffRow(
                key=key,
                title=(b or a).title,  # type: ignore[union-attr]
                left_status=a.status if a else None,
                right_status=b.status if b else None,
                left_output=a.output if a else None,
                right_output=b.output if b else None,
                right_copied=b is not None and fork_plan.is_copy(b),
                same=a is not None and b is not None and a.output == b.output and a.status == b.status,
            )
        )
    return rows
