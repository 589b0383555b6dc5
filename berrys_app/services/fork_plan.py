"""What a fork is made of: a project's effective tasks (its current plan plus the completed tasks of
earlier versions that plan builds on), the plan they form, the tasks a fork point sends back to run,
and the SQL that copies recorded model and tool calls onto a fork's tasks.

Pure reads and one copy statement; ``usecases/forks.py`` decides and moves the projects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from berrys_app.domain.projects import Project
from berrys_app.domain.work import Task, TaskDependency, TaskStatus


@dataclass(frozen=True)
class Edge:
    task: str  # the upstream key
    kind: str  # completion | input


@dataclass(frozen=True)
class EffectiveTasks:
    """A project's tasks as a fork sees them, by key, with their dependencies by key."""

    tasks: dict[str, Task]
    deps: dict[str, list[Edge]]

    def children(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {key: set() for key in self.tasks}
        for key, edges in self.deps.items():
            for edge in edges:
                out.setdefault(edge.task, set()).add(key)
        return out

    def downstream(self, roots: Iterable[str]) -> set[str]:
        """``roots`` and every task that depends on one of them, directly or not."""
        children = self.children()
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack.extend(children.get(key, ()))
        return seen

    def plan(self, keys: Iterable[str] | None = None, *, descriptions: Mapping[str, str] | None = None) -> dict:
        """The tasks ``keys`` (default: all) as plan JSON (``planning.PlanIn``), with edited descriptions."""
        wanted = set(self.tasks) if keys is None else set(keys)
        descriptions = descriptions or {}
        items = []
        for key, task in self.tasks.items():
            if key not in wanted:
                continue
            items.append(
                {
                    "id": key,
                    "title": task.title,
                    "description": descriptions.get(key, task.description),
                    "capabilities": list(task.capabilities),
                    "expected_output": task.expected_output,
                    "estimated_minutes": task.estimated_minutes,
                    "priority": task.priority,
                    "depends_on": [{"task": e.task, "type": e.kind} for e in self.deps.get(key, [])],
                }
            )
        return {"summary": "", "tasks": items}


def effective_tasks(session: Session, project: Project) -> EffectiveTasks:
    """The current plan version's tasks plus the completed tasks of earlier versions they depend on
    (a replan builds on those), keyed by task key; the current version wins a shared key."""
    rows = list(session.exec(select(Task).where(Task.project_id == project.id).order_by(col(Task.plan_version))))
    by_id = {task.id: task for task in rows}
    edges = session.exec(
        select(TaskDependency).where(col(TaskDependency.task_id).in_(list(by_id)))  # type: ignore[arg-type]
    ).all()
    ups: dict[uuid.UUID, list[TaskDependency]] = {}
    for edge in edges:
        ups.setdefault(edge.task_id, []).append(edge)
    chosen: dict[uuid.UUID, Task] = {}
    stack = [task for task in rows if task.plan_version == project.plan_version]
    while stack:
        task = stack.pop()
        if task.id in chosen:
            continue
        chosen[task.id] = task
        stack.extend(by_id[e.depends_on_id] for e in ups.get(task.id, []) if e.depends_on_id in by_id)
    ordered = sorted(chosen.values(), key=lambda t: (t.plan_version, t.created_at, t.key))
    tasks: dict[str, Task] = {}
    for task in ordered:
        if task.key not in tasks or task.plan_version == project.plan_version:
            tasks[task.key] = task
    deps = {
        key: [Edge(by_id[e.depends_on_id].key, e.kind) for e in ups.get(task.id, []) if e.depends_on_id in by_id]
        for key, task in tasks.items()
    }
    return EffectiveTasks(tasks=tasks, deps=deps)


def current_task_ids(session: Session, project: Project) -> dict[str, uuid.UUID]:
    """Key -> id of the tasks of the project's current plan version (flushed, maybe not committed)."""
    rows = session.exec(
        select(Task.key, Task.id).where(Task.project_id == project.id, Task.plan_version == project.plan_version)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def not_completed(tasks: Mapping[str, Task]) -> set[str]:
    return {key for key, task in tasks.items() if task.status != TaskStatus.completed.value}


def is_copy(task: Task) -> bool:
    """A fork's copied task: completed without ever being leased."""
    return task.status == TaskStatus.completed.value and task.attempt == 0


_COPY_MODEL_CALLS = text(
    """
    INSERT INTO model_calls (id, call_key, project_id, task_id, agent_id, model, status, error, error_message,
        attempt, fallback_used, prompt_tokens, completion_tokens, cost_usd, reserved_tokens, reserved_usd,
        reserved_until, latency_ms, content, tool_calls, parsed, copied_from_id, created_at)
    SELECT gen_random_uuid(), replace(mc.call_key, m.old::text, m.new::text), :project, m.new, NULL, mc.model,
        mc.status, NULL, NULL, mc.attempt, mc.fallback_used, 0, 0, 0, 0, 0, NULL, 0, mc.content, mc.tool_calls,
        mc.parsed, mc.id, now()
    FROM model_calls mc
    JOIN unnest(CAST(:olds AS uuid[]), CAST(:news AS uuid[])) AS m(old, new) ON mc.task_id = m.old
    WHERE mc.status = 'ok'
    """
)
_COPY_TOOL_CALLS = text(
    """
    INSERT INTO tool_calls (id, call_key, project_id, task_id, agent_id, tool_name, tool_version, arguments,
        status, error_code, content, artifact_path, idempotency_key, attempts, duration_ms, copied_from_id,
        started_at, finished_at)
    SELECT gen_random_uuid(), replace(tc.call_key, m.old::text, m.new::text), :project, m.new, NULL,
        tc.tool_name, tc.tool_version, tc.arguments, tc.status, tc.error_code, tc.content, tc.artifact_path,
        NULL, tc.attempts, 0, tc.id, now(), now()
    FROM tool_calls tc
    JOIN unnest(CAST(:olds AS uuid[]), CAST(:news AS uuid[])) AS m(old, new) ON tc.task_id = m.old
    WHERE tc.status <> 'running'
    """
)


def copy_calls(
    session: Session,
    project_id: uuid.UUID,
    *,
    model_calls: Mapping[uuid.UUID, uuid.UUID],
    tool_calls: Mapping[uuid.UUID, uuid.UUID],
) -> None:
    """Copy recorded calls (source task id -> fork task id), re-keyed to the fork's tasks, marked
    ``copied_from_id``, with zero tokens and cost: nothing was called again. A copied tool call is
    what a re-run of its task replays instead of acting (``tools.execution._replay``)."""
    for statement, mapping in ((_COPY_MODEL_CALLS, model_calls), (_COPY_TOOL_CALLS, tool_calls)):
        if mapping:
            session.execute(statement, {"project": project_id, "olds": list(mapping), "news": list(mapping.values())})
