"""Planning: the plan schema, DAG validation, critical path, versions with diffs, and the planner.

A plan comes from the model (``plan_with_model``, an arq job) or from a person
(``usecases/project_lifecycle.submit_plan``); both go through ``validate_plan``. Hand-made plans are
checked strictly; model plans are first *repaired* (unknown references and back
edges dropped, with warnings) because small models produce weak content even when
the JSON is schema-constrained.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.domain.work import PlanStatus, PlanVersion, Task, TaskStatus
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.events import emit

log = logging.getLogger(__name__)

MAX_TASKS = 500


class DependencyIn(BaseModel):
    """An edge: this task needs ``task`` (``input`` also passes its output along)."""

    task: str = Field(min_length=1, max_length=100)
    type: Literal["completion", "input"] = "completion"


class PlanTaskIn(BaseModel):
    id: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    capabilities: list[str] = Field(default_factory=list, max_length=20)
    expected_output: str = Field(default="", max_length=5_000)
    estimated_minutes: float = Field(default=30.0, ge=0, le=1_000_000)
    priority: int = Field(default=0, ge=0, le=100)
    depends_on: list[DependencyIn] = Field(default_factory=list, max_length=MAX_TASKS)

    @field_validator("depends_on", mode="before")
    @classmethod
    def _plain_ids(cls, value: Any) -> Any:
        """Accept ``["a", "b"]`` as shorthand for completion dependencies."""
        if isinstance(value, list):
            return [{"task": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("capabilities")
    @classmethod
    def _normalise_caps(cls, value: list[str]) -> list[str]:
        return sorted({cap.strip().lower() for cap in value if cap and cap.strip()})


class PlanIn(BaseModel):
    """A whole plan, as the model returns it or a person submits it."""

    summary: str = Field(default="", max_length=5_000)
    tasks: list[PlanTaskIn] = Field(default_factory=list, max_length=MAX_TASKS)


# The JSON schema handed to the model (response_format). Deliberately flat, fully
# required and length-bounded, so grammar-constrained decoding of small models stays
# valid and short.
def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": _text(160),
        "tasks": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {
                "type": "object",
                "properties": {
                    "id": _text(12),
                    "title": _text(60),
                    "description": _text(160),
                    "capabilities": {"type": "array", "maxItems": 3, "items": _text(20)},
                    "expected_output": _text(80),
                    "estimated_minutes": {"type": "integer"},
                    "priority": {"type": "integer"},
                    "depends_on": {
                        "type": "array",
                        "maxItems": 3,
                        "items": {
                            "type": "object",
                            "properties": {
                                "task": _text(12),
                                "type": {"type": "string", "enum": ["completion", "input"]},
                            },
                            "required": ["task", "type"],
                        },
                    },
                },
                "required": [
                    "id",
                    "title",
                    "description",
                    "capabilities",
                    "expected_output",
                    "estimated_minutes",
                    "priority",
                    "depends_on",
                ],
            },
        },
    },
    "required": ["summary", "tasks"],
}


@dataclass
class ValidatedPlan:
    """A plan that passed validation, with what the engine derives from it."""

    plan: PlanIn
    order: list[str]  # topological order
    critical_path: list[str]
    estimated_total_minutes: float
    total_effort_minutes: float
    warnings: list[str] = field(default_factory=list)


def parse_plan(data: Any) -> PlanIn:
    """Turn JSON (str or dict) into a ``PlanIn`` or raise ``ValidationFailed`` with the field errors."""
    if isinstance(data, PlanIn):
        return data
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"the plan is not valid JSON: {exc.msg}", details={"problem": "invalid_json"}
            ) from exc
    try:
        return PlanIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            "the plan does not match the plan schema",
            details={"problem": "schema", "errors": json.loads(exc.json(include_url=False))},
        ) from exc


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A cycle in ``task -> dependencies`` as ``[a, b, ..., a]`` in dependency order, or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for start in edges:
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        colour[start] = grey
        while stack:
            node, index = stack[-1]
            deps = edges.get(node, [])
            if index < len(deps):
                stack[-1] = (node, index + 1)
                nxt = deps[index]
                if nxt not in colour:
                    continue
                if colour[nxt] == grey:
                    return [*path[path.index(nxt) :], nxt]
                if colour[nxt] == white:
                    colour[nxt] = grey
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                colour[node] = black
                stack.pop()
                path.pop()
    return None


def _topological_order(tasks: list[PlanTaskIn], edges: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm; ties broken by priority (high first) then plan order."""
    rank = {task.id: i for i, task in enumerate(tasks)}
    priority = {task.id: task.priority for task in tasks}
    remaining = {key: len(deps) for key, deps in edges.items()}
    dependents: dict[str, list[str]] = {key: [] for key in edges}
    for key, deps in edges.items():
        for dep in deps:
            dependents[dep].append(key)
    ready = sorted((k for k, n in remaining.items() if n == 0), key=lambda k: (-priority[k], rank[k]))
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for child in dependents[key]:
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
        ready.sort(key=lambda k: (-priority[k], rank[k]))
    return order


def critical_path(order: list[str], edges: dict[str, list[str]], minutes: dict[str, float]) -> tuple[list[str], float]:
    """The longest chain by estimated minutes (what bounds the total duration) and its length."""
    finish: dict[str, float] = {}
    best_dep: dict[str, str | None] = {}
    for key in order:
        deps = edges.get(key, [])
        prev = max(deps, key=lambda d: finish[d], default=None)
        best_dep[key] = prev
        finish[key] = (finish[prev] if prev else 0.0) + minutes[key]
    if not finish:
        return [], 0.0
    end: str | None = max(order, key=lambda k: finish[k])
    total = finish[end]
    path: list[str] = []
    while end is not None:
        path.append(end)
        end = best_dep[end]
    return list(reversed(path)), total


def _repair(plan: PlanIn, done_keys: set[str]) -> tuple[PlanIn, list[str]]:
    """Make a model's plan valid where it can be fixed safely; say what was changed."""
    warnings: list[str] = []
    seen: set[str] = set()
    tasks: list[PlanTaskIn] = []
    for index, task in enumerate(plan.tasks, start=1):
        key = task.id.strip() or f"t{index}"
        while key in seen or key in done_keys:
            warnings.append(f"duplicate task id {key!r} renamed")
            key = f"{key}_{index}"
        seen.add(key)
        title = task.title.strip() or f"Task {index}"
        tasks.append(task.model_copy(update={"id": key, "title": title}))
    known = seen | done_keys
    for task in tasks:
        kept: list[DependencyIn] = []
        for dep in task.depends_on:
            if dep.task == task.id or dep.task not in known or any(k.task == dep.task for k in kept):
                warnings.append(f"dropped dependency {task.id} -> {dep.task}")
                continue
            kept.append(dep)
        task.depends_on = kept
    by_id = {task.id: task for task in tasks}
    while True:
        edges = {t.id: [d.task for d in t.depends_on if d.task in by_id] for t in tasks}
        cycle = find_cycle(edges)
        if not cycle:
            break
        # drop the edge that closes the cycle
        src, dst = cycle[-2], cycle[-1]
        by_id[src].depends_on = [d for d in by_id[src].depends_on if d.task != dst]
        warnings.append(f"broke cycle {' -> '.join(cycle)} by dropping {src} -> {dst}")
    return PlanIn(summary=plan.summary, tasks=tasks), warnings


def validate_plan(data: Any, *, done_keys: set[str] | None = None, lenient: bool = False) -> ValidatedPlan:
    """Check a plan: non-empty, unique ids, known references, no cycles (named).

    ``done_keys`` are completed tasks of earlier plan versions a replan may depend on.
    ``lenient`` repairs what a weak model gets wrong instead of refusing.
    """
    plan = parse_plan(data)
    done_keys = done_keys or set()
    warnings: list[str] = []
    if lenient:
        plan, warnings = _repair(plan, done_keys)
    if not plan.tasks:
        raise ValidationFailed("the plan has no tasks", details={"problem": "empty_plan"})
    ids = [task.id for task in plan.tasks]
    duplicates = sorted({key for key in ids if ids.count(key) > 1})
    if duplicates:
        raise ValidationFailed(
            f"task ids must be unique; repeated: {', '.join(duplicates)}",
            details={"problem": "duplicate_task", "tasks": duplicates},
        )
    known = set(ids)
    unknown = [
        {"task": task.id, "depends_on": dep.task}
        for task in plan.tasks
        for dep in task.depends_on
        if dep.task not in known and dep.task not in done_keys
    ]
    if unknown:
        text = ", ".join(f"{u['task']} -> {u['depends_on']}" for u in unknown)
        raise ValidationFailed(
            f"the plan refers to unknown tasks: {text}", details={"problem": "unknown_reference", "references": unknown}
        )
    edges = {task.id: [dep.task for dep in task.depends_on if dep.task in known] for task in plan.tasks}
    cycle = find_cycle(edges)
    if cycle:
        raise ValidationFailed(
            f"the plan has a dependency cycle: {' -> '.join(cycle)}", details={"problem": "cycle", "cycle": cycle}
        )
    order = _topological_order(plan.tasks, edges)
    minutes = {task.id: task.estimated_minutes for task in plan.tasks}
    path, total = critical_path(order, edges, minutes)
    return ValidatedPlan(
        plan=plan,
        order=order,
        critical_path=path,
        estimated_total_minutes=total,
        total_effort_minutes=sum(minutes.values()),
        warnings=warnings,
    )


def plan_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Which task ids were added, removed or changed between two plan JSONs."""
    old_tasks = {t["id"]: t for t in (old or {}).get("tasks", [])}
    new_tasks = {t["id"]: t for t in new.get("tasks", [])}
    changed = []
    for key in sorted(old_tasks.keys() & new_tasks.keys()):
        fields = sorted(
            f for f in set(old_tasks[key]) | set(new_tasks[key]) if old_tasks[key].get(f) != new_tasks[key].get(f)
        )
        if fields:
            changed.append({"id": key, "fields": fields})
    return {
        "added": sorted(new_tasks.keys() - old_tasks.keys()),
        "removed": sorted(old_tasks.keys() - new_tasks.keys()),
        "changed": changed,
    }


def latest_version(session: Session, project_id: uuid.UUID) -> PlanVersion | None:
    return session.exec(
        select(PlanVersion)
        .where(PlanVersion.project_id == project_id)
        .order_by(col(PlanVersion.version).desc())
        .limit(1)
    ).first()


def _previous_version(session: Session, project_id: uuid.UUID) -> PlanVersion | None:
    """``latest_version`` without flushing the caller's pending rows (its transition and event go
    in one flush with the new version instead of one of their own). Only a version added in this
    transaction and not yet flushed would be missed: flushed first if there is one."""
    if any(isinstance(row, PlanVersion) for row in session.new):
        session.flush()
    with session.no_autoflush:
        return latest_version(session, project_id)


def rejection_feedback(session: Session, project_id: uuid.UUID) -> str | None:
    """The reason the latest plan version was rejected with, if it was (the next plan answers it)."""
    latest = latest_version(session, project_id)
    if latest is None or latest.status != PlanStatus.rejected.value:
        return None
    return latest.reason or None


def completed_task_keys(session: Session, project_id: uuid.UUID) -> dict[str, Task]:
    """Completed tasks of earlier versions a replan may build on (latest version wins per key)."""
    rows = session.exec(
        select(Task)
        .where(Task.project_id == project_id, Task.status == TaskStatus.completed.value)
        .order_by(col(Task.plan_version))
    ).all()
    return {task.key: task for task in rows}


def work_done(session: Session, project: Project) -> dict[str, Task]:
    """What a new plan of ``project`` may build on (``completed_task_keys``). Before its first
    approved plan there is nothing: tasks are created only when a plan is approved."""
    return completed_task_keys(session, project.id) if project.plan_version else {}


def store_plan_version(
    session: Session,
    project: Project,
    validated: ValidatedPlan,
    *,
    source: str,
    actor: Actor,
    reason: str | None = None,
    first: bool = False,
) -> PlanVersion:
    """Add the next version (with a diff against the previous one) and emit ``plan.proposed``.

    The caller holds the project row lock, so version numbers cannot race. ``first``: the caller
    saw the project still ``created`` (no version to read: this is the only writer of versions,
    and it is called for projects in planning, which a project never leaves back to ``created``).
    """
    previous = None if first else _previous_version(session, project.id)
    number = previous.version + 1 if previous is not None else 1  # the latest is the highest number
    plan_json = validated.plan.model_dump(mode="json")
    if previous is not None and previous.status == PlanStatus.proposed.value:
        previous.status = PlanStatus.superseded.value
        session.add(previous)
    row = PlanVersion(
        project_id=project.id,
        version=number,
        source=source,
        plan=plan_json,
        critical_path=validated.critical_path,
        estimated_total_minutes=validated.estimated_total_minutes,
        diff=plan_diff(previous.plan if previous else None, plan_json),
        warnings=validated.warnings,
        reason=reason,
        created_by=actor.user_id,
    )
    session.add(row)
    emit(
        session,
        EventKind.PLAN_PROPOSED,
        project_id=project.id,
        team_id=project.team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={
            "version": number,
            "source": source,
            "tasks": len(validated.plan.tasks),
            "critical_path": validated.critical_path,
            "estimated_total_minutes": validated.estimated_total_minutes,
            "diff": row.diff,
            "warnings": validated.warnings,
        },
    )
    return row


def planner_messages(
    project: Project,
    *,
    done: dict[str, Task] | None = None,
    failure: str | None = None,
    feedback: str | None = None,
) -> list[dict[str, str]]:
    """The planner prompt; a replan lists what is done and what failed, a plan after a rejection
    carries the person's feedback (else the planner proposes the same plan again)."""
    system = (
        "You are the planner of a team of AI agents. Break the project into a small set of concrete tasks "
        "(2 to 6). Give each task a short id like t1, a title, a description, the capabilities it needs "
        "(from: research, writing, analysis, code, review), the expected output, an estimate in minutes "
        "and a priority. depends_on lists ids of earlier tasks; use type 'input' when the task needs the "
        "other task's output. Reply with JSON only."
    )
    lines = [f"Project: {project.name}"]
    if project.description:
        lines.append(f"Description: {project.description}")
    if project.objectives:
        lines.append("Objectives:\n" + "\n".join(f"- {o}" for o in project.objectives))
    if done:
        lines.append("Already completed (you may depend on these ids; do not repeat them):")
        lines.extend(f"- {key}: {task.title}" for key, task in done.items())
    if failure:
        lines.append(f"This failed and needs a different approach: {failure}")
        lines.append("Plan only the remaining work.")
    if feedback:
        lines.append(f"A person rejected the previous plan with this feedback: {feedback}")
        lines.append("Make a new plan that follows this feedback.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def fallback_plan(project: Project) -> dict[str, Any]:
    """When the model's plan is unusable: one independent task per objective (or one for the whole project).

    Better a plain plan a person can review and edit than a project stuck in planning.
    """
    goals = [o for o in project.objectives if o.strip()][:5] or [project.description.strip() or project.name]
    return {
        "summary": "fallback plan: one task per objective",
        "tasks": [
            {"id": f"t{i}", "title": goal[:300], "description": goal, "capabilities": ["general"]}
            for i, goal in enumerate(goals, start=1)
        ],
    }


def plan_from_result(result: Any) -> Any:
    """The plan data from a completion: the validated JSON if the layer parsed it, else the text."""
    parsed = getattr(result, "parsed", None)
    return parsed if parsed is not None else result.content
