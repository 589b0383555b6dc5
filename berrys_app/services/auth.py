"""Authentication: passwords (argon2), access tokens and API keys (OIDC login: ``oidc``).

Every front door turns a bearer credential into an ``Actor`` with
``authenticate``; authorization then happens in the services (``authz``).
Token signing lives in ``tokens``; sessions (refresh-token families: rotation,
lifetime, logout) in ``sessions``.

API key scopes (``SCOPES``); ``*:write`` implies ``*:read``, ``*`` is everything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select, update

from berrys_app.db.reads import fetch_one
from berrys_app.domain.accounts import Role, Team, TeamMember, User
from berrys_app.domain.auth import ApiKey
from berrys_app.domain.common import utcnow
from berrys_app.services import audit, identity_mail, ratelimit, sessions
from berrys_app.services.authz import Actor, require_scope
from berrys_app.services.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from berrys_app.services.tokens import TokenPair, decode, subject

SCOPES: dict[str, str] = {
    "projects:read": "read projects, plans, tasks, results, usage, events, comments, approvals, agents",
    "projects:write": "create, plan, approve, run and change projects; comment; decide approvals",
    "teams:read": "list teams and members",
    "teams:write": "create teams, add/remove members, change roles",
    "keys:read": "list your API keys",
    "keys:write": "create and revoke your API keys",
    "admin:read": "read tools, models, credentials (names only) and the audit log",
    "admin:write": "manage tools, credentials and models",
    "*": "everything the user may do",
}
API_KEY_PREFIX = "brk_"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


# ---------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (no timing oracle for emails)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise ValidationFailed("a valid email address is required", details={"field": "email"})
    return email


# ---------------------------------------------------------------- users


def create_user(
    session: Session, *, email: str, name: str = "", password_hash: str | None = None, verified: bool = False
) -> User:
    """A user plus a personal team they own (every user can create projects at once). Joins
    nothing else: invitations are accepted by the verified owner of the address (``teams``)."""
    email = normalise_email(email)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict("an account with this email already exists", details={"field": "email"})
    user = User(
        email=email,
        name=(name or "").strip()[:200],
        password_hash=password_hash,
        email_verified_at=utcnow() if verified else None,
    )
    team = Team(name=f"{user.name or email.split('@')[0]}'s team")
    session.add(user)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=user.id, role=Role.owner.value))
    session.flush()
    return user


REGISTERED = "If this address can be registered, we sent a link to it: open it and sign in to confirm your address."


def check_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD or len(password) > 1024:
        raise ValidationFailed(f"the password needs at least {MIN_PASSWORD} characters", details={"field": "password"})


def register(session: Session, *, email: str, password: str, name: str = "", ip: str | None = None) -> str:
    """Create an account with a password (and its personal team) and mail a verification link.

    The answer (``REGISTERED``) is the same whether or not the address has an account, and both
    paths hash the password and queue one mail (a taken address gets "reset your password
    instead"): registering tells nobody which addresses exist. Rate limited per IP and address."""
    ratelimit.hit_auth(ip)
    check_password(password)
    email = normalise_email(email)
    ratelimit.hit_mail_account(email)
    password_hash = hash_password(password)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        identity_mail.already_registered(session, email)
        audit.record(session, action="auth.register_taken", actor=None, actor_label=email, ip=ip, success=False)
        return REGISTERED
    user = create_user(session, email=email, name=name, password_hash=password_hash)
    identity_mail.verification(session, user)
    audit.record(
        session,
        action="auth.register",
        actor=Actor(user_id=user.id, label=user.email, ip=ip),
        target_type="user",
        target_id=user.id,
    )
    return REGISTERED


def login(session: Session, *, email: str, password: str, ip: str | None = None, client: str = "") -> TokenPair:
    """Email + password -> tokens. Failures are audited (kept even though the request fails).

    Rate limited per IP and, for failures, per account here, so the dashboard's login handler is
    protected like the REST route."""
    ratelimit.hit_auth(ip)
    normalised = (email or "").strip().lower()
    ratelimit.check_account(normalised)
    user = session.exec(select(User).where(User.email == normalised)).first() if normalised else None
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        ratelimit.count_account_failure(normalised)
        audit.record_detached(
            action="auth.login_failed",
            actor=None,
            actor_label=normalised[:320] or "anonymous",
            ip=ip,
            success=False,
            target_type="user",
            target_id=user.id if user else None,
        )
        raise Unauthorized("wrong email or password")
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
        session.add(user)
    pair = sessions.issue_tokens(session, user=user, client=client)
    audit.record(
        session,
        action="auth.login",
        actor=Actor(user_id=user.id, label=user.email, ip=ip),
        target_type="user",
        target_id=user.id,
    )
    return pair


# ---------------------------------------------------------------- authenticate


def authenticate(session: Session, bearer: str | None, *, ip: str | None = None) -> Actor:
    """A bearer credential (access JWT or API key, with or without ``Bearer ``) -> ``Actor``."""
    token = (bearer or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthorized("missing bearer token")
    if token.startswith(API_KEY_PREFIX):
        return _authenticate_key(session, token, ip=ip)
    claims = decode(token, typ="access")
    user_id = subject(claims)
    row = fetch_one(_ACTIVE_USER_SQL, (user_id,))  # one prepared statement, read on every request
    if row is None:
        raise Unauthorized("account not found or disabled")
    email, sessions_ended_at = row
    if sessions_ended_at is not None and int(claims.get("iat", 0)) < sessions_ended_at.timestamp():
        raise Unauthorized("this session was signed out (the password was reset); sign in again")
    return Actor(user_id=user_id, label=email, ip=ip, expires_at=float(claims["exp"]))


_ACTIVE_USER_SQL = "SELECT email, sessions_ended_at FROM users WHERE id = %s AND is_active"


def authenticate_session(session: Session, bearer: str | None, *, ip: str | None = None) -> Actor:
    """The dashboard's credential: its own session tokens only. An API key is for REST clients:
    put in the dashboard's storage it would act with a full session's reach."""
    if (bearer or "").strip().startswith(API_KEY_PREFIX):
        raise Unauthorized("an API key cannot sign in to the dashboard; sign in with your password or SSO")
    return authenticate(session, bearer, ip=ip)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_prefix(key: str) -> str:
    """The stored, shown part of a key that finds its row."""
    return key[: len(API_KEY_PREFIX) + 8]


KEY_USE_RECORDED_S = 60  # a key's last_used_at is written at most once a minute, not per request


# The key and its user in one prepared statement on the autocommit pool (no ORM, no transaction):
# read on every request of a key, so a revocation, an expiry or a disabled account refuses the next one.
_KEY_SQL = """
    SELECT k.id, k.key_hash, k.prefix, k.scopes, k.revoked_at, k.expires_at, k.last_used_at,
           k.user_id, u.email, u.is_active
    FROM api_keys AS k LEFT JOIN users AS u ON u.id = k.user_id
    WHERE k.prefix = %s
    """


def _authenticate_key(session: Session, key: str, *, ip: str | None) -> Actor:
    row = fetch_one(_KEY_SQL, (api_key_prefix(key),))
    if row is None or not hmac.compare_digest(row[1], key_digest(key)):
        raise Unauthorized("invalid API key")
    key_id, _, prefix, scopes, revoked_at, expires_at, last_used_at, user_id, email, active = row
    now = utcnow()
    if revoked_at is not None:
        raise Unauthorized("this API key was revoked")
    if expires_at is not None and expires_at <= now:
        raise Unauthorized("this API key has expired")
    if not active:
        raise Unauthorized("account not found or disabled")
    if last_used_at is None or now - last_used_at > timedelta(seconds=KEY_USE_RECORDED_S):
        # throttled, not a write per request; it commits with the request's transaction
        session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=now))  # type: ignore[call-overload]
    return Actor(
        user_id=user_id,
        label=f"{email} (key {prefix})",
        scopes=frozenset(scopes),
        ip=ip,
        api_key_id=key_id,
        expires_at=expires_at.timestamp() if expires_at is not None else None,
    )


# ---------------------------------------------------------------- API keys


def _expand_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed("unknown or missing scopes", details={"unknown": unknown, "allowed": sorted(SCOPES)})
    expanded = set(scopes)
    for scope in scopes:
        if scope.endswith(":write"):
            expanded.add(scope.replace(":write", ":read"))
    return sorted(expanded)


def create_api_key(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for the actor; the plain key is returned once and only its digest is kept.

    A key can never hold more than the key that created it (scopes are intersected).
    """
    require_scope(actor, "keys:write")
    if actor.user_id is None:
        raise Unauthorized("API keys belong to a user")
    expanded = _expand_scopes(scopes)
    if actor.scopes and "*" not in actor.scopes:
        excess = [s for s in expanded if s not in actor.scopes]
        if excess:
            raise ValidationFailed("a key cannot grant scopes it does not hold", details={"excess": excess})
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= utcnow():
            raise ValidationFailed("expires_at must be in the future", details={"field": "expires_at"})
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a key needs a name", details={"field": "name"})
    plain = f"{API_KEY_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        user_id=actor.user_id,
        name=name[:200],
        prefix=api_key_prefix(plain),
        key_hash=key_digest(plain),
        scopes=expanded,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="api_key.created",
        actor=actor,
        target_type="api_key",
        target_id=row.id,
        details={"prefix": row.prefix, "scopes": expanded, "name": row.name},
    )
    return row, plain


def list_api_keys(session: Session, actor: Actor) -> list[ApiKey]:
    require_scope(actor, "keys:read")
    return list(
        session.exec(select(ApiKey).where(ApiKey.user_id == actor.user_id).order_by(col(ApiKey.created_at).desc()))
    )


def revoke_api_key(session: Session, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Takes effect on the next request: every request reads the key row."""
    require_scope(actor, "keys:write")
    row = session.get(ApiKey, key_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("API key not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            action="api_key.revoked",
            actor=actor,
            target_type="api_key",
            target_id=row.id,
            details={"prefix": row.prefix},
        )
    return row
