"""What the navigation shows besides the links: the number of approvals waiting for the team."""

from __future__ import annotations

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.services import collab
from berrys_app.services.errors import ServiceError
from berrys_app.ui.state.session import SessionState


class NavState(SessionState):
    pending_approvals: int = 0

    @rx.event
    def count_pending(self):
        """Re-read on every page mount and after a decision (one COUNT through the checked service)."""
        team = self._team_uuid()
        if not self.access_token or team is None:
            self.pending_approvals = 0
            return
        try:
            with session_scope() as session:
                _, total = collab.list_approvals(session, self._actor(session), team_id=team, per_page=1)
        except ServiceError:
            total = 0
        self.pending_approvals = total
