"""The mailed links' pages: confirm an address, choose a new password, accept an invitation;
and the "Forgot password?" request. Thin: each calls the service REST calls."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.services import identity, teams
from berrys_app.services.errors import ServiceError
from berrys_app.ui.state.session import SessionState


class IdentityState(SessionState):
    """State of /verify-email, /forgot-password, /reset-password and /invitation.

    Their messages are their own (not the sign-in page's). Each page clears them when it unmounts
    (the previous link's answer is not this form's), never on load: after a link from another page,
    on_load runs after the route change, and a quick submit's answer would be wiped by it (seen in
    CI: "we sent it a link" never showed)."""

    message: str = ""  # the answer of a link or form
    problem: str = ""  # why a link or form was refused
    link_done: bool = False  # the link did what it offers

    def _token(self) -> str:
        return (parse_qs(self.router.url.query or "").get("token") or [""])[0]

    @rx.event
    def clear(self):
        self.message, self.problem, self.link_done = "", "", False

    @rx.event
    def load_verify(self):
        """Signed in as the link's account: the address is confirmed (the link is single use).
        Not signed in: to sign in first, then back here (``identity.verify_email``)."""
        self.message, self.problem, self.link_done = "", "", False
        with session_scope() as session:
            actor = self._identify(session)
        if actor is None:
            return self._to_login()
        try:
            with session_scope() as session:  # a refusal rolls back: the link is not used up
                user = identity.verify_email(session, actor, token=self._token(), ip=self._client_ip())
                email = user.email
        except ServiceError as exc:
            self.problem = exc.message
            return None
        self.link_done = True
        self.message = f"Your address {email} is confirmed."
        return None

    @rx.event
    async def request_reset(self, form: dict[str, Any]):
        self.message, self.problem = "", ""
        email, ip = str(form.get("email", "")).strip(), self._client_ip()
        if not email:
            self.problem = "Enter your email address."
            return

        def ask() -> str:
            with session_scope() as session:
                return identity.request_password_reset(session, email=email, ip=ip)

        try:
            self.message = await asyncio.to_thread(ask)
        except ServiceError as exc:
            self.problem = exc.message

    @rx.event
    async def confirm_reset(self, form: dict[str, Any]):
        """Argon2 runs in a thread; then every session of the account is over: sign in again."""
        self.message, self.problem = "", ""
        password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
        if password != confirm:
            self.problem = "The two passwords differ."
            return None
        token, ip = self._token(), self._client_ip()

        def reset() -> None:
            with session_scope() as session:
                identity.reset_password(session, token=token, password=password, ip=ip)

        try:
            await asyncio.to_thread(reset)
        except ServiceError as exc:
            self.problem = exc.message
            return None
        self._forget()  # this browser's session ended with all the others
        self._login_success = "Your password is changed and every session signed out. Sign in with the new one."
        return rx.redirect("/login")

    @rx.event
    def load_invitation(self):
        """Signed in with the invited address: join (and the address is confirmed)."""
        self.message, self.problem, self.link_done = "", "", False
        with session_scope() as session:
            actor = self._identify(session)
        if actor is None:
            return self._to_login()
        try:
            with session_scope() as session:  # a refusal rolls back: the link is not used up
                team = teams.accept_invitation_link(session, actor, self._token())
        except ServiceError as exc:
            self.problem = exc.message
            return None
        self.link_done = True
        self.message = f"You joined {team.name} as {team.role.value}."
        with session_scope() as session:
            self._load_identity(session, actor)  # the new team in the switcher
        self.team_id, self.role = str(team.id), team.role.value
        return None
