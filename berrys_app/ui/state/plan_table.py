"""The plan table of the project page: a plan version's JSON as editable rows and back,
with the checks a person can fix while typing (the engine re-validates on submit).

Pure functions: the state mixin in ``project_plan`` holds the rows, these shape them.
"""

from __future__ import annotations

import re
from typing import Any

PLAN_EDIT_STATUSES = ("created", "plan_review", "ready", "paused", "failed", "rejected")
PLAN_FIELDS = ("key", "title", "description", "capabilities", "depends_on", "estimated_minutes")
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def deps_of(data: dict[str, Any]) -> list[str]:
    """A plan task's dependency keys, whichever of the accepted field names it uses."""
    for name in ("depends_on", "dependencies", "deps"):
        value = data.get(name)
        if isinstance(value, list):
            return [str(v.get("task") or v.get("key") or v.get("id")) if isinstance(v, dict) else str(v) for v in value]
    return []


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
    """A comma-separated cell as its non-empty parts."""
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
