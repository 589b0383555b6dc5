"""Mentions: the comments that @mention the signed-in person, across their teams, live."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import col, select

from berrys_app.domain.accounts import User
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.services import collab
from berrys_app.ui.format import short_date
from berrys_app.ui.state.workspace import PageState


class MentionsState(PageState):
    mentions: list[dict[str, str]] = []

    @rx.event
    def load(self):
        result = self._run(self._fetch)
        if self.user_id:
            self._subscribe(f"user:{self.user_id}", MentionsState)
        return result

    def _fetch(self, session, actor) -> None:

        rows = collab.my_mentions(session, actor, limit=100)
        project_ids = {r.project_id for r in rows}
        author_ids = {r.author_id for r in rows if r.author_id}
        names = dict(session.exec(select(Project.id, Project.name).where(col(Project.id).in_(project_ids))).all())
        people = {
            uid: name or email
            for uid, name, email in session.exec(
                select(User.id, User.name, User.email).where(col(User.id).in_(author_ids))
            ).all()
        }
        self.mentions = [
            {
                "id": str(r.id),
                "project_id": str(r.project_id),
                "project": names.get(r.project_id, ""),
                "author": people.get(r.author_id, "") if r.author_id else "",
                "body": r.body,
                "at": short_date(r.created_at.isoformat()),
            }
            for r in rows
        ]

    def _on_live(self, message: dict[str, Any]) -> None:
        """A new mention of this person (in any of their teams) appears without a reload."""
        payload = message.get("payload") or {}
        if message.get("kind") == EventKind.COMMENT_MENTION and payload.get("user_id") == self.user_id:
            self._run(self._fetch)
