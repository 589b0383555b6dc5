"""The identity mails (verify, reset, "already registered", invitation): a token and an outbox
row, both in the caller's transaction, so a mail exists exactly when its action committed."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from berrys_app.domain.accounts import User
from berrys_app.domain.mail import TokenPurpose
from berrys_app.services import email_tokens, mail
from berrys_app.settings import get_settings


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def verification(session: Session, user: User) -> None:
    link = email_tokens.issue(session, TokenPurpose.verify, email=user.email, user_id=user.id)
    ttl = _hours(get_settings().verify_token_ttl_s)
    mail.enqueue(
        session,
        to=user.email,
        subject="Confirm your email address for Berrys",
        body=(
            f"Hello {user.name or user.email},\n\nconfirm that this address is yours by opening this link "
            f"(valid for {ttl}, once; you sign in to the account first):\n\n{link}\n\n"
            "If you did not create a Berrys account, ignore this mail: someone else typed your address."
        ),
        link=link,
    )


def already_registered(session: Session, email: str) -> None:
    """Someone tried to register an address that has an account: tell its owner, not the caller."""
    link = f"{get_settings().public_base_url}/forgot-password"
    mail.enqueue(
        session,
        to=email,
        subject="Someone tried to create a Berrys account with your address",
        body=(
            "Someone (perhaps you) tried to create a new Berrys account with this address, which already "
            f"has one. If you forgot your password, reset it here:\n\n{link}\n\n"
            "If it was not you, nothing changed; you can ignore this mail."
        ),
        link=link,
    )


def password_reset(session: Session, user: User) -> None:
    link = email_tokens.issue(session, TokenPurpose.reset, email=user.email, user_id=user.id)
    ttl = _hours(get_settings().reset_token_ttl_s)
    mail.enqueue(
        session,
        to=user.email,
        subject="Reset your Berrys password",
        body=(
            f"Someone (perhaps you) asked to reset the password of this Berrys account. Choose a new one here "
            f"(valid for {ttl}, once):\n\n{link}\n\nSetting a new password signs out every session. "
            "If it was not you, ignore this mail: your password stays as it is."
        ),
        link=link,
    )


def invitation(session: Session, *, email: str, invitation_id: uuid.UUID, team_name: str, role: str) -> None:
    link = email_tokens.issue(session, TokenPurpose.invite, email=email, invitation_id=invitation_id)
    mail.enqueue(
        session,
        to=email,
        subject=f"You are invited to the team {team_name!r} on Berrys",
        body=(
            f"You are invited to join the team {team_name!r} as {role}. Sign in (or create an account) with "
            f"this address, then open this link to accept:\n\n{link}\n\n"
            "Opening it while signed in with this address also confirms that the address is yours."
        ),
        link=link,
    )
