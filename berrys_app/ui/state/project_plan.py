"""Plan review on the project page: the version shown, approve/reject, and the editable table.

A state mixin of ``ProjectState``: it uses the page's ``_act``, ``_pid`` and ``_safe_reload``.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx
from pydantic import ValidationError

from berrys_app.db import session_scope
from berrys_app.services import planning, projects
from berrys_app.services.errors import ServiceError, ValidationFailed
from berrys_app.ui.format import as_dict
from berrys_app.ui.state.plan_table import (
    PLAN_EDIT_STATUSES,
    PLAN_FIELDS,
    diff_lines,
    plan_from_rows,
    plan_rows_from,
    split_list,
    validate_plan_rows,
)
from berrys_app.usecases import project_lifecycle


class PlanReview(rx.State, mixin=True):
    """The current plan version and the person's unsaved edits of it."""

    critical_path: list[str] = []
    plan_version: int = 0
    plan_status: str = ""
    plan_warnings: list[str] = []
    plan_diff: dict[str, list[str]] = {}
    plan_rows: list[dict[str, str]] = []
    plan_errors: dict[str, str] = {}
    plan_dirty: bool = False
    reject_reason: str = ""
    _plan_json: dict[str, Any] = {}

    @rx.var
    def plan_editable(self) -> bool:
        """Plans are edited in review or between runs; the engine refuses other states anyway."""
        return self.role in ("member", "admin", "owner") and str(self.project.get("status", "")) in PLAN_EDIT_STATUSES

    @rx.var
    def has_plan_errors(self) -> bool:
        return bool(self.plan_errors)

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

    @rx.event
    def approve(self):
        if self.plan_dirty:
            self.action_error = "save or discard your plan edits before approving"
            return rx.toast.error(self.action_error)
        return self._act(project_lifecycle.approve_plan)

    @rx.event
    def approve_and_run(self):
        """Approve, then start executing: the two service steps a person would take one by one."""
        if self.plan_dirty:
            self.action_error = "save or discard your plan edits before approving"
            return rx.toast.error(self.action_error)
        result = self._act(project_lifecycle.approve_plan)
        if self.action_error or str(self.project.get("status", "")) != "ready":
            return result  # refused, or a replan's approval already resumed execution
        return self._act(project_lifecycle.execute_project)

    @rx.event
    def set_reject_reason(self, value: str):
        self.reject_reason = value

    @rx.event
    def reject(self):
        reason = self.reject_reason.strip()
        if not reason:
            self.action_error = "give a reason for rejecting the plan"
            return rx.toast.error(self.action_error)
        result = self._act(project_lifecycle.reject_plan, reason=reason)
        if not self.action_error:
            self.reject_reason = ""
        return result

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
                project_lifecycle.submit_plan(session, self._actor(session), self._pid(), plan_in)
        except ServiceError as exc:
            self.plan_errors = {"plan": exc.message}
            return rx.toast.error(exc.message)
        self.plan_dirty = False
        self._safe_reload()
        return rx.toast.success("plan saved as a new version")

    @staticmethod
    def _plan_in(data: dict[str, Any]) -> planning.PlanIn:
        try:
            return planning.PlanIn.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(str(exc.errors()[0].get("msg", "invalid plan"))) from None
