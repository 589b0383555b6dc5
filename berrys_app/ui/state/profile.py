"""The Profile page's state: whether your address is confirmed, your API keys, your signed-in
sessions (each revocable) and the invitations waiting for your answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.services import auth, identity, sessions, teams
from berrys_app.services.errors import ServiceError
from berrys_app.ui.format import short_date
from berrys_app.ui.state.workspace import PageState, parse_id

# API key lifetimes offered on the Profile page (label -> days; 0 = never expires)
EXPIRY_CHOICES: dict[str, int] = {"7 days": 7, "30 days": 30, "90 days": 90, "1 year": 365, "never": 0}


class ProfileState(PageState):
    keys: list[dict[str, str]] = []
    new_key: str = ""
    my_sessions: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    email_verified: bool = True

    @rx.event
    def load(self):
        self.new_key = ""
        return self._run(self._fetch)

    def _fetch(self, session, actor) -> None:
        me = session.get(User, actor.user_id)
        self.email_verified = bool(me and me.email_verified_at)
        self.keys = [
            {
                "id": str(k.id),
                "name": k.name,
                "prefix": k.prefix + "…",
                "scopes": ", ".join(k.scopes),
                "created": short_date(k.created_at.isoformat()),
                "expires": short_date(k.expires_at.isoformat()) if k.expires_at else "never",
                "last_used": short_date(k.last_used_at.isoformat()) if k.last_used_at else "never",
                "revoked": "revoked" if k.revoked_at else "",
            }
            for k in auth.list_api_keys(session, actor)
        ]
        self.invitations = [
            {"id": str(i.id), "team": i.team_name, "role": i.role.value, "sent": short_date(i.created_at.isoformat())}
            for i in teams.my_invitations(session, actor)
        ]
        mine = sessions.family_of(session, self.refresh_token)
        self.my_sessions = [
            {
                "id": str(s.id),
                "client": s.client or "unknown client",
                "started": short_date(s.started_at.isoformat()),
                "last_used": short_date(s.last_used_at.isoformat()),
                "expires": short_date(s.expires_at.isoformat()),
                "current": "this browser" if s.id == mine else "",
            }
            for s in sessions.list_sessions(session, actor)
        ]

    @rx.event
    def create_key(self, form: dict[str, Any]):
        name = str(form.get("name", "")).strip() or "dashboard key"
        scopes = ["projects:write"] if form.get("write") in ("on", True) else ["projects:read"]
        days = EXPIRY_CHOICES.get(str(form.get("expires") or "90 days"), 90)
        expires_at = datetime.now(UTC) + timedelta(days=days) if days else None
        try:
            with session_scope() as session:
                actor = self._actor(session)
                _, plain = auth.create_api_key(session, actor, name=name, scopes=scopes, expires_at=expires_at)
                self._fetch(session, actor)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        self.new_key = plain
        return None

    @rx.event
    def revoke(self, key_id: str):
        try:
            with session_scope() as session:
                actor = self._actor(session)
                auth.revoke_api_key(session, actor, parse_id(key_id))
                self._fetch(session, actor)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event
    def revoke_session(self, session_id: str):
        """Sign one of your sessions out; revoking this browser's own signs this tab out too."""
        try:
            with session_scope() as session:
                actor = self._actor(session)
                current = sessions.family_of(session, self.refresh_token)
                ended = parse_id(session_id)
                sessions.revoke_session(session, actor, ended)
                if ended != current:
                    self._fetch(session, actor)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        if ended == current:
            self._forget()
            return rx.redirect("/login")
        return None

    @rx.event
    def resend_verification(self):
        """A new link to confirm the address (invitations wait for it)."""
        try:
            with session_scope() as session:
                message = identity.resend_verification(session, self._actor(session))
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(message)

    @rx.event
    def accept_invitation(self, invitation_id: str):
        """Join the inviting team; it appears in the team switcher at once."""
        return self._answer(invitation_id, accept=True)

    @rx.event
    def decline_invitation(self, invitation_id: str):
        return self._answer(invitation_id, accept=False)

    def _answer(self, invitation_id: str, *, accept: bool):
        try:
            with session_scope() as session:
                actor = self._actor(session)
                if accept:
                    joined = teams.accept_invitation(session, actor, parse_id(invitation_id))
                else:
                    teams.decline_invitation(session, actor, parse_id(invitation_id))
                session.commit()
                self._load_identity(session, actor)
                self._fetch(session, actor)
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(f"You joined {joined.name} as {joined.role.value}.") if accept else None
