"""States of the Templates page (templates, triggers and their run log) and the Webhooks page
(endpoints, delivery log, redelivery). Thin: every read and write goes through the services,
which check role and scope; a refusal is shown as the page's message. Secrets (a trigger's
token, an endpoint's signing secret) are shown once, in the notice of the action that made them.
"""

from __future__ import annotations

from typing import Any, TypeVar

import reflex as rx
from pydantic import BaseModel, ValidationError

from berrys_app.db import session_scope
from berrys_app.domain.automation import ProjectTemplateCreate, TriggerCreate
from berrys_app.domain.webhooks import WEBHOOK_EVENT_TYPES, WebhookEndpointCreate
from berrys_app.services import projects, templates, triggers, webhooks
from berrys_app.services.errors import ServiceError, ValidationFailed
from berrys_app.ui.format import field_errors, label, short_date
from berrys_app.ui.state.workspace import PageState, parse_id
from berrys_app.usecases import template_starts

M = TypeVar("M", bound=BaseModel)


def parse_values(text: str) -> dict[str, str]:
    """``name=value`` lines (the parameters of a start or a schedule)."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValidationFailed(f"line {number}: write one name=value per line")
        values[name.strip()] = value.strip()
    return values


def checked(model: type[M], data: dict[str, Any]) -> M:
    """The form's values as ``model``, or ``ValidationFailed`` naming every field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        names = {name: label(name) for name in model.model_fields}
        raise ValidationFailed("; ".join(field_errors(exc.errors(), names).values())) from exc


def _when(value: Any) -> str:
    return short_date(value.isoformat()) if value else ""


class TemplatesState(PageState):
    templates: list[dict[str, str]] = []
    triggers: list[dict[str, str]] = []
    team_projects: list[dict[str, str]] = []
    runs: list[dict[str, str]] = []
    runs_of: str = ""
    notice: str = ""

    @rx.event
    def load(self):
        self.notice = ""
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:
        team = self._team_uuid()
        if team is None:
            return
        self.templates = [
            {
                "id": str(t.id),
                "name": t.name,
                "parameters": ", ".join(p["name"] + ("" if p.get("required", True) else "?") for p in t.parameters),
                "has_plan": "yes" if t.body.get("plan") else "planner",
                "updated": _when(t.updated_at),
            }
            for t in templates.list_templates(session, actor, team_id=team)
        ]
        names = {t["id"]: t["name"] for t in self.templates}
        self.triggers = [
            {
                "id": str(t.id),
                "name": t.name,
                "template": names.get(str(t.template_id), ""),
                "kind": label(t.kind),
                "when": f"{t.cron} ({t.timezone})" if t.cron else (t.hook_url or ""),
                "next": _when(t.next_run_at),
                "enabled": "on" if t.enabled else "off",
            }
            for t in triggers.list_triggers(session, actor, team_id=team)
        ]
        rows, _ = projects.list_projects(session, actor, team_id=team, per_page=100)
        self.team_projects = [{"id": str(p.id), "name": p.name} for p in rows]

    @rx.event
    def start_from_template(self, form: dict[str, Any]):
        """Start a project from the chosen template with ``name=value`` lines."""

        def act(session, actor) -> None:
            values = parse_values(str(form.get("values", "")))
            project = template_starts.start_project(session, actor, parse_id(form.get("template_id", "")), values)
            self.notice = f"Project {project.name!r} started ({project.status})."

        self._run(act)

    @rx.event
    def save_as_template(self, form: dict[str, Any]):
        """Copy a project (settings, objectives, plan) into a new template."""

        def act(session, actor) -> None:
            data = checked(
                ProjectTemplateCreate,
                {"name": str(form.get("name", "")).strip(), "from_project_id": parse_id(form.get("project_id", ""))},
            )
            row = templates.create_template(session, actor, team_id=self._team_uuid(), data=data)
            session.commit()
            self.notice = f"Template {row.name!r} saved; edit its body and parameters over REST or here."
            self._fetch(session, actor)

        self._run(act)

    @rx.event
    def create_trigger(self, form: dict[str, Any]):
        """A schedule (cron + time zone + fixed values) or an inbound webhook (token shown once)."""

        def act(session, actor) -> None:
            kind = str(form.get("kind", "schedule"))
            data = checked(
                TriggerCreate,
                {
                    "name": str(form.get("name", "")).strip() or "Trigger",
                    "kind": kind if kind in ("schedule", "webhook") else "schedule",
                    "cron": (str(form.get("cron", "")).strip() or None) if kind == "schedule" else None,
                    "timezone": str(form.get("timezone", "")).strip() or "UTC",
                    "params": parse_values(str(form.get("values", ""))),
                },
            )
            created = triggers.create_trigger(session, actor, parse_id(form.get("template_id", "")), data)
            session.commit()
            self.notice = (
                f"Webhook trigger created. POST to {created.hook_url} with the header "
                f"{triggers.TOKEN_HEADER}: {created.token} (shown only now)."
                if created.token
                else f"Schedule created; next run {_when(created.next_run_at)}."
            )
            self._fetch(session, actor)

        self._run(act)

    @rx.event
    def show_runs(self, trigger_id: str):
        def act(session, actor) -> None:
            self.runs_of = trigger_id
            self.runs = [
                {
                    "at": _when(r.created_at),
                    "slot": _when(r.slot),
                    "status": label(r.status),
                    "project": str(r.project_id or ""),
                    "error": r.error[:200],
                    "ip": r.source_ip or "",
                }
                for r in triggers.list_runs(session, actor, parse_id(trigger_id))
            ]

        self._run(act)


class WebhooksState(PageState):
    endpoints: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    deliveries_of: str = ""
    notice: str = ""
    event_types: list[str] = list(WEBHOOK_EVENT_TYPES)

    @rx.event
    def load(self):
        self.notice = ""
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:
        team = self._team_uuid()
        if team is None:
            return
        self.endpoints = [
            {
                "id": str(e.id),
                "url": e.url,
                "types": ", ".join(e.event_types),
                "description": e.description,
                "enabled": "on" if e.enabled else "off",
            }
            for e in webhooks.list_endpoints(session, actor, team_id=team)
        ]
        if self.deliveries_of:
            self._deliveries(session, actor)

    def _deliveries(self, session, actor) -> None:
        self.deliveries = [
            {
                "id": str(d.id),
                "at": _when(d.created_at),
                "type": d.event_type,
                "status": d.status,
                "attempts": str(d.attempts),
                "codes": ", ".join(str(a.status_code or "-") for a in d.attempt_log),
                "error": d.last_error[:200],
                "next": _when(d.next_attempt_at) if d.status == "pending" else "",
            }
            for d in webhooks.list_deliveries(session, actor, parse_id(self.deliveries_of))
        ]

    @rx.event
    async def create_endpoint(self, form: dict[str, Any]):
        """Subscribe a URL (the address is checked: async DNS); the signing secret is shown once."""
        self.error = ""
        chosen = [t for t in WEBHOOK_EVENT_TYPES if form.get(f"type_{t}") in ("on", True, "true")]
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                return self._to_login()
            try:
                data = checked(
                    WebhookEndpointCreate,
                    {
                        "url": str(form.get("url", "")).strip(),
                        "description": str(form.get("description", "")),
                        "event_types": chosen,
                    },
                )
                created = await webhooks.create_endpoint(session, actor, team_id=self._team_uuid(), data=data)
            except ServiceError as exc:
                self.error = exc.message
                return None
            self.notice = f"Webhook created. Its signing secret (shown only now): {created.secret}"
            self._fetch(session, actor)
        return None

    @rx.event
    def show_deliveries(self, webhook_id: str):
        def act(session, actor) -> None:
            self.deliveries_of = webhook_id
            self._deliveries(session, actor)

        self._run(act)

    @rx.event
    def redeliver(self, delivery_id: str):
        def act(session, actor) -> None:
            webhooks.redeliver(session, actor, parse_id(delivery_id))
            session.commit()
            self.notice = "Queued for redelivery (same webhook-id)."
            self._deliveries(session, actor)

        self._run(act)
