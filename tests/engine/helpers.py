"""Helpers for engine tests: project setup, DB reads in fresh sessions, DAG builders."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session, col, select

from berrys_app.db import get_engine
from berrys_app.domain.events import Event
from berrys_app.domain.projects import Project, ProjectCreate
from berrys_app.domain.work import Task
from berrys_app.engine import lease, runtime
from berrys_app.engine.context import TaskContext
from berrys_app.services import projects
from berrys_app.usecases import project_lifecycle

T = TypeVar("T")


def start_project(session: Session, actor, team_id: uuid.UUID, plan: dict[str, Any], **settings: Any) -> uuid.UUID:
    """Create, submit a hand-made plan, approve and execute; return the project id."""
    project = projects.create_project(
        session, actor, team_id=team_id, data=ProjectCreate(name="Engine test", **settings)
    )
    session.commit()
    project_lifecycle.submit_plan(session, actor, project.id, plan)
    session.commit()
    if not settings.get("auto_approve"):
        project_lifecycle.approve_plan(session, actor, project.id)
        session.commit()
        project_lifecycle.execute_project(session, actor, project.id)
        session.commit()
    return project.id


def fresh(fn: Callable[[Session], Any]) -> Any:
    """Run ``fn(session)`` in a new session (tests read what the workers committed)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        return fn(session)


def project_row(project_id: uuid.UUID) -> Project:
    return fresh(lambda s: s.get(Project, project_id))


def tasks_of(project_id: uuid.UUID) -> dict[str, Task]:
    return fresh(lambda s: {t.key: t for t in s.exec(select(Task).where(Task.project_id == project_id)).all()})


def events_of(project_id: uuid.UUID, kind: str | None = None) -> list[Event]:
    def read(s: Session) -> list[Event]:
        query = select(Event).where(Event.project_id == project_id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(s.exec(query.order_by(col(Event.id))).all())

    return fresh(read)


def status_is(project_id: uuid.UUID, *statuses: str) -> bool:
    return project_row(project_id).status in statuses


def ok_calls_per_key(project_id: uuid.UUID) -> dict[str, int]:
    """Answered calls per call key, a model call's key without its prompt fingerprint
    (``task:<id>:model:<step>``): two answers of one step count 2 even for different prompts."""

    def read(s: Session) -> dict[str, int]:
        rows = s.execute(
            text("SELECT call_key FROM model_calls WHERE project_id = :p AND status = 'ok'"), {"p": project_id}
        ).all()
        return dict(Counter(step_key(str(key)) for (key,) in rows))

    return fresh(read)


def step_key(call_key: str) -> str:
    """``task:<id>:model:<step>`` of a model call's key (``...:<fingerprint>``); other keys as they are."""
    parts = call_key.split(":")
    return ":".join(parts[:4]) if len(parts) == 5 and parts[2] == "model" else call_key


def layered_plan(width: int, depth: int, *, fan_in: int = 2, minutes: float = 1.0) -> dict[str, Any]:
    """``depth`` levels of ``width`` tasks; each depends on ``fan_in`` tasks of the level before."""
    tasks = []
    for level in range(depth):
        for i in range(width):
            deps = [] if level == 0 else sorted({f"L{level - 1}T{(i + k) % width}" for k in range(fan_in)})
            tasks.append(
                {
                    "id": f"L{level}T{i}",
                    "title": f"Step {level}.{i}",
                    "capabilities": ["general"],
                    "estimated_minutes": minutes,
                    "depends_on": deps,
                }
            )
    return {"summary": f"{width}x{depth}", "tasks": tasks}


def in_runtime(scenario: Callable[[runtime.Runtime], Awaitable[T]]) -> T:
    """Run ``scenario`` on a new event loop in a worker runtime built as arq's ``on_startup``
    builds one (``engine.runtime``), active while it runs (as for a job) and closed after it."""

    async def main() -> T:
        async with runtime.running() as rt:
            return await scenario(rt)

    return asyncio.run(main())


def lease_now(task_id: uuid.UUID, *, worker: str) -> TaskContext | None:
    """The production lease (group commit on async connections), from a test's sync code."""
    return in_runtime(lambda rt: lease.lease(rt.runner.commits, task_id, worker=worker))


def complete_now(ctx: TaskContext, output: str) -> lease.Completion:
    """The production completion (group commit on async connections), from a test's sync code."""
    return in_runtime(lambda rt: lease.complete(rt.runner.commits, ctx, output))
