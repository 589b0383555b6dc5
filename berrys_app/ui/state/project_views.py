"""What the project page shows, derived from service rows and live events: task rows, the
board's columns, timeline rows, the time left, and the settings dialog's parsed fields.

Pure functions (tested without a browser); the state mixins call them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from berrys_app.domain.event_kinds import EventKind
from berrys_app.ui.format import TASK_STATUS_COLOR, actor_label, as_dict, label, markdown_text, short_time
from berrys_app.ui.state.plan_table import deps_of

BOARD_COLUMNS = ["pending", "ready", "running", "retrying", "waiting_approval", "completed", "failed", "cancelled"]
DONE_STATUSES = ("completed", "superseded", "cancelled")
TIMELINE_LIMIT = 200
BOARD_LIMIT = 50  # cards per column; a 500-task plan shows counts, not 500 cards
CARD_FIELDS = ("id", "key", "title", "agent", "status")


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


def event_row(message: dict[str, Any]) -> dict[str, Any]:
    payload = message.get("payload") or {}
    summary = payload.get("summary") or payload.get("reason") or payload.get("status") or payload.get("title") or ""
    if message.get("kind") == EventKind.COMMENT_CREATED:
        summary = payload.get("body") or payload.get("excerpt", "")
    return {
        "id": str(message.get("id") or ""),
        "kind": str(message.get("kind", "")),
        "label": label(str(message.get("kind", ""))),
        "actor": actor_label(str(message.get("actor") or "")),
        "at": short_time(message.get("created_at")),
        "summary": str(summary) if message.get("kind") == EventKind.COMMENT_CREATED else str(summary)[:300],
        "task_id": str(message.get("task_id") or payload.get("task_id") or ""),
        "comment": message.get("kind") == EventKind.COMMENT_CREATED,
    }


def parse_settings(budget_usd: str, budget_tokens: str, deadline: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings dialog's fields as ``ProjectUpdate`` values (empty = no limit), or errors by field."""
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
            "label": label(column),
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
