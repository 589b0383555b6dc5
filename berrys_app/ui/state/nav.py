"""What the navigation shows besides the links: the number of approvals waiting for the team,
kept live (``live.watch_badge``: every approval opened or decided in the team counts again)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.services import collab, sessions
from berrys_app.services.errors import ServiceError
from berrys_app.ui import live
from berrys_app.ui.state.session import SessionState


class NavState(SessionState):
    pending_approvals: int = 0

    @rx.event
    def count_pending(self):
        """On every page mount: count, and have the badge follow the team's approvals live."""
        team = self._team_uuid()
        if not self.access_token or team is None:
            self.pending_approvals = 0
            return
        self._count(team)
        login = sessions.session_of(self.access_token, user_id=self.user_id)  # (as ``_subscribe``)
        if login is not None:
            live.watch_badge(self.router.session.client_token, NavState, self.user_id, str(login), str(team))

    def _on_badge(self, message: dict[str, Any]) -> None:
        """Live (backend-only): an approval of the watched team was opened or decided."""
        team = self._team_uuid()
        if team is not None and str(message.get("team_id")) == str(team):
            self._count(team)

    def _count(self, team: Any) -> None:
        """One COUNT through the checked service (a person who lost access sees 0)."""
        try:
            with session_scope() as session:
                _, total = collab.list_approvals(session, self._actor(session), team_id=team, per_page=1)
        except ServiceError:
            total = 0
        self.pending_approvals = total
