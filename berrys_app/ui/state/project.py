"""The project page's state: header, plan graph, board, plan review, task drawer, timeline, results.

Loaded once from the services on page load; afterwards every change arrives as a
live event (``_on_live``) and is applied in memory, so the page never polls the DB.
Every action calls the engine with the signed-in Actor; the engine refuses what the
role may not do, the page only hides it.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from typing import Any

import reflex as rx
from plotly.graph_objects import Figure

from berrys_app.db import session_scope
from berrys_app.services import collab, planning, projects
from berrys_app.services.errors import ServiceError, ValidationFailed
from berrys_app.services.transcripts import ERROR_KINDS, error_entry
from berrys_app.ui import live, presence
from berrys_app.ui.components.dag import dag_figure
from berrys_app.ui.components.markdown import markdown_text
from berrys_app.ui.format import PROJECT_STATUS_COLOR, TASK_STATUS_COLOR, as_dict, money, short_time
from berrys_app.ui.state.session import SessionState

BOARD_COLUMNS = ["pending", "ready", "running", "retrying", "waiting_approval", "completed", "failed", "cancelled"]
DONE_STATUSES = ("completed", "superseded", "cancelled")
TIMELINE_LIMIT = 200
PLAN_EDIT_STATUSES = ("created", "plan_review", "ready", "paused", "failed", "rejected")
BOARD_LIMIT = 50  # cards per column; a 500-task plan shows counts, not 500 cards
CARD_FIELDS = ("id", "key", "title", "agent", "status")
TRANSCRIPT_LIMIT = 400
PLAN_FIELDS = ("key", "title", "description", "capabilities", "depends_on", "estimated_minutes")
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def deps_of(data: dict[str, Any]) -> list[str]:
    for name in ("depends_on", "dependencies", "deps"):
        value = data.get(name)
        if isinstance(value, list):
            return [str(v.get("task") or v.get("key") or v.get("id")) if isinstance(v, dict) else str(v) for v in value]
    return []


def task_row(task: Any, *, deps: list[str] | None = None, agents: dict[str, str] | None = None) -> dict[str, Any]:
    """One task as the page shows it (output rendered by safe_markdown: agent text is untrusted)."""
    data = as_dict(task)
    status = str(data.get("status", "pending"))
    agent_id = str(data.get("agent_id") or "")
    task_deps = deps if deps is not None else deps_of(data)
    return {
        "id": str(data.get("id", "")),
        "key": str(data.get("key", "")),
        "title": str(data.get("title", "")),
        "description": str(data.get("description", "")),
        "status": status,
        "color": TASK_STATUS_COLOR.get(status, "gray"),
        "agent": str(data.get("agent_name") or (agents or {}).get(agent_id) or ""),
        "deps": task_deps,
        "deps_text": ", ".join(task_deps),
        "capabilities": ", ".join(data.get("capabilities") or []),
        "estimate": float(data.get("estimated_minutes") or 0),
        "attempt": int(data.get("attempt") or 0),
        "failures": int(data.get("failures") or 0),
        "error": str(data.get("last_error") or ""),
        "waiting": str(data.get("waiting_reason") or ""),
        "output": markdown_text(data.get("output")),
    }


def _minutes_text(value: Any) -> str:
    """``5.0`` -> ``"5"``, ``2.5`` -> ``"2.5"``, missing/0 -> ``""`` (what a person would type)."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return str(value)
    if not number:
        return ""
    return f"{number:g}"


def plan_rows_from(plan: dict[str, Any]) -> list[dict[str, str]]:
    """The editable table's rows (strings, as typed) from a plan version's JSON.

    ``orig`` remembers which task of the version a row came from, so saving keeps every
    field the table does not show (dependency types, expected output, priority)."""
    rows = []
    for task in plan.get("tasks", []):
        key = str(task.get("id") or task.get("key") or "")
        rows.append(
            {
                "key": key,
                "title": str(task.get("title", "")),
                "description": str(task.get("description", "")),
                "capabilities": ", ".join(task.get("capabilities") or []),
                "depends_on": ", ".join(deps_of(task)),
                "estimated_minutes": _minutes_text(task.get("estimated_minutes")),
                "orig": key,
            }
        )
    return rows


def plan_from_rows(rows: list[dict[str, str]], original: dict[str, Any]) -> dict[str, Any]:
    """The plan to submit: each row's original task dict with only the edited cells replaced.

    A dependency still listed keeps its type (``input`` edges carry upstream outputs to the
    agent); a new one is a ``completion`` edge. The plan's summary is kept."""
    by_id = {str(t.get("id") or t.get("key") or ""): t for t in original.get("tasks", [])}
    renamed = {row["orig"]: row["key"].strip() for row in rows if row.get("orig")}
    tasks = []
    for row in rows:
        base = by_id.get(row.get("orig", "")) if row.get("orig") else None
        before = plan_rows_from({"tasks": [base]})[0] if base is not None else {}
        task: dict[str, Any] = dict(base) if base is not None else {}

        def edited(field: str, *, row: dict[str, str] = row, before: dict[str, str] = before) -> bool:
            return row.get(field, "") != before.get(field)

        if edited("key"):
            task["id"] = row["key"].strip()
        for field in ("title", "description"):
            if edited(field):
                task[field] = row[field].strip()
        if edited("capabilities"):
            task["capabilities"] = split_list(row["capabilities"])
        if edited("estimated_minutes"):
            task["estimated_minutes"] = float(row["estimated_minutes"].strip() or 0)
        if edited("depends_on"):
            types = {
                renamed.get(dep, dep): item.get("type", "completion") if isinstance(item, dict) else "completion"
                for dep, item in zip(deps_of(base or {}), _dep_items(base), strict=True)
            }
            task["depends_on"] = [
                {"task": dep, "type": types.get(dep, "completion")} for dep in split_list(row["depends_on"])
            ]
        task.pop("key", None)
        tasks.append(task)
    return {**{k: v for k, v in original.items() if k != "tasks"}, "tasks": tasks}


def _dep_items(task: dict[str, Any] | None) -> list[Any]:
    """The raw dependency entries of a plan task, in the order ``deps_of`` reads them."""
    for name in ("depends_on", "dependencies", "deps"):
        value = (task or {}).get(name)
        if isinstance(value, list):
            return value
    return []


def diff_lines(diff: dict[str, Any]) -> dict[str, list[str]]:
    """The engine's plan diff as readable lines: added/removed ids, changed ids with their fields."""
    lines: dict[str, list[str]] = {}
    for kind in ("added", "removed"):
        if diff.get(kind):
            lines[kind] = [str(x) for x in diff[kind]]
    changed = [
        f"{c.get('id')} ({', '.join(c.get('fields', []))})" if isinstance(c, dict) else str(c)
        for c in diff.get("changed") or []
    ]
    if changed:
        lines["changed"] = changed
    return lines


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def validate_plan_rows(rows: list[dict[str, str]]) -> dict[str, str]:
    """Inline errors keyed ``"<row>:<field>"`` (and ``"plan"``): the checks a person can fix
    while typing; the engine re-validates everything on submit."""
    errors: dict[str, str] = {}
    keys = [row["key"].strip() for row in rows]
    if not rows:
        errors["plan"] = "a plan needs at least one task"
    for index, row in enumerate(rows):
        key = keys[index]
        if not key:
            errors[f"{index}:key"] = "key is required"
        elif not KEY_RE.match(key):
            errors[f"{index}:key"] = "letters, digits, . _ - only"
        elif keys.count(key) > 1:
            errors[f"{index}:key"] = f"duplicate key {key}"
        if not row["title"].strip():
            errors[f"{index}:title"] = "title is required"
        for dep in split_list(row["depends_on"]):
            if dep == key:
                errors[f"{index}:depends_on"] = "a task cannot depend on itself"
            elif dep not in keys:
                errors[f"{index}:depends_on"] = f"unknown task {dep}"
        estimate = row["estimated_minutes"].strip()
        if estimate:
            try:
                if float(estimate) < 0:
                    raise ValueError
            except ValueError:
                errors[f"{index}:estimated_minutes"] = "a number of minutes ≥ 0"
    if not errors:
        cycle = find_cycle({k: split_list(r["depends_on"]) for k, r in zip(keys, rows, strict=True)})
        if cycle:
            errors["plan"] = "dependency cycle: " + " → ".join(cycle)
    return errors


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One dependency cycle as a list of keys (empty when the graph is a DAG)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in graph and state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if state.get(node) is None and (found := visit(node)):
            return found
    return []


def event_row(message: dict[str, Any]) -> dict[str, Any]:
    payload = message.get("payload") or {}
    summary = payload.get("summary") or payload.get("reason") or payload.get("status") or payload.get("title") or ""
    if message.get("kind") == "comment.created":
        summary = payload.get("body") or payload.get("excerpt", "")
    return {
        "id": str(message.get("id") or ""),
        "kind": str(message.get("kind", "")),
        "actor": str(message.get("actor") or ""),
        "at": short_time(message.get("created_at")),
        "summary": str(summary) if message.get("kind") == "comment.created" else str(summary)[:300],
        "task_id": str(message.get("task_id") or payload.get("task_id") or ""),
        "comment": message.get("kind") == "comment.created",
    }


def parse_settings(budget_usd: str, budget_tokens: str, deadline: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings dialog's fields as ``ProjectUpdate`` values (empty = no limit), or errors by field."""
    from datetime import UTC, datetime

    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    text = budget_usd.strip().lstrip("$")
    try:
        values["budget_usd"] = float(text) if text else None
        if text and (values["budget_usd"] < 0 or values["budget_usd"] != values["budget_usd"]):
            raise ValueError
    except ValueError:
        errors["budget_usd"] = "a number of dollars ≥ 0 (empty: no budget)"
    text = budget_tokens.strip().replace("_", "").replace(",", "")
    try:
        values["budget_tokens"] = int(text) if text else None
        if text and values["budget_tokens"] < 0:
            raise ValueError
    except ValueError:
        errors["budget_tokens"] = "a whole number of tokens ≥ 0 (empty: no limit)"
    text = deadline.strip()
    try:
        when = datetime.fromisoformat(text) if text else None
        values["deadline"] = when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when
    except ValueError:
        errors["deadline"] = "a date like 2026-12-31"
    return values, errors


def remaining_minutes(tasks: list[dict[str, Any]]) -> float:
    """Minutes of work left along the longest chain of unfinished tasks (the critical path of what
    remains): parallel tasks run at the same time, so summing every estimate overstates the wait."""
    open_tasks = {t["key"]: t for t in tasks if t["status"] not in DONE_STATUSES}
    memo: dict[str, float] = {}

    def chain(key: str, seen: frozenset[str]) -> float:
        if key not in memo:
            task = open_tasks[key]
            before = [d for d in task.get("deps", []) if d in open_tasks and d not in seen]
            memo[key] = float(task.get("estimate") or 0) + max((chain(d, seen | {key}) for d in before), default=0.0)
        return memo[key]

    return max((chain(key, frozenset()) for key in open_tasks), default=0.0)


def board_columns(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The board: one column per task status (cancelled too), cards capped per column."""
    columns: dict[str, list[dict[str, Any]]] = {column: [] for column in BOARD_COLUMNS}
    for task in tasks:
        if task["status"] in columns:
            columns[task["status"]].append(task)
    return [
        {
            "status": column,
            "color": TASK_STATUS_COLOR[column],
            "count": len(cards),
            "more": max(0, len(cards) - BOARD_LIMIT),
            "tasks": [{k: t[k] for k in CARD_FIELDS} for t in cards[:BOARD_LIMIT]],
        }
        for column, cards in columns.items()
    ]


def filter_timeline(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The timeline rows whose kind starts with the chosen prefix (``all``: every row)."""
    if prefix == "all":
        return rows
    return [row for row in rows if row["kind"].startswith(prefix)]


def merge_live_event(rows: list[dict[str, Any]], message: dict[str, Any]) -> list[dict[str, Any]]:
    """Put a live event on top of the timeline unless it is already shown: a reload triggered
    by an earlier message may have read it from the database before its own message arrived."""
    ident = str(message.get("id"))
    if any(row["id"] == ident for row in rows):
        return rows
    return [event_row(message), *rows[: TIMELINE_LIMIT - 1]]


class ProjectState(SessionState):
    """Everything the project page shows for one project."""

    project: dict[str, Any] = {}
    critical_path: list[str] = []
    plan_version: int = 0
    plan_status: str = ""
    plan_warnings: list[str] = []
    plan_diff: dict[str, list[str]] = {}
    plan_rows: list[dict[str, str]] = []
    plan_errors: dict[str, str] = {}
    plan_dirty: bool = False
    cost_usd: float = 0.0
    tokens_used: int = 0
    timeline_filter: str = "all"
    deliverables: list[dict[str, str]] = []
    viewers: list[str] = []
    action_error: str = ""
    load_error: str = ""
    reject_reason: str = ""
    comment_text: str = ""
    tab: str = "graph"
    settings_open: bool = False
    settings_budget: str = ""
    settings_tokens: str = ""
    settings_deadline: str = ""
    settings_errors: dict[str, str] = {}
    selected_id: str = ""
    drawer_open: bool = False
    transcript: list[dict[str, str]] = []
    task_artifacts: list[dict[str, str]] = []
    task_errors: list[dict[str, str]] = []
    project_artifacts: list[dict[str, str]] = []
    graph: Figure = Figure(layout={"template": "none"})
    _plan_json: dict[str, Any] = {}
    _loaded_pid: str = ""
    _last_beat: float = 0.0  # time.time() of this tab's last heartbeat (0: not on a project page)
    # backend-only: the browser gets just the derived views of the visible tab
    _tasks: list[dict[str, Any]] = []
    _timeline: list[dict[str, Any]] = []

    # -- derived ------------------------------------------------------------------------

    @rx.var
    def status(self) -> str:
        return str(self.project.get("status", ""))

    @rx.var
    def status_color(self) -> str:
        return PROJECT_STATUS_COLOR.get(str(self.project.get("status", "")), "gray")

    @rx.var
    def done_count(self) -> int:
        return sum(1 for t in self._tasks if t["status"] == "completed")

    @rx.var
    def active_count(self) -> int:
        return sum(1 for t in self._tasks if t["status"] != "superseded")

    @rx.var
    def progress(self) -> int:
        total = sum(1 for t in self._tasks if t["status"] != "superseded")
        done = sum(1 for t in self._tasks if t["status"] == "completed")
        return round(100 * done / total) if total else 0

    @rx.var
    def eta(self) -> str:
        left = remaining_minutes(self._tasks)
        return f"~{left:.0f} min left (longest remaining chain)" if left else ""

    @rx.var
    def budget_text(self) -> str:
        budget = self.project.get("budget_usd")
        return f"{money(self.cost_usd)} of {money(budget)}" if budget else f"{money(self.cost_usd)} (no budget)"

    @rx.var
    def budget_pct(self) -> int:
        budget = self.project.get("budget_usd")
        return min(100, round(100 * self.cost_usd / budget)) if budget else 0

    @rx.var
    def board(self) -> list[dict[str, Any]]:
        if self.tab != "board":  # only the visible tab is computed and sent on each live update
            return []
        return board_columns(self._tasks)

    def _refresh_graph(self) -> None:
        """Redraw the DAG, only while its tab is shown (building a 500-node figure costs
        milliseconds that every live update on the other tabs should not pay)."""
        if self.tab == "graph":
            self.graph = dag_figure([t for t in self._tasks if t["status"] != "superseded"], self.critical_path)

    @rx.var
    def selected(self) -> dict[str, Any]:
        return next((t for t in self._tasks if t["id"] == self.selected_id), {})

    @rx.var
    def filtered_timeline(self) -> list[dict[str, Any]]:
        if self.tab != "timeline":
            return []
        return filter_timeline(self._timeline, self.timeline_filter)

    @rx.var
    def plan_editable(self) -> bool:
        """Plans are edited in review or between runs; the engine refuses other states anyway."""
        return self.role in ("member", "admin", "owner") and str(self.project.get("status", "")) in PLAN_EDIT_STATUSES

    @rx.var
    def has_plan_errors(self) -> bool:
        return bool(self.plan_errors)

    # -- loading ------------------------------------------------------------------------

    def _pid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1])
        except ValueError:
            return None

    @rx.event
    def load(self):
        """Read the project, then subscribe: nothing of it is kept or delivered to a tab whose
        user may not see it (the same check as REST, inside ``_load_all`` and ``live``)."""
        pid = self._pid()
        self.load_error = ""
        self.drawer_open = False
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                self._close_project()
                return self._to_login()
            if pid is None:
                self._close_project()
                self.load_error = "no such project"
                return None
            if str(pid) != self._loaded_pid:  # another project in this tab: start clean
                self._close_project()
            try:
                self._load_all(session, actor, pid)
            except ServiceError as exc:
                self._close_project()
                self.load_error = exc.message
                return None
        if not self._subscribe(f"project:{pid}", ProjectState):
            self._close_project()
            self.load_error = "project not found"
            return None
        self._loaded_pid = str(pid)
        self.viewers = presence.join(str(pid), self.router.session.client_token, self.user_name)
        self._last_beat = time.time()
        return None

    def _close_project(self) -> None:
        """Forget everything of the project this tab showed (refused, or another one opened)."""
        if self._loaded_pid:
            token = self.router.session.client_token
            live.unsubscribe(f"project:{self._loaded_pid}", token)
            with contextlib.suppress(Exception):  # presence is cosmetic
                presence.leave(self._loaded_pid, token)
        self._loaded_pid = ""
        self._last_beat = 0.0
        self.project = {}
        self._tasks = []
        self._timeline = []
        self._plan_json = {}
        self.plan_rows = []
        self.deliverables = []
        self.project_artifacts = []
        self.viewers = []
        self.tab = "graph"
        self.plan_dirty = False
        self.selected_id = ""
        self.drawer_open = False
        self.transcript = []
        self.task_errors = []
        self.task_artifacts = []

    def _load_all(self, session, actor, pid: uuid.UUID) -> None:
        project = projects.get_project(session, actor, pid)
        self.project = as_dict(project)
        if project is not None and hasattr(project, "team_id") and str(project.team_id) != self.team_id:
            # opened from a link into another of my teams: show my role there
            self.team_id = str(project.team_id)
            self.role = next((t["role"] for t in self.teams if t["id"] == self.team_id), "")
        self._load_plan(session, actor, pid)
        self._load_tasks(session, actor, pid)
        self._load_usage(session, actor, pid)
        self._load_deliverables(session, actor, pid)
        self._load_timeline(session, actor, pid)

    def _load_plan(self, session, actor, pid: uuid.UUID) -> None:
        try:
            plan = projects.get_plan(session, actor, pid)
        except ServiceError:
            plan = None
        data = as_dict(plan)
        self.plan_version = int(data.get("version") or 0)
        self.plan_status = str(data.get("status") or "")
        self.critical_path = [str(k) for k in data.get("critical_path") or []]
        self.plan_warnings = [str(w) for w in data.get("warnings") or []]
        self.plan_diff = diff_lines(data.get("diff") or {}) if self.plan_version > 1 else {}
        self._plan_json = data.get("plan") or {}
        if not self.plan_dirty:
            self.plan_rows = plan_rows_from(self._plan_json)
            self.plan_errors = {}

    def _load_tasks(self, session, actor, pid: uuid.UUID) -> None:
        rows = projects.list_tasks(session, actor, pid, current_only=True)
        plan_deps = {str(t.get("id") or t.get("key")): deps_of(t) for t in (self._plan_json or {}).get("tasks", [])}
        agents = self._agent_names(session, rows)
        tasks = []
        for row in rows:
            data = as_dict(row)
            deps = deps_of(data) or plan_deps.get(str(data.get("key")), [])
            tasks.append(task_row(data, deps=deps, agents=agents))
        if not tasks and self._plan_json:
            # a plan in review has no task rows yet: draw the proposal
            tasks = [
                task_row({**t, "key": t.get("id"), "id": f"plan:{t.get('id')}", "status": "pending"}, deps=deps_of(t))
                for t in self._plan_json.get("tasks", [])
            ]
        self._tasks = tasks
        self._refresh_graph()

    def _agent_names(self, session, rows: list[Any]) -> dict[str, str]:
        """Names of the agents that ran these tasks (still named after the project released them)."""
        from berrys_app.services import agents as agent_service

        return agent_service.agent_names(session, {row.agent_id for row in rows if getattr(row, "agent_id", None)})

    def _load_usage(self, session, actor, pid: uuid.UUID) -> None:
        try:
            usage = as_dict(projects.project_usage(session, actor, pid))
        except ServiceError:
            usage = {}
        self.cost_usd = float(usage.get("cost_usd") or 0)
        self.tokens_used = int(usage.get("tokens") or usage.get("total_tokens") or 0)

    def _load_deliverables(self, session, actor, pid: uuid.UUID) -> None:
        try:
            rows = projects.list_deliverables(session, actor, pid)
        except ServiceError:
            rows = []
        self.deliverables = [
            {
                "id": str(d.get("id", "")),
                "title": str(d.get("title", "")),
                "kind": str(d.get("kind", "")),
                "content": markdown_text(str(d.get("content", ""))),
            }
            for d in map(as_dict, rows)
        ]

    def _load_timeline(self, session, actor, pid: uuid.UUID) -> None:
        from berrys_app.services import events

        rows = events.list_recent(session, project_id=pid, limit=TIMELINE_LIMIT)
        self._timeline = [event_row(events.to_message(row)) for row in rows]

    def _reload(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        with session_scope() as session:
            actor = self._actor(session)
            self._load_all(session, actor, pid)

    # -- live ---------------------------------------------------------------------------

    def _on_live(self, message: dict[str, Any]) -> None:
        """Apply one event to what the page shows (in memory; reload only when the plan changed)."""
        if self._orphaned():
            return
        kind = str(message.get("kind", ""))
        payload = message.get("payload") or {}
        task_id = str(message.get("task_id") or payload.get("task_id") or "")
        if kind == live.ACCESS_LOST:  # removed from the team (or the project moved away)
            self._close_project()
            self.load_error = "You no longer have access to this project."
            return
        if kind == "presence.changed":
            self.viewers = list(payload.get("viewers", []))
            return
        if kind.startswith("model."):
            self._add_usage(payload)
        if kind == "model.usage":
            return
        if kind.startswith(("model.", "tool.")) and task_id:
            self._append_transcript(task_id, kind, payload)
            if message.get("id") is None:
                return
        if message.get("id") is not None:
            self._timeline = merge_live_event(self._timeline, message)
        if kind.startswith("task.") and task_id:
            self._apply_task(task_id, kind, payload)
            if task_id == self.selected_id and kind in ERROR_KINDS:
                entry = error_entry(kind, payload, short_time(message.get("created_at")))
                self.task_errors = [*self.task_errors, entry]
        elif kind.startswith("project."):
            status = payload.get("status") or payload.get("to")
            if status:
                self.project = {**self.project, "status": status}
            if kind in ("project.completed", "project.deliverables", "project.aggregated", "project.updated"):
                self._safe_reload()
        elif kind.startswith(("plan.", "tasks.", "deliverable.")):
            self._safe_reload()

    def _add_usage(self, payload: dict[str, Any]) -> None:
        """A model call's cost and tokens (published live by the model layer after each call)."""
        cost, tokens = payload.get("cost_usd"), payload.get("tokens")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            self.cost_usd = round(self.cost_usd + float(cost), 6)
        if isinstance(tokens, int) and not isinstance(tokens, bool):
            self.tokens_used += tokens

    def _safe_reload(self) -> None:
        try:
            self._reload()
        except ServiceError as exc:
            self.load_error = exc.message

    def _apply_task(self, task_id: str, kind: str, payload: dict[str, Any]) -> None:
        status = (
            payload.get("status")
            or payload.get("to")
            or {
                "task.started": "running",
                "task.running": "running",
                "task.completed": "completed",
                "task.failed": "failed",
                "task.ready": "ready",
                "task.retrying": "retrying",
                "task.cancelled": "cancelled",
                "task.waiting_approval": "waiting_approval",
                "task.waiting": "waiting_approval",
                "task.interrupted": "ready",
                "task.lease_expired": "ready",
            }.get(kind)
        )
        updated = []
        found = False
        for task in self._tasks:
            if task["id"] == task_id:
                found = True
                task = dict(task)
                if status:
                    task["status"] = str(status)
                    task["color"] = TASK_STATUS_COLOR.get(str(status), "gray")
                if payload.get("error"):
                    task["error"] = str(payload["error"])
                if payload.get("agent_name"):
                    task["agent"] = str(payload["agent_name"])
                if payload.get("attempt") is not None:
                    task["attempt"] = int(payload["attempt"])
            updated.append(task)
        self._tasks = updated
        self._refresh_graph()
        if not found or not status:
            self._safe_reload()
        elif task_id == self.selected_id and kind in ("task.completed", "task.failed"):
            self._refresh_selected()

    def _refresh_selected(self) -> None:
        """Re-read the open task (its full output and error) after it finished."""
        try:
            with session_scope() as session:
                task = projects.get_task(session, self._actor(session), self._pid(), uuid.UUID(self.selected_id))
        except (ServiceError, ValueError):
            return
        fresh = task_row(task, deps=self.selected.get("deps", []))
        fresh["agent"] = self.selected.get("agent", "")
        self._tasks = [fresh if t["id"] == fresh["id"] else t for t in self._tasks]
        self._refresh_graph()

    def _append_transcript(self, task_id: str, kind: str, payload: dict[str, Any]) -> None:
        if task_id != self.selected_id:
            return
        if kind == "model.token":
            text = str(payload.get("delta") or payload.get("text") or "")
            if payload.get("reset") and self.transcript and self.transcript[-1]["kind"] == "stream":
                self.transcript = self.transcript[:-1]
            if self.transcript and self.transcript[-1]["kind"] == "stream":
                last = dict(self.transcript[-1])
                last["text"] = last["text"] + text
                self.transcript = [*self.transcript[:-1], last]
            else:
                title = f"model · {payload.get('model') or ''}"
                self.transcript = [*self.transcript, {"kind": "stream", "title": title, "text": text}]
            return
        entry = self._transcript_entry(kind, payload)
        self.transcript = [*self.transcript, entry][-TRANSCRIPT_LIMIT:]

    @staticmethod
    def _transcript_entry(kind: str, payload: dict[str, Any]) -> dict[str, str]:
        if kind.startswith("tool."):
            name = str(payload.get("tool") or payload.get("name") or "tool")
            lines = [f"→ {payload['arguments']}"] if payload.get("arguments") else []
            if payload.get("result"):
                lines.append(str(payload["result"]))
            if payload.get("message") or payload.get("error_code"):
                lines.append(f"[{payload.get('error_code') or 'error'}] {payload.get('message') or ''}".strip())
            if payload.get("duration_ms") is not None:
                lines.append(f"{payload['duration_ms']} ms")
            text = "\n".join(lines)[:4000]
            return {"kind": "tool", "title": f"{kind.split('.', 1)[1]} · {name}", "text": text}
        body = payload.get("content") or payload.get("summary") or payload.get("error") or ""
        return {"kind": "model", "title": kind, "text": str(body)[:4000]}

    # -- UI events ----------------------------------------------------------------------

    @rx.event
    def set_tab(self, value: str):
        self.tab = value
        self._refresh_graph()
        if value == "results":  # read when shown: files are written while tasks run
            self.project_artifacts = self._artifacts()

    @rx.event
    def set_timeline_filter(self, value: str):
        self.timeline_filter = value

    @rx.event
    def open_task(self, task_id: str):
        if task_id.startswith("plan:"):  # a proposed task: edit it in the plan table
            self.tab = "plan"
            return None
        if not self._may_open(task_id):
            return rx.toast.error("task not found")
        self.selected_id = task_id
        self.drawer_open = True
        self.transcript = self._recorded_transcript(task_id)
        self.task_artifacts = self._task_artifacts(task_id)
        self.task_errors = self._task_errors(task_id)
        return None

    def _may_open(self, task_id: str) -> bool:
        """The drawer (and its live token stream) only for a task of the project this tab
        loaded, read through the same check as REST."""
        try:
            with session_scope() as session:
                projects.get_task(session, self._actor(session), uuid.UUID(self._loaded_pid), uuid.UUID(task_id))
        except (ServiceError, ValueError):
            return False
        return True

    @rx.event
    def open_task_from_graph(self, points: list[dict[str, Any]]):
        visible = [t for t in self._tasks if t["status"] != "superseded"]
        for point in points or []:
            index = point.get("pointIndex", point.get("pointNumber"))
            if point.get("curveNumber") == 2 and isinstance(index, int) and 0 <= index < len(visible):
                return ProjectState.open_task(visible[index]["id"])
        return None

    @rx.event
    def set_drawer_open(self, value: bool):
        self.drawer_open = value
        if not value:
            self.selected_id = ""
            self.transcript = []
            self.task_artifacts = []
            self.task_errors = []

    def _artifacts(self, task_id: str | None = None) -> list[dict[str, str]]:
        """Files the project's tasks wrote to its workspace (all, or one task's); the tool service
        checks the role."""
        from berrys_app.services.tools import files

        try:
            with session_scope() as session:
                rows = files.list_artifacts(session, self._actor(session), project_id=self._pid())
        except (ServiceError, ValueError):
            return []
        keys = {t["id"]: t["key"] for t in self._tasks}
        return [
            {"path": a.path, "size": f"{a.size} B", "task": keys.get(str(a.task_id), "")}
            for a in rows
            if task_id is None or str(a.task_id) == task_id
        ]

    def _task_artifacts(self, task_id: str) -> list[dict[str, str]]:
        return self._artifacts(task_id)

    @rx.event
    def download_artifact(self, path: str):
        from berrys_app.services.tools import files

        try:
            with session_scope() as session:
                row = files.get_artifact(session, self._actor(session), project_id=self._pid(), path=path)
        except ServiceError as exc:
            self.action_error = exc.message
            return None
        return rx.download(data=row.content, filename=path.rsplit("/", 1)[-1] or "artifact.txt")

    def _task_errors(self, task_id: str) -> list[dict[str, str]]:
        """Every failed attempt's error (the task row keeps only the last one)."""
        from berrys_app.services.transcripts import task_errors

        try:
            with session_scope() as session:
                rows = task_errors(session, self._actor(session), project_id=self._pid(), task_id=uuid.UUID(task_id))
        except (ServiceError, ValueError):
            return []
        return [{**row, "at": short_time(row["at"])} for row in rows]

    def _recorded_transcript(self, task_id: str) -> list[dict[str, str]]:
        """The calls already recorded for this task (model and tool); live ones append."""
        from berrys_app.services.transcripts import task_transcript

        try:
            with session_scope() as session:
                return task_transcript(
                    session, self._actor(session), project_id=self._pid(), task_id=uuid.UUID(task_id)
                )
        except (ServiceError, ValueError):
            return []

    # -- actions (the engine decides; we show its refusal) ------------------------------

    def _act(self, service: Any, **kwargs: Any):
        self.action_error = ""
        pid = self._pid()
        try:
            with session_scope() as session:
                actor = self._actor(session)
                service(session, actor, pid, **kwargs)
        except ServiceError as exc:
            self.action_error = exc.message
            return rx.toast.error(exc.message)
        self._safe_reload()
        return None

    @rx.event
    def plan(self):
        return self._act(projects.request_plan)

    @rx.event
    def approve(self):
        if self.plan_dirty:
            self.action_error = "save or discard your plan edits before approving"
            return rx.toast.error(self.action_error)
        return self._act(collab.approve_plan)

    @rx.event
    def set_reject_reason(self, value: str):
        self.reject_reason = value

    @rx.event
    def reject(self):
        reason = self.reject_reason.strip()
        if not reason:
            self.action_error = "give a reason for rejecting the plan"
            return rx.toast.error(self.action_error)
        result = self._act(collab.reject_plan, reason=reason)
        if not self.action_error:
            self.reject_reason = ""
        return result

    @rx.event
    def execute(self):
        return self._act(projects.execute_project)

    @rx.event
    def pause(self):
        return self._act(projects.pause_project)

    @rx.event
    def resume(self):
        return self._act(projects.resume_project)

    @rx.event
    def cancel(self):
        return self._act(projects.cancel_project)

    @rx.event
    def retry_task(self):
        """Run the open task again (waiting for a person or failed); the engine checks role and state."""
        try:
            task_id = uuid.UUID(self.selected_id)
        except ValueError:
            self.action_error = "open a task first"
            return rx.toast.error(self.action_error)
        result = self._act(projects.retry_task, task_id=task_id)
        if not self.action_error:
            return rx.toast.success("the task will run again")
        return result

    # -- project settings (budget, deadline) --------------------------------------------

    @rx.event
    def open_settings(self):
        budget, tokens = self.project.get("budget_usd"), self.project.get("budget_tokens")
        self.settings_budget = "" if budget is None else f"{float(budget):g}"
        self.settings_tokens = "" if tokens is None else str(tokens)
        self.settings_deadline = str(self.project.get("deadline") or "")[:10]
        self.settings_errors = {}
        self.settings_open = True

    @rx.event
    def set_settings_open(self, value: bool):
        self.settings_open = value

    @rx.event
    def set_settings_budget(self, value: str):
        self.settings_budget = value

    @rx.event
    def set_settings_tokens(self, value: str):
        self.settings_tokens = value

    @rx.event
    def set_settings_deadline(self, value: str):
        self.settings_deadline = value

    @rx.event
    def save_settings(self):
        """Raise (or lower) the budget and move the deadline through the engine's update_project."""
        from berrys_app.domain.projects import ProjectUpdate

        values, self.settings_errors = parse_settings(
            self.settings_budget, self.settings_tokens, self.settings_deadline
        )
        if self.settings_errors:
            return rx.toast.error("fix the highlighted fields first")
        current = {
            "budget_usd": self.project.get("budget_usd"),
            "budget_tokens": self.project.get("budget_tokens"),
            "deadline": str(self.project.get("deadline") or "")[:10] or None,
        }
        changes = {
            key: value
            for key, value in values.items()
            if (value.date().isoformat() if key == "deadline" and value is not None else value) != current[key]
        }
        if not changes:
            self.settings_open = False
            return None
        result = self._act(projects.update_project, data=ProjectUpdate(**changes))
        if self.action_error:
            self.settings_errors = {"form": self.action_error}
            return result
        self.settings_open = False
        return rx.toast.success("project settings saved")

    # -- plan editing -------------------------------------------------------------------

    @rx.event
    def set_plan_cell(self, index: int, field: str, value: str):
        rows = [dict(r) for r in self.plan_rows]
        if 0 <= index < len(rows) and field in PLAN_FIELDS:
            rows[index][field] = value
            self.plan_rows = rows
            self.plan_dirty = True
            self.plan_errors = validate_plan_rows(rows)

    @rx.event
    def add_plan_row(self):
        taken = {r["key"] for r in self.plan_rows}
        number = len(self.plan_rows) + 1
        while f"t{number}" in taken:
            number += 1
        blank = {"key": f"t{number}", "title": "", "description": "", "capabilities": "", "depends_on": ""}
        self.plan_rows = [*self.plan_rows, {**blank, "estimated_minutes": "", "orig": ""}]
        self.plan_dirty = True
        self.plan_errors = validate_plan_rows(self.plan_rows)

    @rx.event
    def remove_plan_row(self, index: int):
        removed = self.plan_rows[index]["key"] if 0 <= index < len(self.plan_rows) else ""
        rows = [dict(r) for i, r in enumerate(self.plan_rows) if i != index]
        for row in rows:  # drop dangling references to the removed task
            row["depends_on"] = ", ".join(d for d in split_list(row["depends_on"]) if d != removed)
        self.plan_rows = rows
        self.plan_dirty = True
        self.plan_errors = validate_plan_rows(rows)

    @rx.event
    def discard_plan_edits(self):
        self.plan_dirty = False
        self.plan_rows = plan_rows_from(self._plan_json or {})
        self.plan_errors = {}

    @rx.event
    def save_plan(self):
        """Submit the edited plan as a new version (the engine validates it again)."""
        self.plan_errors = validate_plan_rows(self.plan_rows)
        if self.plan_errors:
            return rx.toast.error("fix the highlighted plan errors first")
        plan = plan_from_rows(self.plan_rows, self._plan_json or {})
        try:
            plan_in = self._plan_in(plan)
            with session_scope() as session:
                projects.submit_plan(session, self._actor(session), self._pid(), plan_in)
        except ServiceError as exc:
            self.plan_errors = {"plan": exc.message}
            return rx.toast.error(exc.message)
        self.plan_dirty = False
        self._safe_reload()
        return rx.toast.success("plan saved as a new version")

    @staticmethod
    def _plan_in(data: dict[str, Any]) -> planning.PlanIn:
        from pydantic import ValidationError

        try:
            return planning.PlanIn.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(str(exc.errors()[0].get("msg", "invalid plan"))) from None

    # -- comments -----------------------------------------------------------------------

    @rx.event
    def set_comment_text(self, value: str):
        self.comment_text = value

    @rx.event
    def post_comment(self):
        body = self.comment_text.strip()
        if not body:
            return None
        try:
            with session_scope() as session:
                collab.add_comment(session, self._actor(session), project_id=self._pid(), body=body)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        self.comment_text = ""
        return None

    # -- results ------------------------------------------------------------------------

    @rx.event
    def download(self, deliverable_id: str):
        item = next((d for d in self.deliverables if d["id"] == deliverable_id), None)
        if item is None:
            return None
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", item["title"]).strip("-") or "deliverable"
        return rx.download(data=item["content"], filename=f"{name}.md")

    # -- presence: join on load, heartbeat while open, leave on unmount --------------------

    @rx.event
    def heartbeat(self, _now: str = ""):
        """The page is still open (sent every ``presence.HEARTBEAT_S`` by the browser). Subscribes
        again if the tab was dropped meanwhile, through the same check as ``load``: a tab whose
        user may no longer see the project is closed instead."""
        pid = self._loaded_pid
        if not pid or str(self._pid()) != pid:
            return
        if not self._subscribe(f"project:{pid}", ProjectState):
            self._close_project()
            self.load_error = "project not found"
            return
        token = self.router.session.client_token
        missed = time.time() - self._last_beat > presence.STALE_S
        self._last_beat = time.time()
        self.viewers = presence.heartbeat(pid, token, self.user_name)
        if missed:  # events were not delivered while this tab counted as gone
            self._safe_reload()

    @rx.event
    def leave(self, project_id: str = ""):
        """The page unmounted (another page of the app): stop being a viewer and a subscriber."""
        pid = project_id or self._loaded_pid
        if not pid:
            return
        if pid == self._loaded_pid:  # (the next project's load may already have run: then keep its state)
            self._last_beat = 0.0
        token = self.router.session.client_token
        live.unsubscribe(f"project:{pid}", token)
        presence.leave(pid, token)

    def _orphaned(self) -> bool:
        """A tab closed without a goodbye keeps its state subscribed: drop it after ``STALE_S``
        without heartbeat (the next message to it unsubscribes it instead of updating it)."""
        if not self._last_beat or time.time() - self._last_beat <= presence.STALE_S:
            return False
        token = self.router.session.client_token
        live.unsubscribe(f"project:{self._loaded_pid}", token)
        try:
            presence.leave(self._loaded_pid, token)
        except Exception:  # presence is cosmetic
            return True
        return True
