"""The task drawer: one task's transcript (recorded, then live tokens), errors, files, retry.

A state mixin of ``ProjectState``. Opening a task goes through the same check as REST.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import projects, transcripts
from berrys_app.services.errors import ServiceError
from berrys_app.services.tools import files
from berrys_app.ui.format import short_time
from berrys_app.ui.state.project_views import task_row
from berrys_app.usecases import project_lifecycle

TRANSCRIPT_LIMIT = 400


class TaskDrawer(rx.State, mixin=True):
    """The open task and what the drawer shows of it."""

    selected_id: str = ""
    drawer_open: bool = False
    transcript: list[dict[str, str]] = []
    task_artifacts: list[dict[str, str]] = []
    task_errors: list[dict[str, str]] = []

    @rx.var
    def selected(self) -> dict[str, Any]:
        return next((t for t in self._tasks if t["id"] == self.selected_id), {})

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
        self.task_artifacts = self._artifacts(task_id)
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
    def set_drawer_open(self, value: bool):
        self.drawer_open = value
        if not value:
            self.selected_id = ""
            self.transcript = []
            self.task_artifacts = []
            self.task_errors = []

    @rx.event
    def download_artifact(self, path: str):
        try:
            with session_scope() as session:
                row = files.get_artifact(session, self._actor(session), project_id=self._pid(), path=path)
        except ServiceError as exc:
            self.action_error = exc.message
            return None
        return rx.download(data=row.content, filename=path.rsplit("/", 1)[-1] or "artifact.txt")

    def _task_errors(self, task_id: str) -> list[dict[str, str]]:
        """Every failed attempt's error (the task row keeps only the last one)."""
        try:
            with session_scope() as session:
                rows = transcripts.task_errors(
                    session, self._actor(session), project_id=self._pid(), task_id=uuid.UUID(task_id)
                )
        except (ServiceError, ValueError):
            return []
        return [{**row, "at": short_time(row["at"])} for row in rows]

    def _recorded_transcript(self, task_id: str) -> list[dict[str, str]]:
        """The calls already recorded for this task (model and tool); live ones append."""
        try:
            with session_scope() as session:
                return transcripts.task_transcript(
                    session, self._actor(session), project_id=self._pid(), task_id=uuid.UUID(task_id)
                )
        except (ServiceError, ValueError):
            return []

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
        if kind == EventKind.MODEL_TOKEN:
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

    @rx.event
    def retry_task(self):
        """Run the open task again (waiting for a person or failed); the engine checks role and state."""
        try:
            task_id = uuid.UUID(self.selected_id)
        except ValueError:
            self.action_error = "open a task first"
            return rx.toast.error(self.action_error)
        result = self._act(project_lifecycle.retry_task, task_id=task_id)
        if not self.action_error:
            return rx.toast.success("the task will run again")
        return result
