"""Connect a model (Models page): a team admin adds the team's own endpoint with its key, tests
the connection with one real call and makes a model the team default.

The key goes from the submitted form straight to the service (sealed there) and is never kept
in this state, so it never travels back to a browser. The services check the admin role.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from berrys_app.db import session_scope
from berrys_app.domain.models import ModelEntryCreate
from berrys_app.services.errors import ServiceError
from berrys_app.services.models import catalogue_teams
from berrys_app.ui.state.workspace import PageState, parse_id

# what the form offers -> (litellm provider prefix, the endpoint it suggests)
KINDS: dict[str, tuple[str, str]] = {
    "OpenAI-compatible": ("openai", ""),
    "OpenAI": ("openai", "https://api.openai.com/v1"),
    "Anthropic": ("anthropic", "https://api.anthropic.com"),
    "Ollama": ("ollama_chat", "http://localhost:11434"),
}
FIELD_LABELS = {"name": "Model id", "api_base": "Endpoint URL", "api_key": "API key", "display_name": "Display name"}


def _readable(exc: ValidationError) -> str:
    """Every problem of the form at once, named by its label."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        parts.append(f"{FIELD_LABELS.get(field, field)}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


class ConnectModelState(PageState):
    kind: str = "OpenAI-compatible"
    endpoint: str = ""
    team_models: list[dict[str, str]] = []  # this team's own models (no key, only whether one is stored)
    choices: list[str] = []  # what may be the team default
    default_model: str = ""
    notice: str = ""  # the last action's outcome
    notice_ok: bool = True
    testing: str = ""  # the model being tested

    @rx.event
    def load(self):
        return self._run(self._fetch)

    @rx.event
    def set_kind(self, kind: str):
        self.kind = kind if kind in KINDS else "OpenAI-compatible"
        self.endpoint = KINDS[self.kind][1]

    @rx.event
    def set_endpoint(self, value: str):
        self.endpoint = value

    def _fetch(self, session, actor) -> None:
        team = self._team_uuid()
        rows = catalogue_teams.visible_models(session, actor)
        self.team_models = [
            {
                "id": str(m.id),
                "name": m.name,
                "label": m.display_name or m.name,
                "endpoint": m.api_base or "(provider's own API)",
                "key": "stored" if m.api_key_sealed else "none",
                "state": "active" if m.active else "inactive",
            }
            for m in rows
            if team is not None and m.team_id == team
        ]
        self.choices = catalogue_teams.pickable(rows, team)
        self.default_model = catalogue_teams.team_default(session, team) or ""

    def _say(self, text: str, *, ok: bool) -> None:
        self.notice, self.notice_ok = text, ok

    @rx.event
    def connect(self, form: dict[str, Any]):
        """Add the endpoint as a team model (the service seals the key and vets the host)."""
        prefix = KINDS.get(self.kind, KINDS["OpenAI-compatible"])[0]
        model_id = str(form.get("model_id", "")).strip()
        fields = {
            "name": f"{prefix}/{model_id}",
            "api_base": str(form.get("api_base", "")).strip() or None,
            "api_key": str(form.get("api_key", "")) or None,
            "display_name": str(form.get("display_name", "")).strip(),
            "capabilities": ["chat", "tools", "json"],
        }
        try:
            data = ModelEntryCreate.model_validate(fields)
        except ValidationError as exc:
            return self._say(_readable(exc), ok=False)
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                return self._to_login()
            try:
                row = catalogue_teams.add_model(session, actor, team_id=parse_id(self.team_id), data=data)
                self._say(f"{row.name} connected. Test the connection to make one real call.", ok=True)
                self._fetch(session, actor)
            except ServiceError as exc:
                self._say(exc.message, ok=False)
        return rx.set_value("connect-api-key", "")  # the key field is emptied at once

    @rx.event
    async def test_connection(self, model_id: str):
        """One real call through the same service path every agent uses."""
        self.testing = model_id
        yield
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                self.testing = ""
                yield self._to_login()
                return
            try:
                check = await catalogue_teams.check_connection(session, actor, parse_id(model_id))
                if check.ok:
                    self._say(f"{check.model} answered in {check.latency_ms / 1000:.1f} s: {check.reply}", ok=True)
                else:
                    self._say(f"{check.model} failed ({check.reason}): {check.reply}", ok=False)
            except ServiceError as exc:
                self._say(exc.message, ok=False)
        self.testing = ""

    @rx.event
    def make_default(self, name: str):
        with session_scope() as session:
            actor = self._identify(session)
            if actor is None:
                return self._to_login()
            try:
                catalogue_teams.set_team_default(session, actor, team_id=parse_id(self.team_id), name=name or None)
                self._say(f"New projects of this team now run on {name or 'the operator default'}.", ok=True)
                self._fetch(session, actor)
            except ServiceError as exc:
                self._say(exc.message, ok=False)
        return None
