"""The aggregation job: all tasks of the plan done -- one model call writes the final report and
the project completes. A failed summary call never loses the results: they are listed as they are."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from berrys_app.db import aio, get_engine
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import Deliverable, TaskStatus
from berrys_app.engine import agent_moves
from berrys_app.engine.lifecycle import transition
from berrys_app.services import degenerate
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ServiceError
from berrys_app.services.events import emit
from berrys_app.services.models import CompletionRequest, complete
from berrys_app.settings import get_settings

_HEADING = re.compile(r"^(#{1,6})(?=\s)")


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


@dataclass(frozen=True)
class Inputs:
    """What the summary call is asked about: the project, and its completed tasks in plan order."""

    name: str
    description: str
    model: str
    tasks: list[dict[str, Any]]  # id, key, title, output


# Read on the worker's async pool, one round trip: 0.27 ms of CPU. The same reads through a thread
# and an ORM session cost 1.27 ms (a worker's CPU per 3-task project at C=60 was ~16 ms), and the
# thread competed with the event loop for the GIL.
_PROJECT_SQL = """
    SELECT name, description, model FROM projects
    WHERE id = %(project_id)s AND status = %(executing)s AND plan_version = %(plan_version)s
      AND sinks_remaining <= 0
"""
_TASKS_SQL = """
    SELECT id, key, title, output FROM tasks
    WHERE project_id = %(project_id)s AND status = %(completed)s
    ORDER BY plan_version, finished_at
"""


async def load_inputs(project_id: uuid.UUID, plan_version: int) -> Inputs | None:
    """The project's inputs, or None when it is not (or no longer) waiting for its aggregation:
    not executing, replanned since, or a sink still open."""
    params = {
        "project_id": project_id,
        "plan_version": plan_version,
        "executing": ProjectStatus.executing.value,
        "completed": TaskStatus.completed.value,
    }
    projects, tasks = await aio.fetch_many([(_PROJECT_SQL, params), (_TASKS_SQL, params)])
    if not projects:
        return None
    return Inputs(**projects[0], tasks=tasks)


async def aggregate_project(project_id: uuid.UUID, plan_version: int, *, worker: str) -> str:
    """The job body."""
    project = await load_inputs(project_id, plan_version)
    if project is None:
        return "skipped"
    outputs = task_results(project.tasks)
    summary, note = None, None
    try:
        result = await complete(
            CompletionRequest(
                messages=[
                    {
                        "role": "system",
                        "content": "You combine the results of a team's tasks into one final deliverable for the project.",
                    },
                    {
                        "role": "user",
                        "content": f"Project: {project.name}\n{project.description}\n\nTask results:\n{outputs}",
                    },
                ],
                model=project.model,
                project_id=project_id,
                call_key=f"project:{project_id}:aggregate:{plan_version}",
                max_tokens=get_settings().task_max_tokens,
                fit_context=True,  # many long outputs: the model reads them trimmed, the report has them whole
            )
        )
        summary = result.content
        why = degenerate.why_degenerate(summary)
        if why:
            summary, note = (
                None,
                f"the summary model's answer was not usable ({why}): the task results follow as they are",
            )
    except ServiceError as exc:  # the results exist: never lose them because the summary call failed
        note = f"aggregation model call failed ({getattr(exc, 'reason', exc.code)}): the task results are listed as they are"
    content = final_report(summary, outputs)
    return await asyncio.to_thread(
        _finish_project, project_id, plan_version, content, [str(t["id"]) for t in project.tasks], note, worker
    )


def task_results(tasks: list[dict[str, Any]]) -> str:
    """Every completed task's output, whole, in plan order (the report leaves none out)."""
    return "\n\n".join(
        f"### {t['key']}: {t['title']}\n\n{demote_headings((t['output'] or '').strip(), 3) or '(no output)'}"
        for t in tasks
    )


def final_report(summary: str | None, outputs: str) -> str:
    """The model's summary (when there is a usable one), then every task's output: a summary
    of a small model may drop or garble tasks, the outputs below it never do."""
    parts = [f"## Summary\n\n{demote_headings(summary.strip(), 2)}"] if summary and summary.strip() else []
    parts.append(f"## Task results\n\n{outputs}")
    return "\n\n".join(parts)


def demote_headings(markdown: str, levels: int) -> str:
    """Push the Markdown headings of a model's text ``levels`` down (at most h6), code blocks left
    alone: a task's own "# Title" must not outrank the report's sections."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            line = "#" * min(6, len(match.group(1)) + levels) + line[len(match.group(1)) :]
        lines.append(line)
    return "\n".join(lines)


def _finish_project(
    project_id: uuid.UUID, plan_version: int, content: str, task_ids: list[str], note: str | None, worker: str
) -> str:
    with _session() as session:
        project = session.get(Project, project_id, with_for_update=True)
        if project is None or project.status != ProjectStatus.executing.value or project.plan_version != plan_version:
            return "skipped"
        actor = Actor.system(f"worker:{worker}")
        deliverable = Deliverable(
            project_id=project.id,
            title=f"{project.name}: final report",
            kind="report",
            content=content if not note else f"> Note: {note}\n\n{content}",
            source_task_ids=task_ids,
        )
        session.add(deliverable)
        session.flush()
        emit(
            session,
            EventKind.DELIVERABLE_CREATED,
            project_id=project.id,
            team_id=project.team_id,
            actor=actor.label,
            payload={"deliverable_id": str(deliverable.id), "title": deliverable.title, "note": note},
        )
        transition(session, project, ProjectStatus.completed, actor=actor, reason="all tasks completed")
        agent_moves.release_project_agents(session, project.id, reason="project completed", actor=actor)
        session.commit()
    return "completed"
