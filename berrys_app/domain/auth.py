"""Credentials and the audit trail: API keys, refresh-token families, audit entries.

Secrets are never stored: API keys and refresh tokens keep a SHA-256 digest
(they are long random strings, so a fast hash is enough; passwords use argon2).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, insert, select
from sqlalchemy import event as sa_event
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field, utcnow
from berrys_app.domain.tools import Credential, CredentialUse


class ApiKey(SQLModel, table=True):
    """A long-lived credential acting as its user, narrowed by scopes."""

    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=32, unique=True, index=True)
    key_hash: str = Field(max_length=128)
    scopes: list[str] = json_field(list)
    expires_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
    last_used_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class RefreshToken(SQLModel, table=True):
    """One issued refresh token; a reused (already rotated) token revokes its whole family."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    family_id: uuid.UUID = Field(index=True)
    # when the login that started the family happened: no rotation outlives BERRYS_SESSION_MAX_AGE
    session_started_at: datetime | None = ts_field()
    client: str = Field(default="", max_length=300)  # "ip · browser" shown in the Sessions list
    expires_at: datetime | None = ts_field(nullable=False)
    used_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class AuditEntry(SQLModel, table=True):
    """Who did what, when, from where: security-relevant actions only (the event log has the rest)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_team_id_id", "team_id", "id"),  # a team's log, newest first
        Index("ix_audit_entries_created_at_brin", "created_at", postgresql_using="brin"),  # retention
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    action: str = Field(max_length=100, index=True)
    success: bool = True
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_label: str = Field(default="system", max_length=320)
    team_id: uuid.UUID | None = Field(default=None)
    target_type: str | None = Field(default=None, max_length=50)
    target_id: str | None = Field(default=None, max_length=100)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = json_field(dict)
    created_at: datetime = created_field()


# Credential use is recorded by the vault (``credential_uses``); mirror every use into the
# audit log in the same transaction, so "who used which secret when" is in one place.
@sa_event.listens_for(CredentialUse, "after_insert")
def _audit_credential_use(_mapper: Any, connection: Any, target: CredentialUse) -> None:
    team_id = connection.execute(select(Credential.team_id).where(Credential.id == target.credential_id)).scalar()
    connection.execute(
        insert(AuditEntry.__table__).values(  # type: ignore[attr-defined]
            action="credential.used",
            success=True,
            actor_id=None,
            actor_label=f"agent:{target.agent_id}" if target.agent_id else "system",
            team_id=team_id,
            target_type="credential",
            target_id=str(target.credential_id),
            ip=None,
            details={
                "tool": target.tool_name,
                "purpose": target.purpose,
                "call_key": target.call_key,
                "project_id": str(target.project_id) if target.project_id else None,
                "task_id": str(target.task_id) if target.task_id else None,
            },
            created_at=utcnow(),
        )
    )
