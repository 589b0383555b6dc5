"""The Audit log page's state: what happened in the team (admins; members' own rows are theirs).

Targets are shown by name (a project's name, a member's name) instead of their UUIDs; only
rows of this team are looked up, so a name from another team is never revealed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import reflex as rx
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import TeamMember, User
from berrys_app.domain.collab import TeamInvitation
from berrys_app.domain.models import ModelEntry
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import Credential, McpServer
from berrys_app.services import audit, keyset
from berrys_app.ui.format import label, short_date
from berrys_app.ui.state.workspace import PageState


def _ids(values: Iterable[str | None]) -> set[uuid.UUID]:
    found = set()
    for value in values:
        try:
            found.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def target_names(session: Session, team_id: uuid.UUID, rows: list[Any]) -> dict[str, str]:
    """``{target id: name}`` for the projects, members, credentials, MCP servers, models and
    invitations (by address) of this team."""
    by_type: dict[str, set[uuid.UUID]] = {}
    for row in rows:
        by_type.setdefault(row.target_type or "", set()).update(_ids([row.target_id]))
    names: dict[str, str] = {}
    if ids := by_type.get("project"):
        query = select(Project.id, Project.name).where(col(Project.id).in_(ids), Project.team_id == team_id)
        names.update({str(i): n for i, n in session.exec(query)})
    if ids := by_type.get("user"):
        query = (
            select(User.id, User.name, User.email)
            .join(TeamMember, col(TeamMember.user_id) == col(User.id))
            .where(col(User.id).in_(ids), TeamMember.team_id == team_id)
        )
        names.update({str(i): n or e for i, n, e in session.exec(query)})
    if ids := by_type.get("invitation"):
        query = select(TeamInvitation.id, TeamInvitation.email).where(
            col(TeamInvitation.id).in_(ids), TeamInvitation.team_id == team_id
        )
        names.update({str(i): e for i, e in session.exec(query)})
    for kind, table in (("credential", Credential), ("mcp_server", McpServer), ("model", ModelEntry)):
        if ids := by_type.get(kind):
            query = select(table.id, table.name).where(col(table.id).in_(ids), table.team_id == team_id)
            names.update({str(i): n for i, n in session.exec(query)})
    return names


def target_text(target_type: str | None, target_id: str | None, names: dict[str, str]) -> str:
    """``Project "Berry report"``; an unknown id shortened (``User 1a2b3c4d…``)."""
    kind = label(target_type) if target_type else ""
    if not target_id:
        return kind
    if target_id in names:
        return f'{kind} "{names[target_id]}"'.strip()
    shown = f"{target_id[:8]}…" if _ids([target_id]) else target_id
    return f"{kind} {shown}".strip()


PER_PAGE = 200


class AuditState(PageState):
    entries: list[dict[str, str]] = []
    next_cursor: str = ""  # where "Older entries" goes on (services.keyset); empty: nothing older

    @rx.event
    def load(self):
        self.next_cursor = ""
        return self._run(self._fetch)

    @rx.event
    def older(self):
        """The next 200 entries, below the ones shown (an index range from the last one, not an offset)."""
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:
        team = self._team_uuid()
        cursor = self.next_cursor or None
        rows, total = audit.list_entries(session, actor, team_id=team, per_page=PER_PAGE, cursor=cursor)
        self.next_cursor = keyset.next_cursor(rows, per_page=PER_PAGE, total=total, page=1, key=keyset.id_key) or ""
        names = target_names(session, team, rows) if team else {}
        shown = self.entries if cursor else []
        self.entries = shown + [
            {
                "at": short_date(e.created_at.isoformat()),
                "action": label(e.action),
                "actor": e.actor_label,
                "success": "OK" if e.success else "Failed",
                "target": target_text(e.target_type, e.target_id, names),
                "ip": e.ip or "",
            }
            for e in rows
        ]
