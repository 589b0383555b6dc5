"""The Audit log page's state: what happened in the team (admins; members' own rows are theirs)."""

from __future__ import annotations

import reflex as rx

from berrys_app.services import audit
from berrys_app.ui.format import short_date
from berrys_app.ui.state.workspace import PageState


class AuditState(PageState):
    entries: list[dict[str, str]] = []

    @rx.event
    def load(self):
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:
        rows, _ = audit.list_entries(session, actor, team_id=self._team_uuid(), page=1, per_page=200)
        self.entries = [
            {
                "at": short_date(e.created_at.isoformat()),
                "action": e.action,
                "actor": e.actor_label,
                "success": "ok" if e.success else "failed",
                "target": f"{e.target_type or ''} {e.target_id or ''}".strip(),
                "ip": e.ip or "",
            }
            for e in rows
        ]
