"""Credentials: register, password login, refresh rotation, OIDC login. Rate limited per IP."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from berrys_app.api.deps import ClientIP, SessionDep, access
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import auth

# Every credential endpoint is rate limited per client IP inside the auth service.
router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


class RegisterIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    name: str = Field(default="", max_length=200)


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(max_length=4096)


class UserPublic(BaseModel):
    id: uuid.UUID
    email: str
    name: str


@router.post("/register", status_code=status.HTTP_201_CREATED, **access("public"))
def register(body: RegisterIn, session: SessionDep, ip: ClientIP) -> UserPublic:
    """Create an account (and its personal team, which the new user owns)."""
    user = auth.register(session, email=body.email, password=body.password, name=body.name, ip=ip)
    return UserPublic(id=user.id, email=user.email, name=user.name)


@router.post("/token", **access("public"))
def token(body: LoginIn, session: SessionDep, ip: ClientIP) -> auth.TokenPair:
    """Email + password -> access JWT + refresh JWT."""
    return auth.login(session, email=body.email, password=body.password, ip=ip)


@router.post("/refresh", **access("public"))
def refresh(body: RefreshIn, session: SessionDep, ip: ClientIP) -> auth.TokenPair:
    """Rotate the refresh token (the old one stops working; reusing it revokes the login)."""
    return auth.refresh(session, refresh_token=body.refresh_token, ip=ip)


@router.get(
    "/oidc/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "redirect to the identity provider"}},
    **access("public"),
)
def oidc_login(request: Request, ip: ClientIP) -> RedirectResponse:
    """Start an OpenID Connect login with the configured provider."""
    callback = str(request.url_for("oidc_callback"))
    return RedirectResponse(auth.oidc_begin(redirect_uri=callback, ip=ip), status_code=status.HTTP_302_FOUND)


@router.get("/oidc/callback", name="oidc_callback", **access("public"))
def oidc_callback(
    session: SessionDep,
    ip: ClientIP,
    code: Annotated[str, Query(max_length=4096)],
    state: Annotated[str, Query(max_length=200)],
) -> auth.TokenPair:
    """The provider redirects here; the code is exchanged and the ID token verified."""
    return auth.oidc_finish(session, code=code, state=state, ip=ip)
