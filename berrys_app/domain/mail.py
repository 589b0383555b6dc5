"""Identity mail: single-use email tokens and the outbox the workers deliver.

A token's plain value exists only in the link mailed to the address; the table keeps its
SHA-256 digest (a long random string: a fast hash is enough). The outbox row carries the
message (and so the link) until it is delivered over SMTP; then its body is cleared. Without
SMTP the link stays for the operator (log and System page) until the row is purged.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, ts_field


class TokenPurpose(StrEnum):
    verify = "verify"  # prove the account's address
    reset = "reset"  # set a new password
    invite = "invite"  # accept one team invitation


class EmailToken(SQLModel, table=True):
    __tablename__ = "email_tokens"

    id: uuid.UUID = id_field()
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=320, index=True)  # the address the link went to
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    invitation_id: uuid.UUID | None = Field(
        default=None, foreign_key="team_invitations.id", ondelete="CASCADE", index=True
    )
    expires_at: datetime | None = ts_field(nullable=False)
    used_at: datetime | None = ts_field()
    created_at: datetime = created_field()


class MailStatus(StrEnum):
    pending = "pending"  # waiting for a worker (or for its next attempt)
    sent = "sent"  # the SMTP server accepted it
    logged = "logged"  # no SMTP_URL: the link went to the operator's log and System page
    failed = "failed"  # gave up after BERRYS_MAIL_MAX_ATTEMPTS


class OutboxMail(SQLModel, table=True):
    """One message to send, written in the transaction of the action that causes it."""

    __tablename__ = "mail_outbox"

    id: uuid.UUID = id_field()
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    link: str = Field(default="", sa_column=Column(Text, nullable=False))  # the action the mail offers
    status: str = Field(default=MailStatus.pending.value, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = ts_field(nullable=False, index=True)
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = ts_field()
    created_at: datetime = created_field()
