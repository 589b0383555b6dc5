"""Verified identities: confirming an address, and resetting a password by mail.

Every link is a single-use, expiring token (``email_tokens``) mailed through the outbox
(``identity_mail``). Answers never tell whether an address has an account.
"""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.domain.common import utcnow
from berrys_app.domain.mail import TokenPurpose
from berrys_app.services import audit, email_tokens, identity_mail, ratelimit, sessions
from berrys_app.services.auth import check_password, hash_password, normalise_email
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Conflict, Forbidden, Unauthorized, ValidationFailed

RESET_REQUESTED = "If an account has this address, we sent it a link to choose a new password."
VERIFICATION_SENT = "We sent a new confirmation link to your address."


def mark_verified(session: Session, user: User, *, ip: str | None, how: str) -> None:
    """The owner of the address proved it (a link mailed to it, or the OIDC provider)."""
    if user.email_verified_at is not None:
        return
    user.email_verified_at = utcnow()
    session.add(user)
    audit.record(
        session,
        action="auth.email_verified",
        actor=Actor(user_id=user.id, label=user.email, ip=ip),
        target_type="user",
        target_id=user.id,
        details={"how": how},
    )


def _owner(session: Session, user_id: object, email: str) -> User:
    """The account a token was mailed for, if it still has that address."""
    user = session.get(User, user_id, with_for_update=True) if user_id else None
    if user is None or not user.is_active or user.email != email:
        raise ValidationFailed("this link is not valid", details={"field": "token"})
    return user


def verify_email(session: Session, actor: Actor, *, token: str, ip: str | None = None) -> User:
    """Consume a verification link as the account it was mailed for, signed in: whoever owns an
    address someone else registered must not verify that stranger's account by clicking. A refusal
    rolls back with the caller's transaction, so the link stays usable by its account."""
    ratelimit.hit_auth(ip)
    if actor.user_id is None:
        raise Unauthorized("sign in to confirm your address")
    row = email_tokens.consume(session, token, TokenPurpose.verify)
    user = _owner(session, row.user_id, row.email)
    if user.id != actor.user_id:
        raise Forbidden(
            f"this link confirms another account's address; sign in as {user.email}",
            details={"reason": "other_account"},
        )
    mark_verified(session, user, ip=ip, how="link")
    return user


def resend_verification(session: Session, actor: Actor) -> str:
    """A new verification link for the signed-in person's own address."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise Unauthorized("sign in to confirm your address")
    if user.email_verified_at is not None:
        raise Conflict("your address is already verified")
    ratelimit.hit_mail_account(user.email)
    identity_mail.verification(session, user)
    return VERIFICATION_SENT


def request_password_reset(session: Session, *, email: str, ip: str | None = None) -> str:
    """Mail a reset link if the address has an active account; the same answer either way.
    Rate limited per IP and per address (counted for unknown addresses too)."""
    ratelimit.hit_auth(ip)
    email = normalise_email(email)
    ratelimit.hit_mail_account(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is not None and user.is_active:
        identity_mail.password_reset(session, user)
        audit.record(
            session,
            action="auth.password_reset_requested",
            actor=Actor(user_id=user.id, label=user.email, ip=ip),
            target_type="user",
            target_id=user.id,
        )
    return RESET_REQUESTED


def reset_password(session: Session, *, token: str, password: str, ip: str | None = None) -> User:
    """Set a new password with a reset link: every session of the account ends, every other
    reset link stops working, and the address counts as verified (the link reached it)."""
    ratelimit.hit_auth(ip)
    check_password(password)  # before the token is used: a short password does not burn the link
    row = email_tokens.consume(session, token, TokenPurpose.reset)
    user = _owner(session, row.user_id, row.email)
    user.password_hash = hash_password(password)
    session.add(user)
    email_tokens.retire(session, user_id=user.id, purpose=TokenPurpose.reset)
    sessions.end_all(session, user.id)
    mark_verified(session, user, ip=ip, how="password_reset")
    audit.record(
        session,
        action="auth.password_reset",
        actor=Actor(user_id=user.id, label=user.email, ip=ip),
        target_type="user",
        target_id=user.id,
    )
    return user
