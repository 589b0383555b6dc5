"""Signed tokens: HS256 JWTs (joserfc) for access and refresh, and the pair a login returns.

Signed with ``settings.secret_key``; the header carries a ``kid`` derived from the key, and
``BERRYS_JWT_PREVIOUS_SECRETS`` keeps old keys valid for verification, so the signing key can
be rotated without logging everyone out. What a refresh token stands for (its session) lives
in ``sessions``; who a credential is, in ``auth``.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from functools import lru_cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from pydantic import BaseModel

from berrys_app.services.errors import Unauthorized
from berrys_app.settings import get_settings


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


def _kid(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _signing_key() -> OctKey:
    secret = get_settings().secret_key
    return OctKey.import_key(secret.encode(), {"kid": _kid(secret)})


def _key_material() -> tuple[str | None, str, tuple[str, ...]]:
    """What the verification keys derive from, without reading the stored secret file."""
    settings = get_settings()
    return settings.secret_key_value, str(settings.data_dir), tuple(settings.jwt_previous_secrets)


@lru_cache(maxsize=8)
def _verify_keys_for(material: tuple[str | None, str, tuple[str, ...]]) -> KeySet:
    settings = get_settings()
    keys = [settings.secret_key, *material[2]]
    return KeySet([OctKey.import_key(s.encode(), {"kid": _kid(s)}) for s in keys if s])


def encode(claims: dict[str, Any]) -> str:
    key = _signing_key()
    return jwt.encode({"alg": "HS256", "kid": key.kid}, claims, key)


# A verified signature stays verified: the claims of a token already checked under the same
# keys are reused (expiry and type are still checked on every use; ``nbf``/``iat`` only
# become more valid as time passes, so they are checked once). Retiring a key changes
# the key material, so tokens signed with it are verified again, and refused.
_VERIFIED_MAX = 10_000
_verified: dict[tuple[str, tuple[str | None, str, tuple[str, ...]]], dict[str, Any]] = {}


def decode(token: str, *, typ: str) -> dict[str, Any]:
    material = _key_material()
    claims = _verified.get((token, material))
    try:
        if claims is None:
            claims = jwt.decode(token, _verify_keys_for(material), algorithms=["HS256"]).claims
            _CLAIMS_REGISTRY.validate(claims)
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[(token, material)] = claims
        elif claims["exp"] <= int(time.time()):  # the one rule that changes with time (as joserfc checks it)
            raise Unauthorized("invalid or expired token")
    except (JoseError, ValueError) as error:
        raise Unauthorized("invalid or expired token") from error
    if claims.get("typ") != typ:
        raise Unauthorized("wrong token type")
    return claims


_CLAIMS_REGISTRY = jwt.JWTClaimsRegistry(exp={"essential": True}, sub={"essential": True})


def login_of(token: str, *, user_id: str | None = None) -> uuid.UUID | None:
    """The login (``sid``) an access JWT of ours names, signature checked but not expiry: a tab
    whose access token lapsed between two events still belongs to its login (None: not one of
    our access tokens, or one without ``sid``, or, given ``user_id``, one issued to someone else)."""
    material = _key_material()
    claims = _verified.get((token, material))
    if claims is None:
        try:
            claims = jwt.decode(token, _verify_keys_for(material), algorithms=["HS256"]).claims
        except (JoseError, ValueError):
            return None
    if claims.get("typ") != "access" or not claims.get("sid"):
        return None
    if user_id is not None and str(claims.get("sub")) != user_id:
        return None
    try:
        return uuid.UUID(str(claims["sid"]))
    except ValueError:
        return None


def issue_access_token(
    user_id: uuid.UUID, *, sid: uuid.UUID | None = None, now: float | None = None, ttl_s: int | None = None
) -> str:
    """A short-lived access JWT (``now``/``ttl_s`` let tests mint expired tokens without waiting).

    ``sid`` is the login (refresh-token family) it was issued for: live deliveries and SSE
    streams of a session that was logged out or revoked stop at once (``live_access``)."""
    issued = int(now if now is not None else time.time())
    ttl = ttl_s if ttl_s is not None else get_settings().access_token_ttl_s
    claims = {
        "iss": "berrys",
        "sub": str(user_id),
        "typ": "access",
        "iat": issued,
        "exp": issued + ttl,
        "jti": uuid.uuid4().hex,
    }
    if sid is not None:
        claims["sid"] = str(sid)
    return encode(claims)


def access_token_subject(token: str) -> uuid.UUID:
    """The user id an access JWT was issued to (signature from the verification cache, expiry and
    type checked on every use); the caller must still check that the account is active."""
    return subject(decode(token, typ="access"))


def subject(claims: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(str(claims["sub"]))
    except ValueError as error:
        raise Unauthorized("invalid token subject") from error
