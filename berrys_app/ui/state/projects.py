"""The projects list and the New Project form.

The form is validated with the same ``ProjectCreate`` schema the REST API uses;
field errors are shown next to the field, service refusals above the form.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import keyset, projects
from berrys_app.services.errors import ServiceError
from berrys_app.services.models import catalogue_teams
from berrys_app.ui.format import PROJECT_STATUS_COLOR, as_dict, field_errors, money, short_date
from berrys_app.ui.state.session import SessionState

PER_PAGE = 20


def project_row(project: Any) -> dict[str, Any]:
    """What one list row shows; progress/cost come along when the service provides them."""
    data = as_dict(project)
    done = int(data.get("tasks_done") or data.get("done") or 0)
    total = int(data.get("tasks_total") or data.get("total_tasks") or 0)
    return {
        "id": data.get("id", ""),
        "name": data.get("name", ""),
        "status": data.get("status", ""),
        "color": PROJECT_STATUS_COLOR.get(data.get("status", ""), "gray"),
        "progress": round(100 * done / total) if total else 0,
        "tasks": f"{done}/{total}" if total else "—",
        "cost": money(data.get("cost_usd")) if data.get("cost_usd") is not None else "—",
        "owner": str(data.get("owner_name") or data.get("created_by_name") or data.get("owner") or ""),
        "updated": short_date(data.get("updated_at")),
    }


FIELD_NAMES = {
    "name": "Name",
    "objectives": "Objectives",
    "objectives[]": "Objective",
    "description": "Description",
    "constraints": "Constraints",
    "budget_usd": "Budget",
    "budget_tokens": "Token budget",
    "max_agents": "Max agents",
    "model": "Model",
    "deadline": "Deadline",
}


def form_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors keyed by the form field they belong to, in the form's words."""
    return field_errors(exc.errors(), FIELD_NAMES)


def parse_deadline(raw: str, *, now: datetime | None = None) -> datetime | str | None:
    """The form's ``datetime-local`` value (taken as UTC) -> a datetime, None, or an error message."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        return "a date and time, e.g. 2030-01-31 17:00"
    if value <= (now or datetime.now(UTC)):
        return "must be in the future"
    return value


class ProjectsState(SessionState):
    """Projects of the current team: list, filters, and the create dialog."""

    projects: list[dict[str, Any]] = []
    total: int = 0  # counted on page 1 only; later pages are read by cursor (services.keyset)
    page: int = 1
    cursors: list[str] = []  # the cursor each page after the first starts at (page n: cursors[n - 2])
    next_cursor: str = ""
    query: str = ""
    status_filter: str = "all"
    list_error: str = ""
    dialog_open: bool = False
    errors: dict[str, str] = {}
    busy: bool = False
    _last_refresh: float = 0.0

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @rx.event
    def load(self):
        self.page, self.cursors = 1, []  # cursors belong to the team and filters they were read with
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                return self._to_login()
            self._fetch(session, actor)
        self._subscribe(f"team:{self.team_id}", ProjectsState)
        return None

    def _fetch(self, session, actor) -> None:

        team = self._team_uuid()
        self.list_error = ""
        cursor = self.cursors[self.page - 2] if self.page > 1 else None
        try:
            rows, total = projects.list_projects(
                session,
                actor,
                team_id=team,
                per_page=PER_PAGE,
                status=None if self.status_filter == "all" else self.status_filter,
                q=self.query or None,
                cursor=cursor,
            )
        except ServiceError as exc:
            self.list_error = exc.message
            rows, total = [], 0
        self.projects = [project_row(self._enrich(session, actor, row)) for row in rows]
        if total is not None:
            self.total = total
        after = keyset.next_cursor(rows, per_page=PER_PAGE, total=total, page=1, key=keyset.created_key)
        self.next_cursor = after or ""

    @staticmethod
    def _enrich(session, actor, project) -> dict[str, Any]:
        """Add progress, cost and the owner's name to a project row."""

        data = as_dict(project)
        try:
            usage = projects.project_usage(session, actor, project.id)
        except ServiceError:
            usage = {}
        counts = usage.get("tasks") or {}
        data["tasks_done"] = int(counts.get("completed", 0))
        data["tasks_total"] = sum(int(v) for k, v in counts.items() if k != "superseded")
        data["cost_usd"] = usage.get("cost_usd")
        owner = session.get(User, project.created_by) if project.created_by else None
        data["owner_name"] = (owner.name or owner.email) if owner else ""
        return data

    def _refresh(self) -> None:
        """Re-read the list; a refusal (signed out, rate limited) is shown, never raised."""
        try:
            with session_scope() as session:
                self._fetch(session, self._actor(session))
        except ServiceError as exc:
            self.list_error = exc.message

    def _on_live(self, message: dict[str, Any]) -> None:
        """A project of this team changed somewhere: re-read the visible page (no polling).

        Task completions refresh at most once a second (a 500-task run must not turn
        into 500 list reloads); status changes always refresh."""
        kind = str(message.get("kind", ""))
        if kind == EventKind.TASK_COMPLETED:
            now = time.monotonic()
            if now - self._last_refresh < 1.0:
                return
            self._last_refresh = now
        if kind.startswith(("project.", EventKind.TASK_COMPLETED, "plan.")):
            with contextlib.suppress(ServiceError):
                self._refresh()

    @rx.event
    def set_query(self, value: str):
        self.query = value
        self.page, self.cursors = 1, []
        self._refresh()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        self.page, self.cursors = 1, []
        self._refresh()

    @rx.event
    def go_page(self, delta: int):
        """One page on (from the last row's cursor) or back (to the cursor it started at)."""
        if delta > 0 and self.next_cursor:
            self.cursors = [*self.cursors[: self.page - 1], self.next_cursor]
            self.page += 1
        elif delta < 0 and self.page > 1:
            self.page -= 1
        else:
            return
        self._refresh()

    model_choices: list[str] = []
    demo_model: bool = False  # new projects would run on the tiny embedded model: say so

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        self.errors = {}
        if value:
            self._load_model_choices()

    def _load_model_choices(self) -> None:
        """Active catalogue models this team may use (global ones and the team's own)."""

        team = self._team_uuid()
        try:
            with session_scope() as session:
                rows = catalogue_teams.visible_models(session, self._actor(session), active_only=True)
                self.demo_model = catalogue_teams.is_demo_model(session, team)
        except ServiceError:
            rows = []
        self.model_choices = catalogue_teams.pickable(rows, team)

    @rx.event
    def create(self, form: dict[str, Any]):
        """Validate with ``ProjectCreate``, create via the service, open the new project."""

        self.errors = {}
        data = self._form_to_data(form)
        try:  # validated even when a field already failed to parse: every error shows at once
            create = ProjectCreate.model_validate(data)
        except ValidationError as exc:
            self.errors = {**form_errors(exc), **self.errors}
            return None
        if self.errors:
            return None
        try:
            with session_scope() as session:
                actor = self._actor(session)
                project = projects.create_project(session, actor, team_id=self._team_uuid(), data=create)
                project_id = str(project.id)
        except ServiceError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            self.errors = {str(k): str(v) for k, v in details.items()} or {"form": exc.message}
            self.errors.setdefault("form", exc.message)
            return None
        self.dialog_open = False
        return rx.redirect(f"/projects/{project_id}")

    def _form_to_data(self, form: dict[str, Any]) -> dict[str, Any]:

        objectives = [line.strip() for line in str(form.get("objectives", "")).splitlines() if line.strip()]
        description = str(form.get("description", "")).strip()
        constraints = str(form.get("constraints", "")).strip()
        data: dict[str, Any] = {
            "name": str(form.get("name", "")),
            "objectives": objectives,
            "description": description,
            "auto_approve": form.get("auto_approve") in ("on", True, "true"),
        }
        if "constraints" in ProjectCreate.model_fields:
            data["constraints"] = [c.strip() for c in constraints.splitlines() if c.strip()]
        elif constraints:
            data["description"] = (description + "\n\nConstraints:\n" + constraints).strip()
        if not objectives:
            self.errors["objectives"] = "Objectives: add at least one (one per line)"
        for key, cast in (("budget_usd", float), ("budget_tokens", int), ("max_agents", int)):
            raw = str(form.get(key, "")).strip()
            if not raw:
                continue
            try:
                data[key] = cast(raw)
            except ValueError:
                wanted = "a number" if cast is float else "a whole number"
                self.errors[key] = f"{FIELD_NAMES[key]}: {wanted}"
        model = str(form.get("model", "")).strip()
        if model and model != "default":
            data["model"] = model
        deadline = parse_deadline(str(form.get("deadline", "")))
        if isinstance(deadline, str):
            self.errors["deadline"] = f"Deadline: {deadline}"
        elif deadline is not None:
            data["deadline"] = deadline
        return data
