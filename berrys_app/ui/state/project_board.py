"""The project's tasks on the page: the DAG graph, the board, progress and time left.

A state mixin of ``ProjectState``; live task events update ``_tasks`` in memory.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx
from plotly.graph_objects import Figure

from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import agents as agent_service
from berrys_app.services import projects
from berrys_app.ui.dag import dag_figure
from berrys_app.ui.format import TASK_STATUS_COLOR, as_dict
from berrys_app.ui.state.plan_table import deps_of
from berrys_app.ui.state.project_views import board_columns, remaining_minutes, task_row

TASK_EVENT_STATUS = {
    EventKind.TASK_STARTED: "running",
    EventKind.TASK_COMPLETED: "completed",
    EventKind.TASK_FAILED: "failed",
    EventKind.TASK_READY: "ready",
    EventKind.TASK_RETRYING: "retrying",
    EventKind.TASK_CANCELLED: "cancelled",
    EventKind.TASK_WAITING: "waiting_approval",
    EventKind.TASK_INTERRUPTED: "ready",
    EventKind.TASK_LEASE_EXPIRED: "ready",
}  # the status a task event implies when its payload names none


class TaskBoard(rx.State, mixin=True):
    """The tasks of the current plan (backend-only); the browser gets the visible tab's view of them."""

    graph: Figure = Figure(layout={"template": "none"})
    _tasks: list[dict[str, Any]] = []

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
    def board(self) -> list[dict[str, Any]]:
        if self.tab != "board":  # only the visible tab is computed and sent on each live update
            return []
        return board_columns(self._tasks)

    def _refresh_graph(self) -> None:
        """Redraw the DAG, only while its tab is shown (building a 500-node figure costs
        milliseconds that every live update on the other tabs should not pay)."""
        if self.tab == "graph":
            self.graph = dag_figure([t for t in self._tasks if t["status"] != "superseded"], self.critical_path)

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
        return agent_service.agent_names(session, {row.agent_id for row in rows if getattr(row, "agent_id", None)})

    def _apply_task(self, task_id: str, kind: str, payload: dict[str, Any]) -> None:
        status = payload.get("status") or payload.get("to") or TASK_EVENT_STATUS.get(kind)
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
        elif task_id == self.selected_id and kind in (EventKind.TASK_COMPLETED, EventKind.TASK_FAILED):
            self._refresh_selected()

    @rx.event
    def open_task_from_graph(self, points: list[dict[str, Any]]):
        visible = [t for t in self._tasks if t["status"] != "superseded"]
        for point in points or []:
            index = point.get("pointIndex", point.get("pointNumber"))
            if point.get("curveNumber") == 2 and isinstance(index, int) and 0 <= index < len(visible):
                return type(self).open_task(visible[index]["id"])
        return None
