"""State of the Approvals inbox: plans, budget raises and tool calls waiting for a person.

A tool call shows what a person decides on: the tool, its target host and its arguments
as stored (secrets masked; credential references as ``${credentials.NAME}``)."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.collab import Approval
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import collab, keyset
from berrys_app.services.errors import ServiceError
from berrys_app.ui.format import human_error, human_time, label
from berrys_app.ui.state.nav import NavState
from berrys_app.ui.state.workspace import PageState, parse_id
from berrys_app.usecases import decisions


def call_summary(approval: Approval) -> dict[str, str]:
    """The tool call a tool approval asks about (empty for other kinds)."""
    details = approval.details or {}
    if not details.get("call_key"):
        return {"tool": "", "target": "", "arguments": ""}
    return {
        "tool": str(details.get("tool", "")),
        "target": str(details.get("target", "")),
        "arguments": json.dumps(details.get("arguments", {}), sort_keys=True)[:2000],
    }


REASON_MAX = 2000  # Approval.reason's column length
PER_PAGE = 50


class ApprovalsState(PageState):
    approvals: list[dict[str, str]] = []
    reasons: dict[str, str] = {}
    row_errors: dict[str, str] = {}  # the service's refusal, next to the row it is about
    next_cursor: str = ""  # where "More" goes on (services.keyset); empty: nothing more

    @rx.event
    def load(self):
        result = self._run(self._fetch)
        self._subscribe(f"team:{self.team_id}", ApprovalsState)
        return result

    @rx.event
    def more(self):
        """The next page of the inbox below the rows shown (read from the last one's cursor)."""
        return self._run(lambda session, actor: self._fetch(session, actor, cursor=self.next_cursor or None))

    def _fetch(self, session, actor, *, cursor: str | None = None) -> None:
        """The first page (a decision or a live change re-reads it), or the page after ``cursor``."""
        rows, total = collab.list_approvals(session, actor, team_id=self._team_uuid(), per_page=PER_PAGE, cursor=cursor)
        after = keyset.next_cursor(rows, per_page=PER_PAGE, total=total, page=1, key=keyset.created_key)
        self.next_cursor = after or ""
        shown = self.approvals if cursor else []
        self.approvals = shown + [
            {
                "id": str(a.id),
                "kind": a.kind,
                "kind_label": label(a.kind),
                "title": a.title,
                "project_id": str(a.project_id or ""),
                "requested_by": a.requested_by,
                "created": human_time(a.created_at),
                **call_summary(a),
            }
            for a in rows
        ]

    def _on_live(self, message: dict[str, Any]) -> None:
        kind = str(message.get("kind", ""))
        if kind.startswith(("plan.", "approval.")) or kind in (
            EventKind.TASK_WAITING,
            EventKind.PROJECT_STATUS_CHANGED,
        ):
            try:
                with session_scope() as session:
                    self._fetch(session, self._actor(session))
            except ServiceError:
                pass

    @rx.event
    def set_reason(self, approval_id: str, value: str):
        self.reasons = {**self.reasons, approval_id: value}

    @rx.event
    def decide(self, approval_id: str, approve: bool):
        try:
            with session_scope() as session:
                actor = self._actor(session)
                decisions.decide_approval(
                    session, actor, parse_id(approval_id), approve=approve, reason=self.reasons.get(approval_id)
                )
                self._fetch(session, actor)
        except ServiceError as exc:
            self.row_errors = {**self.row_errors, approval_id: human_error(exc)}
            return rx.toast.error(exc.message)
        self.row_errors = {k: v for k, v in self.row_errors.items() if k != approval_id}
        return [rx.toast.success("approved" if approve else "rejected"), NavState.count_pending]
