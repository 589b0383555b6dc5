"""Credentials: register, email verification, password reset, password login, refresh rotation,
logout, sessions, OIDC login. Rate limited per IP (and per address where mail is sent)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from berrys_app.api.deps import ClientIP, CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import auth, identity, oidc, proxies, sessions
from berrys_app.settings import get_settings

# Every credential endpoint is rate limited per client IP inside the auth service.
router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)
DASHBOARD_CALLBACK = "/oidc/callback"  # the dashboard page that finishes an SSO login


class RegisterIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    name: str = Field(default="", max_length=200)


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(max_length=4096)


class Accepted(BaseModel):
    """The same answer whatever the address: nothing here tells whether it has an account."""

    message: str


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, **access("public"))
def register(body: RegisterIn, session: SessionDep, ip: ClientIP) -> Accepted:
    """Create an account (and its personal team, which the new user owns) and mail a link that
    confirms the address. The answer is the same when the address already has an account (its
    owner gets a mail instead): sign in afterwards with ``POST /auth/token``."""
    return Accepted(message=auth.register(session, email=body.email, password=body.password, name=body.name, ip=ip))


class TokenIn(BaseModel):
    token: str = Field(max_length=200)


class EmailIn(BaseModel):
    email: str = Field(max_length=320)


class ResetIn(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class VerifiedPublic(BaseModel):
    email: str
    email_verified_at: datetime


@router.post("/verify-email", **access("user"))
def verify_email(body: TokenIn, session: SessionDep, actor: CurrentActor, ip: ClientIP) -> VerifiedPublic:
    """Confirm your address with the single-use link mailed to it, signed in as the account the
    link is for (403 for another account: a stranger may have registered your address)."""
    user = identity.verify_email(session, actor, token=body.token, ip=ip)
    assert user.email_verified_at is not None
    return VerifiedPublic(email=user.email, email_verified_at=user.email_verified_at)


@router.post("/verify-email/resend", status_code=status.HTTP_202_ACCEPTED, **access("user"))
def resend_verification(session: SessionDep, actor: CurrentActor) -> Accepted:
    """Mail a new confirmation link to your own address (409 when it is already verified)."""
    return Accepted(message=identity.resend_verification(session, actor))


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, **access("public"))
def password_reset(body: EmailIn, session: SessionDep, ip: ClientIP) -> Accepted:
    """Mail a link to choose a new password, if the address has an account (same answer either way)."""
    return Accepted(message=identity.request_password_reset(session, email=body.email, ip=ip))


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT, **access("public"))
def password_reset_confirm(body: ResetIn, session: SessionDep, ip: ClientIP) -> None:
    """Set a new password with the mailed link; every session of the account is signed out."""
    identity.reset_password(session, token=body.token, password=body.password, ip=ip)


class SessionPublic(BaseModel):
    id: uuid.UUID
    client: str
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime


def _client(request: Request, ip: str | None) -> str:
    return sessions.client_marker(ip, request.headers.get("user-agent"))


@router.post("/token", **access("public"))
def token(body: LoginIn, request: Request, session: SessionDep, ip: ClientIP) -> auth.TokenPair:
    """Email + password -> access JWT + refresh JWT."""
    return auth.login(session, email=body.email, password=body.password, ip=ip, client=_client(request, ip))


@router.post("/refresh", **access("public"))
def refresh(body: RefreshIn, request: Request, session: SessionDep, ip: ClientIP) -> auth.TokenPair:
    """Rotate the refresh token (the old one stops working; reusing it revokes the login)."""
    return sessions.refresh(session, refresh_token=body.refresh_token, ip=ip, client=_client(request, ip))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, **access("public"))
def logout(body: RefreshIn, session: SessionDep, ip: ClientIP) -> None:
    """End the login this refresh token belongs to: its refresh tokens are refused from now on."""
    sessions.logout(session, refresh_token=body.refresh_token, ip=ip)


@router.get("/sessions", **access("user", "keys:read"))
def list_sessions(session: SessionDep, actor: CurrentActor) -> ListOf[SessionPublic]:
    """Your signed-in sessions (one per login), most recently used first."""
    rows = [SessionPublic.model_validate(row, from_attributes=True) for row in sessions.list_sessions(session, actor)]
    return ListOf[SessionPublic].model_validate(list_of(rows))


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, **access("user", "keys:write"))
def revoke_session(session_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Sign one of your sessions out (its refresh token is refused from now on)."""
    sessions.revoke_session(session, actor, session_id)


@router.get(
    "/oidc/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "redirect to the identity provider"}},
    **access("public"),
)
def oidc_login(
    request: Request,
    ip: ClientIP,
    to: Annotated[Literal["api", "dashboard"], Query(description="where the provider sends the browser back")] = "api",
) -> RedirectResponse:
    """Start an OpenID Connect login with the configured provider. Sets a short-lived HttpOnly
    cookie binding the login to this browser; the callback is accepted only with it."""
    if to == "dashboard":
        callback = get_settings().public_base_url + DASHBOARD_CALLBACK
    else:
        callback = str(request.url_for("oidc_callback"))
    url, binding = oidc.begin(redirect_uri=callback, ip=ip)
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        oidc.BINDING_COOKIE,
        binding,
        max_age=oidc.PENDING_TTL_S,
        path="/",
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, not on cross-site subrequests
        secure=proxies.scope_scheme(request.scope) == "https",
    )
    return response


@router.get("/oidc/callback", name="oidc_callback", **access("public"))
def oidc_callback(
    response: Response,
    session: SessionDep,
    ip: ClientIP,
    code: Annotated[str, Query(max_length=4096)],
    state: Annotated[str, Query(max_length=200)],
    binding: Annotated[str | None, Cookie(alias=oidc.BINDING_COOKIE, max_length=200)] = None,
) -> auth.TokenPair:
    """The provider redirects here; the browser binding is checked, the code exchanged (PKCE)
    and the ID token verified."""
    response.delete_cookie(oidc.BINDING_COOKIE, path="/")
    return oidc.finish(session, code=code, state=state, binding=binding, ip=ip)
