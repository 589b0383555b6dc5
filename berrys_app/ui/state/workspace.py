"""States of the team-wide pages: Team, Profile (API keys), Agents, Models, Tools, Audit
(the Approvals inbox: ``approvals.py``).

Each loader authenticates, reads through the services with the Actor (the services
enforce roles: e.g. the audit log needs admin), and keeps plain dicts for the page.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.work import Task
from berrys_app.services import agents, collab, team_usage, teams
from berrys_app.services.collab import FEED_PREFIXES
from berrys_app.services.errors import ServiceError, ValidationFailed
from berrys_app.services.models import catalogue_teams
from berrys_app.services.tools import mcp_servers, registry, vault
from berrys_app.settings import get_settings
from berrys_app.ui import usage_charts
from berrys_app.ui.format import actor_label, brief, label, model_label, money, per_million, short_date
from berrys_app.ui.state.session import SessionState

ROLES = ["viewer", "member", "admin", "owner"]
ACTIVITY_PER_PAGE = 15


def parse_id(value: str) -> uuid.UUID:
    """An id sent by the browser; a malformed (crafted) one is a refusal shown like any other."""
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise ValidationFailed("not a valid id") from error


class PageState(SessionState):
    """Shared loader plumbing: authenticate, run ``_fetch``, show a refusal as a message."""

    error: str = ""

    def _run(self, fetch) -> Any:
        self.error = ""
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                return self._to_login()
            try:
                fetch(session, actor)
            except ServiceError as exc:
                self.error = exc.message
        return None


class TeamState(PageState):
    members: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    activity: list[dict[str, str]] = []
    activity_page: int = 1
    invite_error: str = ""
    invite_notice: str = ""
    new_team_open: bool = False
    new_team_error: str = ""

    @rx.var
    def activity_pages(self) -> int:
        return max(1, -(-len(self.activity) // ACTIVITY_PER_PAGE))

    @rx.var
    def activity_rows(self) -> list[dict[str, str]]:
        start = (min(self.activity_page, self.activity_pages) - 1) * ACTIVITY_PER_PAGE
        return self.activity[start : start + ACTIVITY_PER_PAGE]

    @rx.event
    def activity_go(self, delta: int):
        self.activity_page = min(max(1, self.activity_page + delta), self.activity_pages)

    @rx.event
    def load(self):
        self.invite_notice = ""
        result = self._run(self._fetch)
        self._subscribe(f"team:{self.team_id}", TeamState)
        return result

    def _on_live(self, message: dict[str, Any]) -> None:
        """Members and the activity feed follow the team's people-level events."""

        if str(message.get("kind", "")).startswith(FEED_PREFIXES):
            with contextlib.suppress(ServiceError), session_scope() as session:
                self._fetch(session, self._actor(session))

    def _fetch(self, session, actor) -> None:

        self.activity = [
            {
                "at": short_date(e.created_at.isoformat()),
                "actor": actor_label(e.actor),
                "kind": label(e.kind),
                "what": _activity_text(e),
            }
            for e in collab.recent_activity(session, actor, team_id=self._team_uuid())
        ]

        self.members = [
            {"user_id": str(m.user_id), "email": m.email, "name": m.name, "role": m.role.value}
            for m in teams.list_members(session, actor, self._team_uuid())
        ]
        self.invitations = []
        if self.is_admin:  # the service refuses the list below admin; the page hides it too
            self.invitations = [
                {
                    "id": str(i.id),
                    "email": i.email,
                    "role": i.role.value,
                    "status": "accepted" if i.accepted_at else "pending",
                    "created": short_date(i.created_at.isoformat()),
                }
                for i in reversed(teams.list_invitations(session, actor, self._team_uuid()))
            ]

    def _do(self, action) -> Any:
        try:
            with session_scope() as session:
                actor = self._actor(session)
                action(session, actor)
                self._fetch(session, actor)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event
    def invite(self, form: dict[str, Any]):
        """Invite by email: nobody joins without accepting (a registered person on their Profile page)."""

        email = str(form.get("email", "")).strip()
        role = str(form.get("role") or "member")
        self.invite_error = ""
        self.invite_notice = ""
        if not email:
            self.invite_error = "enter an email address"
            return None
        try:
            with session_scope() as session:
                actor = self._actor(session)
                invitation = teams.invite(session, actor, self._team_uuid(), email=email, role=role)
                self._fetch(session, actor)
        except ServiceError as exc:
            self.invite_error = exc.message
            return None
        self.invite_notice = (
            f"{invitation.email} is invited as {invitation.role.value}; we mailed them a link. They join when "
            "they accept it (the link, or their Profile page once their address is confirmed)."
        )
        return None

    @rx.event
    def revoke_invitation(self, invitation_id: str):

        return self._do(lambda s, a: teams.revoke_invitation(s, a, self._team_uuid(), parse_id(invitation_id)))

    @rx.event
    def change_role(self, user_id: str, role: str):

        return self._do(lambda s, a: teams.change_role(s, a, self._team_uuid(), parse_id(user_id), role=role))

    @rx.event
    def remove(self, user_id: str):

        return self._do(lambda s, a: teams.remove_member(s, a, self._team_uuid(), parse_id(user_id)))

    @rx.event
    def set_new_team_open(self, value: bool):
        self.new_team_open = value
        self.new_team_error = ""

    @rx.event
    def create_team(self, form: dict[str, Any]):
        """A new team owned by this user; the page switches to it."""

        self.new_team_error = ""
        try:
            with session_scope() as session:
                actor = self._actor(session)
                team = teams.create_team(session, actor, name=str(form.get("name", "")))
                self.team_id = str(team.id)
                self._load_identity(session, actor)
                self._fetch(session, actor)
        except ServiceError as exc:
            self.new_team_error = exc.message
            return None
        self.new_team_open = False
        return rx.toast.success(f"team {team.name} created")


def _activity_text(event: Any) -> str:
    payload = event.payload or {}
    text = payload.get("body") or payload.get("excerpt") or payload.get("name") or payload.get("title") or ""
    if not text and event.kind.startswith("member."):
        text = " → ".join(str(payload[k]) for k in ("from", "to", "role") if payload.get(k))
    if text:
        return str(text)[:500]
    return label(str(payload.get("status") or payload.get("to") or ""))  # a status, as every page shows it


class AgentsState(PageState):
    """Agent templates and the team's agents with their live state."""

    templates: list[dict[str, str]] = []
    agents: list[dict[str, str]] = []

    @rx.event
    def load(self):
        result = self._run(self._fetch)
        self._subscribe(f"team:{self.team_id}", AgentsState)
        return result

    def _fetch(self, session, actor) -> None:

        self.templates = [
            {
                "name": t.name,
                "role": t.role,
                "capabilities": ", ".join(t.capabilities),
                "model": model_label(t.preferred_model, get_settings().default_model),
                "tools": ", ".join(t.allowed_tools) or "—",
            }
            for t in agents.browse_templates(session, actor)
        ]
        rows = agents.list_team_agents(session, actor, team_id=self._team_uuid())
        running = _running_tasks(session, [uuid.UUID(a["id"]) for a in rows])
        default_model = get_settings().default_model
        self.agents = [
            {**a, "model": model_label(a.get("model"), default_model), "task_id": running.get(a["id"], "")}
            for a in rows
        ]

    def _on_live(self, message: dict[str, Any]) -> None:
        """Status and current task follow the team's events in memory (one title lookup per start)."""
        kind = str(message.get("kind", ""))
        payload = message.get("payload") or {}
        task_id = str(message.get("task_id") or "")
        if kind == EventKind.TASK_STARTED and task_id:
            agent_id = str(payload.get("agent_id") or "")
            if any(a["id"] == agent_id for a in self.agents):
                title = _task_title(task_id)
                self.agents = [
                    {**a, "task": title, "task_id": task_id, "status": "active"} if a["id"] == agent_id else a
                    for a in self.agents
                ]
            return
        if kind.startswith("task.") and task_id:
            if any(a["task_id"] == task_id for a in self.agents):
                self.agents = [{**a, "task": "—", "task_id": ""} if a["task_id"] == task_id else a for a in self.agents]
            return
        if kind != EventKind.AGENT_STATUS_CHANGED:
            return
        agent_id = payload.get("agent_id")
        if any(a["id"] == agent_id for a in self.agents):
            self.agents = [
                {**a, "status": payload.get("to", a["status"])} if a["id"] == agent_id else a for a in self.agents
            ]
        else:
            with session_scope() as session:
                self._fetch(session, self._actor(session))


def _running_tasks(session, agent_ids: list[uuid.UUID]) -> dict[str, str]:
    """agent id -> the id of the task it runs now (to clear it when that task ends)."""
    from sqlmodel import col, select

    if not agent_ids:
        return {}
    rows = session.exec(
        select(Task.agent_id, Task.id).where(col(Task.agent_id).in_(agent_ids), Task.status == "running")
    ).all()
    return {str(agent_id): str(task_id) for agent_id, task_id in rows}


def _task_title(task_id: str) -> str:

    try:
        with session_scope() as session:
            task = session.get(Task, uuid.UUID(task_id))
    except ValueError:
        return "—"
    return task.title if task is not None else "—"


USAGE_KINDS = (
    EventKind.TASK_COMPLETED,
    EventKind.TASK_FAILED,
    EventKind.TASK_WAITING,
    EventKind.PROJECT_STATUS_CHANGED,
)
USAGE_REFRESH_S = 1.0


class ModelsState(PageState):
    """The model catalogue and the team's usage by model and by day."""

    models: list[dict[str, str]] = []
    by_model: list[dict[str, Any]] = []
    total_cost: str = ""
    total_tokens: str = ""

    @rx.var
    def model_chart(self) -> go.Figure:
        return usage_charts.cost_by_model(self.by_model)

    @rx.var
    def token_chart(self) -> go.Figure:
        return usage_charts.tokens_by_model(self.by_model)

    day_series: list[dict[str, Any]] = []

    @rx.var
    def day_chart(self) -> go.Figure:
        return usage_charts.cost_by_day(self.day_series)

    _usage_read_at: float = 0.0

    @rx.event
    def load(self):
        result = self._run(self._fetch)
        self._subscribe(f"team:{self.team_id}", ModelsState)
        return result

    def _on_live(self, message: dict[str, Any]) -> None:
        """Usage follows the team's runs: re-read it when a task or project ends (a task's model calls
        are committed with its completion). During a busy run at most once per USAGE_REFRESH_S; a
        project's status change is always read, so the figures a run ends with are never skipped."""
        kind = str(message.get("kind", ""))
        if kind not in USAGE_KINDS:
            return
        now = time.monotonic()
        if kind != EventKind.PROJECT_STATUS_CHANGED and now - self._usage_read_at < USAGE_REFRESH_S:
            return
        self._usage_read_at = now
        with session_scope() as session:
            try:
                self._fetch(session, self._actor(session))
            except ServiceError as exc:
                self.error = exc.message

    def _fetch(self, session, actor) -> None:

        team = self._team_uuid()
        self.models = [
            {
                "name": m.name,
                "owner": "operator" if m.team_id is None else "this team",
                "provider": m.provider,
                "capabilities": ", ".join(m.capabilities),
                "context": f"{m.context_window:,}",
                "price": per_million(m.input_price, m.output_price),
                "active": "active" if m.active else "inactive",
            }
            for m in catalogue_teams.visible_models(session, actor)
            if m.team_id in (None, team)  # the global catalogue and the selected team's (names are per team)
        ]
        usage = team_usage.team_usage(session, actor, team) if team else {"by_model": [], "by_day": []}
        self.by_model = [
            {
                "model": r["model"],
                "cost": round(r["cost_usd"], 6),
                "tokens": r["tokens"],
                "prompt": r["prompt_tokens"],
                "completion": r["completion_tokens"],
            }
            for r in usage["by_model"]
        ]
        self.day_series = [
            {"day": r["day"], "cost": round(r["cost_usd"], 6), "tokens": r["tokens"]} for r in usage["by_day"]
        ]
        self.total_cost = money(sum(r["cost_usd"] for r in usage["by_model"]))
        self.total_tokens = f"{sum(r['tokens'] for r in usage['by_model']):,}"


class ToolsState(PageState):
    tools: list[dict[str, str]] = []
    servers: list[dict[str, str]] = []
    credentials: list[dict[str, str]] = []

    @rx.event
    def load(self):
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:

        team = self._team_uuid()
        self.tools = [
            {
                "name": t.name,
                "version": str(t.version),
                "kind": t.kind,
                "category": t.category,
                "description": brief(t.description),
                "active": "active" if t.is_active else "inactive",
                "approval": label(t.approval_policy),  # "Side effects", not side_effects
            }
            for t in registry.list_tools(session, actor, team_id=team)
        ]
        self.servers = [
            {"name": s.name, "transport": s.transport, "status": s.status, "tools": ", ".join(s.tool_names)}
            for s in mcp_servers.list_mcp_servers(session, actor, team_id=team)
        ]
        try:
            creds = vault.list_credentials(session, actor, team_id=team)
        except ServiceError:  # credentials need a higher role: show the tools anyway
            creds = []
        self.credentials = [
            {
                "name": c.name,
                "kind": c.kind,
                "hint": c.hint,
                "tools": ", ".join(c.tool_names) or "any",
                "hosts": ", ".join(c.allowed_hosts) or "none: no http tool may send it until an admin sets hosts",
                "headers": ", ".join(c.header_names) or "any",
            }
            for c in creds
        ]
