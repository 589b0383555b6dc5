"""Cost and budget on the project page: usage (live from each model call) and the settings
dialog that raises the budget or moves the deadline through the engine's ``update_project``.

A state mixin of ``ProjectState``.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from berrys_app.domain.projects import ProjectUpdate
from berrys_app.services import projects
from berrys_app.services.errors import ServiceError
from berrys_app.ui.format import as_dict, money
from berrys_app.ui.state.project_views import parse_settings


class ProjectCosts(rx.State, mixin=True):
    """Spend so far and the settings dialog's fields."""

    cost_usd: float = 0.0
    tokens_used: int = 0
    settings_open: bool = False
    settings_budget: str = ""
    settings_tokens: str = ""
    settings_deadline: str = ""
    settings_errors: dict[str, str] = {}

    @rx.var
    def budget_text(self) -> str:
        budget = self.project.get("budget_usd")
        return f"{money(self.cost_usd)} of {money(budget)}" if budget else f"{money(self.cost_usd)} (no budget)"

    @rx.var
    def budget_pct(self) -> int:
        budget = self.project.get("budget_usd")
        return min(100, round(100 * self.cost_usd / budget)) if budget else 0

    def _load_usage(self, session, actor, pid: uuid.UUID) -> None:
        try:
            usage = as_dict(projects.project_usage(session, actor, pid))
        except ServiceError:
            usage = {}
        self.cost_usd = float(usage.get("cost_usd") or 0)
        self.tokens_used = int(usage.get("tokens") or usage.get("total_tokens") or 0)

    def _add_usage(self, payload: dict[str, Any]) -> None:
        """A model call's cost and tokens (published live by the model layer after each call)."""
        cost, tokens = payload.get("cost_usd"), payload.get("tokens")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            self.cost_usd = round(self.cost_usd + float(cost), 6)
        if isinstance(tokens, int) and not isinstance(tokens, bool):
            self.tokens_used += tokens

    @rx.event
    def open_settings(self):
        budget, tokens = self.project.get("budget_usd"), self.project.get("budget_tokens")
        self.settings_budget = "" if budget is None else f"{float(budget):g}"
        self.settings_tokens = "" if tokens is None else str(tokens)
        self.settings_deadline = str(self.project.get("deadline") or "")[:10]
        self.settings_errors = {}
        self.settings_open = True

    @rx.event
    def set_settings_open(self, value: bool):
        self.settings_open = value

    @rx.event
    def set_settings_budget(self, value: str):
        self.settings_budget = value

    @rx.event
    def set_settings_tokens(self, value: str):
        self.settings_tokens = value

    @rx.event
    def set_settings_deadline(self, value: str):
        self.settings_deadline = value

    @rx.event
    def save_settings(self):
        """Raise (or lower) the budget and move the deadline through the engine's update_project."""
        values, self.settings_errors = parse_settings(
            self.settings_budget, self.settings_tokens, self.settings_deadline
        )
        if self.settings_errors:
            return rx.toast.error("fix the highlighted fields first")
        current = {
            "budget_usd": self.project.get("budget_usd"),
            "budget_tokens": self.project.get("budget_tokens"),
            "deadline": str(self.project.get("deadline") or "")[:10] or None,
        }
        changes = {
            key: value
            for key, value in values.items()
            if (value.date().isoformat() if key == "deadline" and value is not None else value) != current[key]
        }
        if not changes:
            self.settings_open = False
            return None
        result = self._act(projects.update_project, data=ProjectUpdate(**changes))
        if self.action_error:
            self.settings_errors = {"form": self.action_error}
            return result
        self.settings_open = False
        return rx.toast.success("project settings saved")
