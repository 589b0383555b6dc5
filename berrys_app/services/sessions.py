"""Sessions: the refresh-token families a login starts, their rotation, lifetime and end.

A login issues a refresh token; each refresh rotates it within the same family, and
presenting an already-used one revokes the whole family (theft detection). A family never
outlives ``BERRYS_SESSION_MAX_AGE`` from its login, however often it is refreshed. Logout
and the Sessions list's revoke end a family: its refresh tokens are refused afterwards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event
from sqlmodel import Session, col, func, select, update

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.domain.auth import RefreshToken
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import REFRESH_GRACE_PREFIX
from berrys_app.redis_client import sync_redis
from berrys_app.services import audit, ratelimit
from berrys_app.services.authz import Actor, require_scope
from berrys_app.services.errors import NotFound, Unauthorized
from berrys_app.services.events import publish_transient
from berrys_app.services.tokens import TokenPair, decode, encode, issue_access_token, login_of
from berrys_app.settings import get_settings

# Concurrent holders of one refresh token (two tabs of a browser share it, each with its own
# dashboard state) may both present it when the access token expires. Within this window the
# second gets the pair the first was given instead of revoking the family, but only when it
# presents the same client marker (see ``client_marker``): a thief elsewhere replaying the
# token gets nothing and revokes the family.
REFRESH_GRACE_S = 10


def client_marker(ip: str | None, user_agent: str | None) -> str:
    """What a client presents with every request, shown in the Sessions list ("ip · browser")."""
    return f"{ip or 'unknown'} · {(user_agent or 'unknown client')[:200]}"[:300]


def issue_tokens(
    session: Session,
    *,
    user: User,
    family_id: uuid.UUID | None = None,
    started_at: datetime | None = None,
    client: str = "",
) -> TokenPair:
    """An access token plus a new refresh token (recorded, so it can be rotated and revoked),
    never valid past the session's absolute end."""
    settings = get_settings()
    now = utcnow()
    started = started_at or now
    row = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        session_started_at=started,
        client=client[:300],
        expires_at=min(
            now + timedelta(seconds=settings.refresh_token_ttl_s),
            started + timedelta(seconds=settings.session_max_age_s),
        ),
    )
    session.add(row)
    refresh_jwt = encode(
        {
            "iss": "berrys",
            "sub": str(user.id),
            "typ": "refresh",
            "jti": str(row.id),
            "iat": int(now.timestamp()),
            "exp": int(row.expires_at.timestamp()),  # type: ignore[union-attr]
        }
    )
    return TokenPair(
        access_token=issue_access_token(user.id, sid=row.family_id),
        refresh_token=refresh_jwt,
        expires_in=settings.access_token_ttl_s,
    )


def _row_for(session: Session, refresh_token: str) -> RefreshToken:
    claims = decode(refresh_token or "", typ="refresh")
    try:
        token_id = uuid.UUID(str(claims.get("jti")))
    except ValueError as error:
        raise Unauthorized("invalid refresh token") from error
    row = session.get(RefreshToken, token_id)
    if row is None or str(row.user_id) != claims.get("sub"):
        raise Unauthorized("invalid refresh token")
    return row


def refresh(session: Session, *, refresh_token: str, ip: str | None = None, client: str = "") -> TokenPair:
    """Rotate a refresh token. Reusing a rotated token revokes its family (theft detection)."""
    ratelimit.hit_auth(ip)
    row = _row_for(session, refresh_token)
    if row.revoked_at is not None:
        raise Unauthorized("this session was revoked; log in again")
    started = row.session_started_at or row.created_at
    if started + timedelta(seconds=get_settings().session_max_age_s) <= utcnow():
        raise Unauthorized("this session has reached its maximum age; log in again")
    # claim the token atomically: of two concurrent uses exactly one wins, the other is a reuse
    claimed = session.exec(
        update(RefreshToken)
        .where(
            col(RefreshToken.id) == row.id,
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.revoked_at).is_(None),
        )
        .values(used_at=utcnow())
        .returning(col(RefreshToken.id))
    ).first()
    if claimed is None:
        # the same client refreshing twice a moment ago (two tabs) gets the pair the first got;
        # a later replay, or one from another client, is theft
        recent = _recent_rotation(refresh_token, client)
        if recent is not None:
            return recent
        session.rollback()  # release our lock before the family is revoked in its own transaction
        _revoke_family(row.family_id, user_id=row.user_id, ip=ip, action="auth.refresh_reuse")
        raise Unauthorized("refresh token reuse detected; every session of this login was revoked")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("account disabled")
    pair = issue_tokens(session, user=user, family_id=row.family_id, started_at=started, client=client or row.client)
    _remember_rotation(refresh_token, client, pair)
    return pair


def _rotation_key(refresh_token: str, client: str) -> str:
    return REFRESH_GRACE_PREFIX + hashlib.sha256(f"{refresh_token}\n{client}".encode()).hexdigest()


def _remember_rotation(refresh_token: str, client: str, pair: TokenPair) -> None:
    """Set before the rotation commits: a concurrent refresh blocked on the row lock then finds it."""

    sync_redis().set(_rotation_key(refresh_token, client), pair.model_dump_json(), ex=REFRESH_GRACE_S)


def _recent_rotation(refresh_token: str, client: str) -> TokenPair | None:

    raw = sync_redis().get(_rotation_key(refresh_token, client))
    return TokenPair.model_validate_json(raw) if raw else None


def _revoke_family(family_id: uuid.UUID, *, user_id: uuid.UUID, ip: str | None, action: str) -> None:
    """Committed on its own: the caller's request fails, the revocation must stay."""

    with session_scope() as own:
        _end_family(own, family_id)
        audit.record(
            own,
            action=action,
            actor=Actor(user_id=user_id, label=str(user_id), ip=ip),
            success=action != "auth.refresh_reuse",
            target_type="token_family",
            target_id=family_id,
        )


def _end_family(session: Session, family_id: uuid.UUID) -> None:
    """Revoke the family; once that commits, every web process is told (``EventKind.SESSION_ENDED``), so
    the live tabs and SSE streams of this login stop at once instead of when their access token
    expires."""
    ended = session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
        .returning(col(RefreshToken.user_id))
    ).first()
    if ended is not None:
        payload = {"session_id": str(family_id), "user_id": str(ended[0])}
        sa_event.listen(
            session, "after_commit", lambda _s: publish_transient(EventKind.SESSION_ENDED, payload), once=True
        )


def is_ended(session: Session, session_id: uuid.UUID) -> bool:
    """Whether this login was logged out or revoked (its family's tokens carry ``revoked_at``)."""
    revoked = select(RefreshToken.id).where(
        col(RefreshToken.family_id) == session_id, col(RefreshToken.revoked_at).is_not(None)
    )
    return session.exec(revoked.limit(1)).first() is not None


def session_of(access_token: str, *, user_id: str | None = None) -> uuid.UUID | None:
    """The login an access token was issued for (None: an API key, an invalid or older token,
    or, given ``user_id``, a token of someone else)."""
    return login_of(access_token, user_id=user_id) if access_token else None


def with_session(actor: Actor, bearer: str | None) -> Actor:
    """``actor`` marked with the login its bearer token belongs to, so its end ends the stream."""
    sid = session_of(bearer or "")
    return dataclasses.replace(actor, session_id=sid) if sid is not None else actor


def end_all(session: Session, user_id: uuid.UUID) -> None:
    """Every session of the user ends, access tokens included (a password reset: whoever held the
    old password is out). Whole seconds, as a token's ``iat``: a sign-in right after still works."""
    now = utcnow()
    session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.exec(update(User).where(col(User.id) == user_id).values(sessions_ended_at=now.replace(microsecond=0)))


def logout(session: Session, *, refresh_token: str, ip: str | None = None) -> None:
    """End the session this refresh token belongs to: every token of its family is refused from
    now on (an already-issued access token lives out its few minutes)."""
    row = _row_for(session, refresh_token)
    _end_family(session, row.family_id)
    audit.record(
        session,
        action="auth.logout",
        actor=Actor(user_id=row.user_id, label=str(row.user_id), ip=ip),
        target_type="token_family",
        target_id=row.family_id,
    )


@dataclass(frozen=True)
class SessionInfo:
    """One signed-in session (a refresh-token family) as its owner sees it."""

    id: uuid.UUID
    client: str
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime


def family_of(session: Session, refresh_token: str) -> uuid.UUID | None:
    """The session a refresh token belongs to (None for a missing or invalid one)."""
    try:
        return _row_for(session, refresh_token).family_id
    except Unauthorized:
        return None


def list_sessions(session: Session, actor: Actor) -> list[SessionInfo]:
    """The caller's live sessions, most recently used first."""
    if actor.user_id is None:
        raise Unauthorized("sign in to see your sessions")
    require_scope(actor, "keys:read")
    now = utcnow()
    rows = session.exec(
        select(
            RefreshToken.family_id,
            func.min(RefreshToken.session_started_at),
            func.min(RefreshToken.created_at),
            func.max(RefreshToken.created_at),
            func.max(RefreshToken.expires_at),
            func.max(RefreshToken.client),
        )
        .where(
            RefreshToken.user_id == actor.user_id,
            col(RefreshToken.revoked_at).is_(None),
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.expires_at) > now,
        )
        .group_by(col(RefreshToken.family_id))
    ).all()
    found = [
        SessionInfo(id=family, client=client or "", started_at=started or first, last_used_at=last, expires_at=ends)
        for family, started, first, last, ends, client in rows
    ]
    return sorted(found, key=lambda item: item.last_used_at, reverse=True)


def revoke_session(session: Session, actor: Actor, session_id: uuid.UUID) -> None:
    """End one of the caller's own sessions (another person's is reported as not found)."""
    require_scope(actor, "keys:write")
    owned = session.exec(
        select(RefreshToken.id).where(RefreshToken.family_id == session_id, RefreshToken.user_id == actor.user_id)
    ).first()
    if actor.user_id is None or owned is None:
        raise NotFound("session not found")
    _end_family(session, session_id)
    audit.record(session, action="auth.session_revoked", actor=actor, target_type="token_family", target_id=session_id)
