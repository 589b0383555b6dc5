"""The mail outbox: rows written in the transaction of the action that causes them, delivered
by the workers (``workers/mail.py``) over SMTP when ``SMTP_URL`` is set.

Delivery claims due rows with ``FOR UPDATE SKIP LOCKED`` and keeps the row locked while it
talks to the server: two workers never send one row, and a worker that dies mid-send releases
the lock with its connection, so the row is sent later (at least once, never lost). A failure
records its error and retries with a doubling backoff. Without ``SMTP_URL`` (the embedded
default) the link is written to the operator's log in one line and kept for the System page.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlmodel import Session, col, select

from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import MailStatus, OutboxMail
from berrys_app.settings import get_settings

log = logging.getLogger("berrys.mail")


def enqueue(session: Session, *, to: str, subject: str, body: str, link: str = "") -> OutboxMail:
    """Queue one message (committed, or rolled back, with the caller's transaction)."""
    row = OutboxMail(to_address=to, subject=subject[:300], body=body, link=link, next_attempt_at=utcnow())
    session.add(row)
    return row


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send: parsed from ``SMTP_URL`` (the password stays out of every message)."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None


def smtp_target() -> SmtpTarget | None:
    secret = get_settings().smtp_url
    if secret is None or not secret.get_secret_value().strip():
        return None
    parts = urlsplit(secret.get_secret_value().strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://[user:pass@]host[:port] or smtps://...")
    implicit = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _message(row: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = get_settings().mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message.set_content(row.body)
    return message


def _send(target: SmtpTarget, message: EmailMessage) -> None:
    """One SMTP session: implicit TLS (smtps), or STARTTLS when the server offers it."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if target.implicit_tls:
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=get_settings().smtp_timeout_s, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=get_settings().smtp_timeout_s)
    with client:
        client.ehlo()
        if not target.implicit_tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


def _error_text(error: Exception) -> str:
    """What went wrong, for the operator; never the URL (it may hold the password)."""
    return f"{type(error).__name__}: {error}"[:500]


def _backoff(attempts: int) -> timedelta:
    base = get_settings().mail_retry_backoff_s
    return timedelta(seconds=min(get_settings().mail_max_backoff_s, base * 2 ** max(0, attempts - 1)))


def deliver_due(limit: int | None = None) -> int:
    """Deliver (or, without SMTP, log) up to ``limit`` due messages (``Settings.mail_batch``);
    returns how many were handled."""
    limit = limit or get_settings().mail_batch
    target = smtp_target()
    with session_scope() as session:
        rows = list(
            session.exec(
                select(OutboxMail)
                .where(OutboxMail.status == MailStatus.pending.value, col(OutboxMail.next_attempt_at) <= utcnow())
                .order_by(col(OutboxMail.created_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            _deliver(row, target)
            session.add(row)
    return len(rows)


def _deliver(row: OutboxMail, target: SmtpTarget | None) -> None:
    row.attempts += 1
    if target is None:
        log.warning(
            "mail not sent (SMTP_URL is not set): to=%s subject=%r link=%s", row.to_address, row.subject, row.link
        )
        row.status, row.sent_at = MailStatus.logged.value, utcnow()
        return
    try:
        _send(target, _message(row))
    except (OSError, smtplib.SMTPException) as error:
        row.last_error = _error_text(error)
        if row.attempts >= get_settings().mail_max_attempts:
            row.status = MailStatus.failed.value
            log.error("mail to %s failed for good after %d attempts: %s", row.to_address, row.attempts, row.last_error)
        else:
            row.next_attempt_at = utcnow() + _backoff(row.attempts)
            log.warning("mail to %s failed (attempt %d): %s", row.to_address, row.attempts, row.last_error)
        return
    # delivered: the link (a live token) has no reason to stay in the database
    row.status, row.sent_at, row.body, row.link, row.last_error = MailStatus.sent.value, utcnow(), "", "", ""


@dataclass(frozen=True)
class OutboxItem:
    """One row as the operator's System page lists it."""

    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str
    link: str
    created_at: datetime


def recent(session: Session, limit: int = 50) -> list[OutboxItem]:
    """The newest messages (for the operator only: links of unsent mail are live tokens)."""
    rows = session.exec(select(OutboxMail).order_by(col(OutboxMail.created_at).desc()).limit(limit))
    return [
        OutboxItem(
            to_address=row.to_address,
            subject=row.subject,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            link=row.link,  # cleared once the SMTP server accepted the mail
            created_at=row.created_at,
        )
        for row in rows
    ]
