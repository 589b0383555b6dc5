"""Who is signed in: tokens in browser storage, the Actor for every handler, the current team.

The dashboard holds the same access/refresh token pair a REST client holds, and
every handler turns it into an ``Actor`` with ``auth.authenticate_session`` so the services
apply the very same checks as over REST. The UI hides what a role may not do;
the services refuse it anyway.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

import reflex as rx
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import auth, oidc, proxies, ratelimit, sessions, teams
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ServiceError, Unauthorized
from berrys_app.ui import live

OIDC_DASHBOARD_START = "/api/v1/auth/oidc/login?to=dashboard"  # sets the binding cookie, then the provider

WRITE_ROLES = ("member", "admin", "owner")
ADMIN_ROLES = ("admin", "owner")


def team_row(item: Any) -> dict[str, str]:
    """Normalise what ``teams.list_my_teams`` yields (a row, a (team, role) pair or a dict)."""
    if isinstance(item, dict):
        return {
            "id": str(item.get("id") or item.get("team_id")),
            "name": str(item.get("name", "")),
            "role": str(item.get("role", "")),
        }
    if isinstance(item, tuple | list):
        team, role = item[0], item[1]
        return {"id": str(team.id), "name": team.name, "role": str(getattr(role, "value", role))}
    team = getattr(item, "team", item)
    role = getattr(item, "role", "")
    return {
        "id": str(getattr(item, "team_id", None) or team.id),
        "name": str(getattr(item, "name", None) or getattr(team, "name", "")),
        "role": str(getattr(role, "value", role)),
    }


def _password_login(email: str, password: str, ip: str, client: str) -> Any:
    with session_scope() as session:
        return auth.login(session, email=email, password=password, ip=ip, client=client)


class SessionState(rx.State):
    """The signed-in user, their teams and the team being viewed (root of every page state)."""

    access_token: str = rx.LocalStorage("", name="berrys_access", sync=True)
    refresh_token: str = rx.LocalStorage("", name="berrys_refresh", sync=True)
    team_id: str = rx.LocalStorage("", name="berrys_team")
    user_id: str = ""
    user_name: str = ""
    user_email: str = ""
    teams: list[dict[str, str]] = []
    role: str = ""
    auth_error: str = ""
    auth_notice: str = ""  # a success message on the public pages (register, reset, verify)
    oidc_available: bool = False
    # this tab's page is mounted and connected (set by the sign-in pages' layout on mount; stays
    # on across links between pages, unlike ``is_hydrated``): their forms wait for it
    ui_ready: bool = False
    # messages for the next /login load (shown by ``load_login``)
    _login_notice: str = ""
    _login_success: str = ""

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.user_id)

    @rx.var
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @rx.var
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @rx.var
    def team_name(self) -> str:
        return next((t["name"] for t in self.teams if t["id"] == self.team_id), "")

    # -- helpers for every page state -------------------------------------------------

    def _actor(self, session: Session) -> Actor:
        """The Actor for the stored session token (never an API key), refreshing it once if it
        expired. An event the browser sent counts against the user's rate limit, as a REST
        request does; a live delivery does not."""
        try:
            actor = auth.authenticate_session(session, self.access_token)
        except Unauthorized:
            if not self.refresh_token or self.access_token.startswith(auth.API_KEY_PREFIX):
                raise
            pair = sessions.refresh(
                session, refresh_token=self.refresh_token, ip=self._client_ip(), client=self._client()
            )
            self.access_token = pair.access_token
            self.refresh_token = pair.refresh_token
            actor = auth.authenticate_session(session, self.access_token)
        if not live.delivering():
            ratelimit.hit_actor(str(actor.user_id))
        return actor

    def _identify(self, session: Session) -> Actor | None:
        """Authenticate and load user + teams; None when not signed in.

        Only a refused credential signs out: a transient refusal (rate limit) keeps the
        tokens, so the next page load works again; the message is shown on /login."""
        try:
            actor = self._actor(session)
        except Unauthorized:
            self._forget()
            return None
        except ServiceError as exc:
            self._login_notice = exc.message
            return None
        self._load_identity(session, actor)
        return actor

    def _load_identity(self, session: Session, actor: Actor) -> None:

        user = session.get(User, actor.user_id) if actor.user_id else None
        self.user_id = str(actor.user_id or "")
        self.user_name = (user.name or user.email) if user else actor.label
        self.user_email = user.email if user else ""
        self.teams = [team_row(item) for item in teams.list_my_teams(session, actor)]
        ids = [t["id"] for t in self.teams]
        if self.team_id not in ids:
            self.team_id = ids[0] if ids else ""
        self.role = next((t["role"] for t in self.teams if t["id"] == self.team_id), "")

    def _apply_membership(self, message: dict[str, Any]) -> None:
        """Live: this person's role in a team changed or they were removed (pushed by ``live``)."""
        team_id = str(message.get("team_id") or "")
        payload = message.get("payload") or {}
        if message.get("kind") == EventKind.MEMBER_REMOVED:
            self.teams = [t for t in self.teams if t["id"] != team_id]
            if self.team_id == team_id:
                self.role = ""
                self.auth_error = "You were removed from this team."
        elif message.get("kind") == EventKind.MEMBER_ROLE_CHANGED:
            role = str(payload.get("to") or "")
            self.teams = [{**t, "role": role} if t["id"] == team_id else t for t in self.teams]
            if self.team_id == team_id:
                self.role = role

    def _subscribe(self, topic: str, state_cls: type[rx.State]) -> bool:
        """Live messages of ``topic`` for this tab, if the signed-in user may see them (``live``
        checks now and at every delivery); False (nothing subscribed) otherwise.

        The login comes from the tab's access token and must be one of ``user_id``'s (the
        heartbeat subscribes without signing in again: a made-up token, or another person's,
        must not carry a revoked tab's user past the ended-login check)."""
        login = sessions.session_of(self.access_token, user_id=self.user_id)
        if login is None:  # signed out, a token not of ours, or not this user's
            return False
        return live.subscribe(topic, self.router.session.client_token, state_cls, self.user_id, str(login))

    def _forget(self) -> None:
        self.access_token = ""
        self.refresh_token = ""
        self.user_id = ""
        self.user_name = ""
        self.teams = []
        self.role = ""

    def _to_login(self) -> rx.event.EventSpec:
        """To sign in, then back here: the query too (an invitation link's token rides in it)."""
        path = self.router.url.path or "/"
        query = self.router.url.query or ""
        return rx.redirect(f"/login?next={quote(path + ('?' + query if query else ''), safe='/')}")

    def _team_uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.team_id)
        except ValueError:
            return None

    # -- events -------------------------------------------------------------------------

    @rx.event
    def require_login(self):
        """on_load guard for pages that need a user."""
        with session_scope() as session:
            if self._identify(session) is None:
                return self._to_login()
        return None

    @rx.event
    def home(self):
        """The landing page sends signed-in people straight to their projects."""
        if not self.access_token:
            return None
        with session_scope() as session:
            if self._identify(session) is not None:
                return rx.redirect("/projects")
        return None

    @rx.event
    async def login(self, form: dict[str, Any]):
        """Argon2 takes tens of ms of CPU: verified in a thread, so other tabs' live updates go on."""
        self.auth_error = ""
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        if not email or not password:
            self.auth_error = "Enter your email and password."
            return None
        try:
            pair = await asyncio.to_thread(_password_login, email, password, self._client_ip(), self._client())
            self.access_token = pair.access_token
            self.refresh_token = pair.refresh_token
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        return rx.redirect(self._next_path())

    @rx.event
    async def register(self, form: dict[str, Any]):
        """The same answer for a new and a taken address (``auth.register``): no sign-in here, or
        signing in would tell them apart. The person confirms their address, then signs in."""
        self.auth_error = ""
        self.auth_notice = ""
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        name = str(form.get("name", "")).strip()
        if not email or not password:
            self.auth_error = "Email and password are required."
            return None
        ip = self._client_ip()

        def create() -> str:
            with session_scope() as session:
                return auth.register(session, email=email, password=password, name=name, ip=ip)

        try:
            self.auth_notice = await asyncio.to_thread(create)
        except ServiceError as exc:
            self.auth_error = exc.message
        return None

    @rx.event
    def load_login(self):
        """Sign-in page: offer SSO when an OIDC provider is configured, and show a message left
        for it. It clears nothing: on a link from another page it runs after the route change,
        possibly after a quick sign-in whose error it would wipe (the pages clear their messages
        when they unmount, ``clear_messages``)."""
        if self._login_notice:
            self.auth_error, self._login_notice = self._login_notice, ""
        if self._login_success:
            self.auth_notice, self._login_success = self._login_success, ""
        self.oidc_available = oidc.enabled()

    @rx.event
    def mark_ready(self):
        self.ui_ready = True

    @rx.event
    def clear_messages(self):
        """Leaving sign-in or register: their answers are not the next page's."""
        self.auth_error, self.auth_notice = "", ""

    @rx.event
    def oidc_start(self):
        """Through the REST login, which sets the HttpOnly cookie binding the login to this browser
        (an event handler cannot set one) and sends the provider back to ``/oidc/callback``."""
        try:
            oidc.provider_metadata()
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        # a full page load: rx.redirect routes a same-origin path inside the single-page app
        return rx.call_script(f"window.location.assign({json.dumps(OIDC_DASHBOARD_START)})")

    @rx.event
    def oidc_finish(self):
        """The provider sent the browser back here with ``code`` and ``state``; the binding cookie
        arrives with this tab's websocket handshake."""
        query = parse_qs(self.router.url.query or "")
        code, state = (query.get("code") or [""])[0], (query.get("state") or [""])[0]
        cookies = SimpleCookie()
        cookies.load(getattr(self.router.headers, "cookie", "") or "")
        binding = cookies[oidc.BINDING_COOKIE].value if oidc.BINDING_COOKIE in cookies else None
        try:
            with session_scope() as session:
                pair = oidc.finish(session, code=code, state=state, binding=binding, ip=self._client_ip())
        except ServiceError as exc:
            self._login_notice = f"Single sign-on failed: {exc.message}"
            return rx.redirect("/login")
        self.access_token = pair.access_token
        self.refresh_token = pair.refresh_token
        return rx.redirect("/projects")

    @rx.event
    def logout(self):
        """End this login everywhere it is used (its refresh tokens are refused afterwards)."""
        if self.refresh_token:
            try:
                with session_scope() as session:
                    sessions.logout(session, refresh_token=self.refresh_token, ip=self._client_ip())
            except ServiceError:
                pass  # already ended or expired: signing out of this tab is all that is left
        live.drop_token(self.router.session.client_token)  # a signed-out tab receives nothing more
        self._forget()
        return rx.redirect("/login")

    @rx.event
    def switch_team(self, team_id: str):
        self.team_id = team_id
        self.role = next((t["role"] for t in self.teams if t["id"] == team_id), "")
        return rx.redirect("/projects")

    def _client_ip(self) -> str:
        """The client's address, through trusted proxies only (``proxies``), from the websocket
        handshake this tab connected with."""
        raw = getattr(self.router.headers, "raw_headers", None) or {}
        peer = raw.get("asgi-scope-client") or getattr(self.router.session, "client_ip", "")
        return str(proxies.client_address(peer, raw.get("x-forwarded-for")) or "")

    def _client(self) -> str:
        """This browser as the Sessions list shows it (and the refresh grace binds to)."""
        return sessions.client_marker(self._client_ip(), getattr(self.router.headers, "user_agent", ""))

    def _next_path(self) -> str:
        query = parse_qs(self.router.url.query or "")
        target = (query.get("next") or ["/projects"])[0]
        return target if target.startswith("/") and not target.startswith("//") else "/projects"
