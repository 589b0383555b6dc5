"""The project page's state: one ``ProjectState`` for header, plan graph, board, plan review,
task drawer, timeline and results, composed of one Reflex state mixin per part.

Loaded once from the services on page load; afterwards every change arrives as a
live event (``_on_live``) and is applied in memory, so the page never polls the DB.
Every action calls the engine with the signed-in Actor; the engine refuses what the
role may not do, the page only hides it. One state (not substates): a live event touches
several parts at once, and the parts read each other's rows.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import presence, projects
from berrys_app.services.errors import ServiceError
from berrys_app.services.transcripts import ERROR_KINDS, error_entry
from berrys_app.ui import live
from berrys_app.ui.format import PROJECT_STATUS_COLOR, as_dict, short_time
from berrys_app.ui.state.project_activity import ProjectActivity
from berrys_app.ui.state.project_board import TaskBoard
from berrys_app.ui.state.project_costs import ProjectCosts
from berrys_app.ui.state.project_drawer import TaskDrawer
from berrys_app.ui.state.project_forks import ProjectForks
from berrys_app.ui.state.project_plan import PlanReview
from berrys_app.ui.state.project_trace import TraceView
from berrys_app.ui.state.project_views import merge_live_event
from berrys_app.ui.state.session import SessionState
from berrys_app.usecases import project_lifecycle

PLAN_VERSION_RE = re.compile(r"\bplan v\d+")


class ProjectState(
    SessionState, PlanReview, TaskBoard, TaskDrawer, ProjectActivity, ProjectCosts, ProjectForks, TraceView
):
    """Everything the project page shows for one project."""

    project: dict[str, Any] = {}
    viewers: list[str] = []
    action_error: str = ""
    load_error: str = ""
    tab: str = "graph"
    _loaded_pid: str = ""
    _last_beat: float = 0.0  # time.time() of this tab's last heartbeat (0: not on a project page)

    @rx.var
    def status(self) -> str:
        return str(self.project.get("status", ""))

    @rx.var
    def status_note(self) -> str:
        """The status reason, naming the plan version the Plan card shows (a person's edit saves a
        new version without a new status, so a stored "plan v2 proposed" may be behind)."""
        note = str(self.project.get("status_reason") or "")
        if self.plan_version > 0:
            note = PLAN_VERSION_RE.sub(f"plan v{self.plan_version}", note)
        return note

    @rx.var
    def writing_report(self) -> bool:
        """Every task is done but the project is still executing: the report is being written."""
        if str(self.project.get("status", "")) != "executing":
            return False
        active = [t for t in self._tasks if t["status"] != "superseded"]
        return bool(active) and all(t["status"] in ("completed", "cancelled") for t in active)

    @rx.var
    def status_color(self) -> str:
        return PROJECT_STATUS_COLOR.get(str(self.project.get("status", "")), "gray")

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
        self.lineage = []
        self.diff_rows = []
        self.fork_open = False
        self._clear_trace()

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
        self._load_forks(session, actor, pid)

    def _reload(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        with session_scope() as session:
            actor = self._actor(session)
            self._load_all(session, actor, pid)

    def _safe_reload(self) -> None:
        try:
            self._reload()
        except ServiceError as exc:
            self.load_error = exc.message

    def _on_live(self, message: dict[str, Any]) -> None:
        """Apply one event to what the page shows (in memory; reload only when the plan changed)."""
        if self._orphaned():
            return
        kind = str(message.get("kind", ""))
        payload = message.get("payload") or {}
        task_id = str(message.get("task_id") or payload.get("task_id") or "")
        if kind == EventKind.ACCESS_LOST:  # removed from the team (or the project moved away)
            self._close_project()
            self.load_error = "You no longer have access to this project."
            return
        if kind == EventKind.PRESENCE_CHANGED:
            self.viewers = list(payload.get("viewers", []))
            return
        if kind.startswith("model."):
            self._add_usage(payload)
        if kind == EventKind.MODEL_USAGE:
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
            if kind in (EventKind.PROJECT_UPDATED, EventKind.PROJECT_FORK_CREATED):  # a fork joins the lineage
                self._safe_reload()
        elif kind.startswith(("plan.", "deliverable.")):
            self._safe_reload()

    @rx.event
    def set_tab(self, value: str):
        self.tab = value
        self._refresh_graph()
        if value == "results":  # read when shown: files are written while tasks run
            self.project_artifacts = self._artifacts()
        if value == "trace":  # read when shown: a look back at the run, not a live view
            self._load_trace()

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
        return self._act(project_lifecycle.request_plan)

    @rx.event
    def execute(self):
        return self._act(project_lifecycle.execute_project)

    @rx.event
    def pause(self):
        return self._act(project_lifecycle.pause_project)

    @rx.event
    def resume(self):
        return self._act(project_lifecycle.resume_project)

    @rx.event
    def cancel(self):
        return self._act(project_lifecycle.cancel_project)

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
