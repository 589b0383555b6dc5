"""Single-use, expiring tokens mailed to an address (verify, reset, invitation).

Only a digest is stored; the plain token lives in the link. Consuming locks the row, so two
clicks racing on one link use it once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session, col, select, update

from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import EmailToken, TokenPurpose
from berrys_app.services.errors import ValidationFailed
from berrys_app.settings import get_settings

# the dashboard page each purpose's link opens (``?token=``)
PAGES: dict[TokenPurpose, str] = {
    TokenPurpose.verify: "/verify-email",
    TokenPurpose.reset: "/reset-password",
    TokenPurpose.invite: "/invitation",
}
MAX_TOKEN = 200


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ttl_s(purpose: TokenPurpose) -> int:
    settings = get_settings()
    return {
        TokenPurpose.verify: settings.verify_token_ttl_s,
        TokenPurpose.reset: settings.reset_token_ttl_s,
        TokenPurpose.invite: settings.invite_token_ttl_s,
    }[purpose]


def issue(
    session: Session,
    purpose: TokenPurpose,
    *,
    email: str,
    user_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
) -> str:
    """A new token for ``email``; returns the link that carries it (shown once: in the mail)."""
    plain = secrets.token_urlsafe(32)
    session.add(
        EmailToken(
            purpose=purpose.value,
            token_hash=_digest(plain),
            email=email,
            user_id=user_id,
            invitation_id=invitation_id,
            expires_at=utcnow() + timedelta(seconds=_ttl_s(purpose)),
        )
    )
    return f"{get_settings().public_base_url}{PAGES[purpose]}?token={quote(plain)}"


def consume(session: Session, token: str, purpose: TokenPurpose) -> EmailToken:
    """Use a token once: an unknown, used or expired one is refused with a precise message."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN:
        raise ValidationFailed("this link is not valid", details={"field": "token"})
    row = session.exec(
        select(EmailToken)
        .where(EmailToken.token_hash == _digest(token), EmailToken.purpose == purpose.value)
        .with_for_update()
    ).first()
    if row is None:
        raise ValidationFailed("this link is not valid", details={"field": "token"})
    if row.used_at is not None:
        raise ValidationFailed("this link was already used", details={"field": "token"})
    if row.expires_at is None or row.expires_at <= utcnow():
        raise ValidationFailed("this link has expired; ask for a new one", details={"field": "token"})
    row.used_at = utcnow()
    session.add(row)
    session.flush()
    return row


def retire(session: Session, *, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
    """Every still-open token of this purpose for the user stops working (after a reset, the
    other reset links mailed earlier must not set the password again)."""
    session.exec(
        update(EmailToken)
        .where(
            col(EmailToken.user_id) == user_id,
            col(EmailToken.purpose) == purpose.value,
            col(EmailToken.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
