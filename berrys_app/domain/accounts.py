"""Users, teams and memberships (the skeleton the security issue builds on)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, ts_field


class Role(StrEnum):
    """Team roles, weakest first."""

    viewer = "viewer"
    member = "member"
    admin = "admin"
    owner = "owner"


ROLE_RANK: dict[Role, int] = {
    Role.viewer: 0,
    Role.member: 1,
    Role.admin: 2,
    Role.owner: 3,
}


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str | None = Field(default=None, max_length=500)
    oidc_subject: str | None = Field(default=None, max_length=500, index=True)
    is_active: bool = True
    # set when the owner of the address followed a link sent to it (verify, reset, invitation) or
    # an OIDC provider vouched for it; invitations and SSO linking need it
    email_verified_at: datetime | None = ts_field()
    # access tokens issued before this (whole second) are refused: a password reset ends them too
    sessions_ended_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    # the model a new project of the team gets when it names none (None: the operator's default)
    default_model: str | None = Field(default=None, max_length=200)
    created_at: datetime = created_field()


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_members"

    team_id: uuid.UUID = Field(foreign_key="teams.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE", index=True)
    role: str = Field(default=Role.member.value, max_length=20)
    created_at: datetime = created_field()
