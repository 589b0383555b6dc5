"""The project's activity and results: the timeline with comments, deliverables and files.

A state mixin of ``ProjectState``; new events are merged into ``_timeline`` by ``_on_live``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.services import collab, events, projects
from berrys_app.services.errors import ServiceError
from berrys_app.services.tools import files
from berrys_app.ui.format import as_dict, markdown_text
from berrys_app.ui.state.project_views import TIMELINE_LIMIT, event_row, filter_timeline


class ProjectActivity(rx.State, mixin=True):
    """Timeline rows (backend-only, the visible filter is sent), the comment box, results."""

    timeline_filter: str = "all"
    comment_text: str = ""
    deliverables: list[dict[str, str]] = []
    project_artifacts: list[dict[str, str]] = []
    _timeline: list[dict[str, Any]] = []

    @rx.var
    def filtered_timeline(self) -> list[dict[str, Any]]:
        if self.tab != "timeline":
            return []
        return filter_timeline(self._timeline, self.timeline_filter)

    @rx.event
    def set_timeline_filter(self, value: str):
        self.timeline_filter = value

    def _load_timeline(self, session, actor, pid: uuid.UUID) -> None:
        rows = events.list_recent(session, project_id=pid, limit=TIMELINE_LIMIT)
        self._timeline = [event_row(events.to_message(row)) for row in rows]

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

    def _artifacts(self, task_id: str | None = None) -> list[dict[str, str]]:
        """Files the project's tasks wrote to its workspace (all, or one task's); the tool service
        checks the role."""
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

    @rx.event
    def download(self, deliverable_id: str):
        item = next((d for d in self.deliverables if d["id"] == deliverable_id), None)
        if item is None:
            return None
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", item["title"]).strip("-") or "deliverable"
        return rx.download(data=item["content"], filename=f"{name}.md")
