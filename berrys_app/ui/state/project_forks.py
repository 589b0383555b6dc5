"""Forks on the project page: "Fork from here" / "Retry from here" on the open task (with an edit
form for its description, the model and one team tool's approval policy / argument constraints),
the fork lineage, and the side-by-side diff of task outputs against the project this one was
forked from.

A state mixin of ``ProjectState``; every action goes through ``usecases/forks.py`` with the
signed-in actor (the same checks as REST), the page only hides what the role may not do.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import reflex as rx
from pydantic import ValidationError

from berrys_app.db import session_scope
from berrys_app.services import fork_views
from berrys_app.services.errors import ServiceError
from berrys_app.ui.format import label, short_date
from berrys_app.usecases import forks
from berrys_app.usecases.forks import ForkIn, TaskEdits

FORKABLE = ("completed", "failed", "cancelled")
KEEP = "unchanged"
APPROVAL_CHOICES = [KEEP, "never", "side_effects", "always"]


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "form"
    return f"{field}: {first.get('msg', 'invalid')}"


class ProjectForks(rx.State, mixin=True):
    """The fork form, the lineage and the diff rows of the loaded project."""

    fork_open: bool = False
    fork_description: str = ""
    fork_model: str = ""
    fork_tool: str = ""  # one team tool whose policy the fork edits (REST takes several)
    fork_tool_approval: str = KEEP
    fork_tool_schema: str = ""  # JSON Schema text: constraints added to the tool's arguments
    fork_error: str = ""
    lineage: list[dict[str, Any]] = []
    diff_rows: list[dict[str, Any]] = []
    diff_against: str = ""  # the name of the project on the left of the diff

    def _load_forks(self, session: Any, actor: Any, pid: uuid.UUID) -> None:
        """Lineage always (a small tree); the diff when this project is a fork (origin on the left)."""
        self.lineage = [
            {
                "id": str(row.id),
                "name": row.name,
                "status": row.status,
                "status_label": label(row.status),
                "how": (
                    ""
                    if row.forked_from_project_id is None
                    else f"{'replay' if row.fork_mode == 'replay' else 'fork'}"
                    + (f" at {row.forked_at_task_key}" if row.forked_at_task_key else "")
                ),
                "indent": f"{row.depth * 1.5}em",
                "current": str(row.id) == str(pid),
                "at": short_date(row.created_at.isoformat()),
            }
            for row in fork_views.lineage(session, actor, pid)
        ]
        origin = self.project.get("forked_from_project_id")
        self.diff_rows, self.diff_against = [], ""
        if origin:
            try:
                rows = fork_views.diff(session, actor, pid, uuid.UUID(str(origin)))
            except ServiceError:  # the origin was deleted or is no longer visible: no diff
                return
            self.diff_against = next((r["name"] for r in self.lineage if r["id"] == str(origin)), "")
            self.diff_rows = [
                {
                    "key": row.key,
                    "title": row.title,
                    "left": row.left_output or "",
                    "right": row.right_output or "",
                    "left_status": label(row.left_status or "missing"),
                    "right_status": label(row.right_status or "missing"),
                    "state": "copied" if row.right_copied else "same" if row.same else "changed",
                }
                for row in rows
            ]

    @rx.var
    def can_fork(self) -> bool:
        return str(self.project.get("status", "")) in FORKABLE

    @rx.var
    def is_fork(self) -> bool:
        return bool(self.project.get("forked_from_project_id"))

    @rx.event
    def open_fork(self):
        """The edit form, filled with the open task's description and the project's model."""
        task = next((t for t in self._tasks if t["id"] == self.selected_id), {})
        self.fork_description = str(task.get("description", ""))
        self.fork_model = ""
        self.fork_tool, self.fork_tool_approval, self.fork_tool_schema = "", KEEP, ""
        self.fork_error = ""
        self.fork_open = True

    @rx.event
    def set_fork_open(self, value: bool):
        self.fork_open = value

    @rx.event
    def set_fork_description(self, value: str):
        self.fork_description = value

    @rx.event
    def set_fork_model(self, value: str):
        self.fork_model = value

    @rx.event
    def set_fork_tool(self, value: str):
        self.fork_tool = value

    @rx.event
    def set_fork_tool_approval(self, value: str):
        self.fork_tool_approval = value

    @rx.event
    def set_fork_tool_schema(self, value: str):
        self.fork_tool_schema = value

    def _project_uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self._loaded_pid)
        except ValueError:  # no project loaded in this tab
            return None

    def _edits(self) -> dict[str, Any]:
        task = next((t for t in self._tasks if t["id"] == self.selected_id), {})
        edits: dict[str, Any] = {}
        if self.fork_description != str(task.get("description", "")):
            edits["description"] = self.fork_description
        if self.fork_model.strip():
            edits["model"] = self.fork_model.strip()
        return edits

    def _tool_policies(self) -> list[dict[str, Any]]:
        """The form's tool policy edit (none when no tool is named); bad JSON raises ValueError."""
        if not self.fork_tool.strip():
            return []
        edit: dict[str, Any] = {"tool": self.fork_tool.strip()}
        if self.fork_tool_approval != KEEP:
            edit["approval_policy"] = self.fork_tool_approval
        if self.fork_tool_schema.strip():
            schema = json.loads(self.fork_tool_schema)
            if not isinstance(schema, dict):
                raise ValueError("the arguments schema must be a JSON object")
            edit["arguments_schema"] = schema
        return [edit]

    @rx.event
    def submit_fork(self):
        """Fork at the open task with the edits, then open the fork (it runs at once)."""
        task = next((t for t in self._tasks if t["id"] == self.selected_id), {})
        pid = self._project_uuid()
        if pid is None or not task:
            self.fork_error = "open a task of a project first"
            return None
        try:
            data = ForkIn(at_task=str(task["key"]), tool_policies=self._tool_policies(), **self._edits())
            with session_scope() as session:
                fork = forks.fork_project(session, self._actor(session), pid, data)
                fork_id = str(fork.id)
        except ValidationError as exc:
            self.fork_error = _problem(exc)
            return None
        except ValueError as exc:  # the arguments schema is not JSON
            self.fork_error = f"arguments schema: {exc}"
            return None
        except ServiceError as exc:
            self.fork_error = exc.message
            return None
        self.fork_open = False
        self.drawer_open = False
        return rx.redirect(f"/projects/{fork_id}")

    @rx.event
    def retry_from_here(self):
        """In place: the open (failed) task and everything after it run again, with the edits."""
        task = next((t for t in self._tasks if t["id"] == self.selected_id), {})
        pid = self._project_uuid()
        if pid is None or not task:
            return rx.toast.error("open a task of a project first")
        try:
            edits = TaskEdits(**self._edits()) if self.fork_open else TaskEdits()
            with session_scope() as session:
                forks.retry_from_here(session, self._actor(session), pid, str(task["key"]), edits)
        except ValidationError as exc:
            self.fork_error = _problem(exc)
            return rx.toast.error(self.fork_error)
        except ServiceError as exc:
            self.fork_error = exc.message
            return rx.toast.error(exc.message)
        self.fork_open = False
        self.drawer_open = False
        self._safe_reload()
        return rx.toast.success(f"{task.get('key', 'the task')} and what follows it run again")
