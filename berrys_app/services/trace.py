"""A project's trace, built from PostgreSQL: the waterfall the Trace tab and
``GET /api/v1/projects/{id}/trace`` show, with no collector needed.

Rows, oldest first: the project, each planning round and its model calls, each task attempt
(with the time it waited in the queue) and its model and tool calls, each wait for a person
(approval, budget), the aggregation. Times are milliseconds from the project's creation.
The critical path is the chain of completed tasks that decided the end: from the task that
finished last, back through the dependency that finished last, to a task with none.

Read cost stays flat with the project's size where it can: events (the attempts and waits) are
read for the whole project -- the totals need them -- but model and tool calls only for the page
of tasks shown (``per_page``, at most ``MAX_PER_PAGE``), with their texts cut in SQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlmodel import Session

from berrys_app import tracing
from berrys_app.domain.common import utcnow
from berrys_app.services import projects
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ValidationFailed

MAX_PER_PAGE = 200
EXCERPT = 400  # characters of a prompt / response / tool result a span carries
ATTEMPT_END = {
    "task.completed": "completed",
    "task.failed": "failed",
    "task.retrying": "failed",
    "task.waiting": "waiting",
    "task.interrupted": "interrupted",
    "task.lease_expired": "lost",
    "task.stopped": "stopped",
    "task.cancelled": "cancelled",
}
FINAL = frozenset({"completed", "failed", "cancelled"})


class TraceSpan(BaseModel):
    id: str
    parent_id: str | None = None
    kind: str  # project | planning | task | model | tool | approval | budget | aggregate
    name: str
    depth: int = 0
    start_ms: float
    duration_ms: float
    status: str = "ok"
    task_key: str | None = None
    queue_ms: float = 0.0  # a task attempt: ready -> started
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    critical: bool = False
    detail: str = ""  # prompt / response excerpt (model), arguments / result (tool)


class ProjectTrace(BaseModel):
    project_id: uuid.UUID
    name: str
    status: str
    traceparent: str  # the W3C context the exported trace (OpenTelemetry) uses for this project
    total_ms: float
    tasks_total: int
    page: int
    per_page: int
    pages: int
    queue_ms: float
    approval_ms: float
    budget_ms: float
    tokens: int
    cost_usd: float
    critical_path: list[str]
    spans: list[TraceSpan]


_TASKS = text(
    "SELECT id, key, title, description, status, finished_at FROM tasks "
    "WHERE project_id = :p AND started_at IS NOT NULL ORDER BY started_at, key"
)
_DEPS = text(
    "SELECT d.task_id, d.depends_on_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE t.project_id = :p"
)
_EVENTS = text(
    "SELECT kind, task_id, created_at, payload->>'reason' AS reason, payload->>'to' AS to_status FROM events "
    "WHERE project_id = :p AND (kind LIKE 'task.%' OR kind IN ('project.status_changed', 'plan.proposed')) "
    "ORDER BY id"
)
_CALLS = text(
    "SELECT id, task_id, call_key, model, status, error, prompt_tokens, completion_tokens, cost_usd, latency_ms, "
    f"created_at, left(content, {EXCERPT}) AS content, left(tool_calls::text, {EXCERPT}) AS tool_calls "
    "FROM model_calls WHERE project_id = :p AND (task_id IS NULL OR task_id IN :ids) ORDER BY created_at"
).bindparams(bindparam("ids", expanding=True, type_=PG_UUID(as_uuid=True)))
_TOOLS = text(
    "SELECT id, task_id, tool_name, status, error_code, started_at, duration_ms, "
    f"left(arguments::text, {EXCERPT}) AS arguments, left(content, {EXCERPT}) AS content "
    "FROM tool_calls WHERE project_id = :p AND task_id IN :ids ORDER BY started_at"
).bindparams(bindparam("ids", expanding=True, type_=PG_UUID(as_uuid=True)))
_APPROVALS = text(
    "SELECT id, kind, task_id, status, created_at, decided_at FROM approvals WHERE project_id = :p ORDER BY created_at"
)
_USAGE = text(
    "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost_usd), 0) "
    "FROM model_calls WHERE project_id = :p"
)


@dataclass
class _Attempt:
    start: datetime
    queue_ms: float
    end: datetime | None = None
    status: str = "running"
    calls: list[Any] = field(default_factory=list)


def project_trace(
    session: Session, actor: Actor, project_id: uuid.UUID, *, page: int = 1, per_page: int = 50
) -> ProjectTrace:
    """The project's trace rows for one page of its tasks (in the order they started)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}")
    project = projects.get_project(session, actor, project_id)  # NotFound / Forbidden for the wrong caller
    conn = session.connection()
    origin = project.created_at
    now = utcnow()
    end = project.updated_at if project.status in FINAL else now
    tasks = conn.execute(_TASKS, {"p": project_id}).all()
    events = conn.execute(_EVENTS, {"p": project_id}).all()
    approvals = conn.execute(_APPROVALS, {"p": project_id}).all()
    shown = tasks[(page - 1) * per_page : page * per_page]
    ids = [row.id for row in shown] or [uuid.UUID(int=0)]
    calls = conn.execute(_CALLS, {"p": project_id, "ids": ids}).all()
    tools = conn.execute(_TOOLS, {"p": project_id, "ids": ids}).all()
    tokens, cost = conn.execute(_USAGE, {"p": project_id}).one()

    def ms(moment: datetime) -> float:
        return (moment - origin).total_seconds() * 1000

    attempts = _attempts(events)
    critical = _critical_path(tasks, conn.execute(_DEPS, {"p": project_id}).all())
    root_id = "project"
    spans = [
        TraceSpan(
            id=root_id, kind="project", name=project.name, start_ms=0.0, duration_ms=ms(end), status=project.status
        )
    ]
    task_calls: dict[uuid.UUID, list[Any]] = {}
    loose_calls: list[Any] = []
    for call in calls:
        (task_calls.setdefault(call.task_id, []) if call.task_id else loose_calls).append(call)
    if page == 1:
        spans += _planning_rows(events, loose_calls, root_id, ms)
    for task in shown:
        spans += _task_rows(task, attempts.get(task.id, []), task_calls.get(task.id, []), tools, critical, ms, now)
    spans += _wait_rows(approvals, {row.id: row.key for row in tasks}, root_id, ms, now)
    if page == 1:
        spans += _aggregate_rows(loose_calls, root_id, ms)
    queue_ms = sum(a.queue_ms for task_attempts in attempts.values() for a in task_attempts)
    approval_ms = sum(_wait_ms(a, now) for a in approvals if a.kind != "budget")
    budget_ms = sum(_wait_ms(a, now) for a in approvals if a.kind == "budget")
    return ProjectTrace(
        project_id=project.id,
        name=project.name,
        status=project.status,
        traceparent=tracing.project_traceparent(project.id),
        total_ms=ms(end),
        tasks_total=len(tasks),
        page=page,
        per_page=per_page,
        pages=max(1, -(-len(tasks) // per_page)),
        queue_ms=queue_ms,
        approval_ms=approval_ms,
        budget_ms=budget_ms,
        tokens=int(tokens),
        cost_usd=float(cost),
        critical_path=[row.key for row in tasks if row.id in critical],
        spans=_tree_order(spans),
    )


def _attempts(events: list[Any]) -> dict[uuid.UUID, list[_Attempt]]:
    """Each task's attempts from its events: started -> completed / failed / waiting / ..."""
    found: dict[uuid.UUID, list[_Attempt]] = {}
    ready_at: dict[uuid.UUID, datetime] = {}
    for kind, task_id, at, _reason, _to in events:
        if task_id is None:
            continue
        if kind == "task.ready":
            ready_at[task_id] = at
        elif kind == "task.started":
            since = ready_at.pop(task_id, None)
            queue = (at - since).total_seconds() * 1000 if since is not None and since <= at else 0.0
            found.setdefault(task_id, []).append(_Attempt(start=at, queue_ms=queue))
        elif kind in ATTEMPT_END and found.get(task_id) and found[task_id][-1].end is None:
            found[task_id][-1].end, found[task_id][-1].status = at, ATTEMPT_END[kind]
    return found


def _critical_path(tasks: list[Any], deps: list[Any]) -> set[uuid.UUID]:
    """The completed tasks that decided the end (see the module docstring)."""
    finished = {row.id: row.finished_at for row in tasks if row.status == "completed" and row.finished_at}
    if not finished:
        return set()
    upstream: dict[uuid.UUID, list[uuid.UUID]] = {}
    for task_id, depends_on in deps:
        if depends_on in finished:
            upstream.setdefault(task_id, []).append(depends_on)
    current: uuid.UUID | None = max(finished, key=lambda task_id: finished[task_id])
    path: set[uuid.UUID] = set()
    while current is not None and current not in path:
        path.add(current)
        before = upstream.get(current)
        current = max(before, key=lambda task_id: finished[task_id]) if before else None
    return path


def _task_rows(
    task: Any, attempts: list[_Attempt], calls: list[Any], tools: Any, critical: set[uuid.UUID], ms: Any, now: datetime
) -> list[TraceSpan]:
    """One row per attempt, its model and tool calls beneath it."""
    if not attempts:
        return []
    task_tools = [row for row in tools if row.task_id == task.id]
    for item in [*calls, *task_tools]:  # to the last attempt started before it (a run started ahead: the first)
        moment = _start_of(item)
        owner = next((a for a in reversed(attempts) if a.start <= moment), attempts[0])
        owner.calls.append(item)
    rows: list[TraceSpan] = []
    prompt = f"Task: {task.title}\n{task.description}".strip()[:EXCERPT]
    for number, attempt in enumerate(attempts, start=1):
        span_id = f"task:{task.id}:{number}"
        finish = attempt.end or (task.finished_at if task.status in FINAL else None) or now
        begin = min([attempt.start, *(_start_of(item) for item in attempt.calls)])
        queue_ms = max(0.0, attempt.queue_ms - (attempt.start - begin).total_seconds() * 1000)  # started ahead
        rows.append(
            TraceSpan(
                id=span_id,
                parent_id="project",
                kind="task",
                name=f"{task.key} · {task.title}"[:200] + (f" (attempt {number})" if len(attempts) > 1 else ""),
                depth=1,
                start_ms=ms(begin),
                duration_ms=max(0.0, (finish - begin).total_seconds() * 1000),
                status=attempt.status if attempt.end else ("running" if task.status == "running" else task.status),
                task_key=task.key,
                queue_ms=queue_ms,
                critical=task.id in critical and number == len(attempts),
                detail=prompt,
            )
        )
        first_call = True
        for item in attempt.calls:
            if hasattr(item, "model"):
                rows.append(_model_row(item, span_id, task.key, prompt if first_call else "", ms))
                first_call = False
            else:
                rows.append(_tool_row(item, span_id, task.key, ms))
    return rows


def _start_of(item: Any) -> datetime:
    """A model call's (``created_at``: written as it starts) or a tool call's start."""
    return item.created_at if hasattr(item, "created_at") else item.started_at


def _model_row(call: Any, parent: str, task_key: str | None, prompt: str, ms: Any) -> TraceSpan:
    reply = call.content or ""
    if call.tool_calls and call.tool_calls != "[]":
        reply += ("\n" if reply else "") + f"tool calls: {call.tool_calls}"
    if call.error:
        reply += f"\n[{call.error}]"
    detail = (f"prompt: {prompt}\n\n" if prompt else "") + f"response: {reply}"
    return TraceSpan(
        id=f"model:{call.id}",
        parent_id=parent,
        kind="model",
        name=f"chat {call.model}",
        depth=2,
        start_ms=ms(call.created_at),
        duration_ms=float(call.latency_ms or 0),
        status=call.status,
        task_key=task_key,
        tokens_in=int(call.prompt_tokens or 0),
        tokens_out=int(call.completion_tokens or 0),
        cost_usd=float(call.cost_usd or 0),
        detail=detail,
    )


def _tool_row(row: Any, parent: str, task_key: str, ms: Any) -> TraceSpan:
    return TraceSpan(
        id=f"tool:{row.id}",
        parent_id=parent,
        kind="tool",
        name=f"tool {row.tool_name}",
        depth=2,
        start_ms=ms(row.started_at),
        duration_ms=float(row.duration_ms or 0),
        status=row.status + (f" ({row.error_code})" if row.error_code else ""),
        task_key=task_key,
        detail=f"arguments: {row.arguments}\n\nresult: {row.content}",
    )


def _planning_rows(events: list[Any], loose_calls: list[Any], root: str, ms: Any) -> list[TraceSpan]:
    """One row per planning round: the project entered ``planning`` -> a plan was proposed."""
    rounds: list[tuple[datetime, datetime | None]] = []
    for kind, _task_id, at, _reason, to_status in events:
        if kind == "project.status_changed" and to_status == "planning":
            rounds.append((at, None))
        elif kind == "plan.proposed" and rounds and rounds[-1][1] is None:
            rounds[-1] = (rounds[-1][0], at)
    planner_calls = [call for call in loose_calls if ":plan:" in (call.call_key or "")]
    rows: list[TraceSpan] = []
    for number, (began, ended) in enumerate(rounds, start=1):
        span_id = f"planning:{number}"
        finish = ended or (planner_calls[-1].created_at if planner_calls else began)
        rows.append(
            TraceSpan(
                id=span_id,
                parent_id=root,
                kind="planning",
                name="planning" + (f" (round {number})" if len(rounds) > 1 else ""),
                depth=1,
                start_ms=ms(began),
                duration_ms=max(0.0, (finish - began).total_seconds() * 1000),
                status="proposed" if ended else "running",
            )
        )
        for call in planner_calls:
            if began <= call.created_at and (ended is None or call.created_at <= ended):
                rows.append(_model_row(call, span_id, None, "", ms))
    return rows


def _aggregate_rows(loose_calls: list[Any], root: str, ms: Any) -> list[TraceSpan]:
    calls = [call for call in loose_calls if ":aggregate:" in (call.call_key or "")]
    if not calls:
        return []
    start = ms(calls[0].created_at)
    finish = max(ms(call.created_at) + float(call.latency_ms or 0) for call in calls)
    row = TraceSpan(
        id="aggregate", parent_id=root, kind="aggregate", name="aggregation", depth=1, start_ms=start,
        duration_ms=finish - start, status=calls[-1].status,
    )  # fmt: skip
    return [row, *(_model_row(call, "aggregate", None, "", ms) for call in calls)]


def _wait_rows(approvals: list[Any], keys: dict[uuid.UUID, str], root: str, ms: Any, now: datetime) -> list[TraceSpan]:
    """Waits for a person: plan review, tool approvals, budget raises."""
    return [
        TraceSpan(
            id=f"approval:{row.id}",
            parent_id=root,
            kind="budget" if row.kind == "budget" else "approval",
            name=f"waiting for a person: {row.kind}" + (f" ({keys[row.task_id]})" if row.task_id in keys else ""),
            depth=1,
            start_ms=ms(row.created_at),
            duration_ms=_wait_ms(row, now),
            status=row.status,
            task_key=keys.get(row.task_id),
        )
        for row in approvals
    ]


def _wait_ms(row: Any, now: datetime) -> float:
    return max(0.0, ((row.decided_at or now) - row.created_at).total_seconds() * 1000)


def _tree_order(spans: list[TraceSpan]) -> list[TraceSpan]:
    """Depth-first: each row under its parent, siblings by start time."""
    children: dict[str | None, list[TraceSpan]] = {}
    for span in spans:
        children.setdefault(span.parent_id, []).append(span)
    ordered: list[TraceSpan] = []

    def visit(parent: str | None) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s.start_ms):
            ordered.append(span)
            visit(span.id)

    visit(None)
    return ordered
