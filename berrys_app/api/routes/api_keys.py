"""API keys: create (the key is shown once), list (prefix only), revoke."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.auth import ApiKey
from berrys_app.services import auth

router = APIRouter(prefix="/api/v1", tags=["api keys"], responses=PROBLEM_RESPONSES)


Scope = Literal[
    "projects:read",
    "projects:write",
    "teams:read",
    "teams:write",
    "keys:read",
    "keys:write",
    "admin:read",
    "admin:write",
    "*",
]
assert set(Scope.__args__) == set(auth.SCOPES)  # type: ignore[attr-defined]


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1, max_length=20, description="see GET /api/v1/scopes")
    expires_at: datetime | None = None


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the full key: shown once, store it now")


def _public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(row, from_attributes=True)


@router.get("/api-keys", **access("user", "keys:read"))
def list_keys(session: SessionDep, actor: CurrentActor) -> ListOf[ApiKeyPublic]:
    return ListOf[ApiKeyPublic].model_validate(list_of([_public(r) for r in auth.list_api_keys(session, actor)]))


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, **access("user", "keys:write"))
def create_key(body: ApiKeyIn, session: SessionDep, actor: CurrentActor) -> ApiKeyCreated:
    row, plain = auth.create_api_key(
        session, actor, name=body.name, scopes=list(body.scopes), expires_at=body.expires_at
    )
    return ApiKeyCreated(**_public(row).model_dump(), key=plain)


@router.delete("/api-keys/{key_id}", **access("user", "keys:write"))
def revoke_key(key_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ApiKeyPublic:
    """Revoked keys stop working on the next request."""
    return _public(auth.revoke_api_key(session, actor, key_id))


@router.get("/scopes", **access("user"))
def scopes() -> dict[str, str]:
    """The scopes an API key can hold (``x:write`` implies ``x:read``; ``*`` is everything)."""
    return auth.SCOPES
