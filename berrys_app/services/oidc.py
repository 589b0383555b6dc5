"""OpenID Connect login (authorization code flow with PKCE).

``begin`` returns the provider's authorize URL and a browser *binding*: a random secret the caller
puts in a short-lived HttpOnly cookie (``BINDING_COOKIE``). Redis keeps, per ``state``, the
nonce, the PKCE verifier, the redirect URI and the binding's digest for 10 minutes. ``finish``
accepts a callback only from the browser holding that binding (no login CSRF), exchanges the code
with the verifier, and verifies the ID token: signature with an algorithm the provider publishes
(never ``none``, never an HMAC one keyed by a public key), issuer, audience, expiry and nonce.

A first login links to an existing local account by email only when the provider says the
address is verified (``email_verified`` is ``true``; a missing claim does not count); otherwise it
is refused with a message saying why. An unverified address never creates an account either: a
new account accepts the pending invitations for its address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from functools import lru_cache
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.keys import OIDC_STATE_PREFIX
from berrys_app.redis_client import sync_redis
from berrys_app.services import audit, ratelimit, sessions
from berrys_app.services.auth import create_user
from berrys_app.services.authz import Actor
from berrys_app.services.errors import NotFound, Unauthorized, ValidationFailed
from berrys_app.services.tokens import TokenPair
from berrys_app.settings import get_settings

BINDING_COOKIE = "berrys_oidc"
PENDING_TTL_S = 600
# ID-token algorithms Berrys never accepts, whatever the provider publishes: ``none`` is unsigned,
# and an HMAC algorithm would be keyed by the client secret or, worse, by a public key.
_REFUSED_ALGS = ("none", "HS256", "HS384", "HS512")


def enabled() -> bool:
    settings = get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id)


@lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict[str, Any]:
    response = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


def _client(redirect_uri: str | None) -> OAuth2Client:
    settings = get_settings()
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=10,
    )


def _digest(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def provider_metadata() -> dict[str, Any]:
    """The configured provider's discovery document (cached), or a clear refusal."""
    if not enabled():
        raise NotFound("OIDC login is not configured")
    issuer = get_settings().oidc_issuer or ""
    try:
        return _discovery(issuer)
    except Exception as error:
        raise ValidationFailed("the OIDC provider is unreachable", details={"issuer": issuer}) from error


def begin(*, redirect_uri: str, ip: str | None = None) -> tuple[str, str]:
    """The provider's authorize URL and the browser binding to set as ``BINDING_COOKIE``."""
    ratelimit.hit_auth(ip)
    meta = provider_metadata()
    redirect_uri = get_settings().oidc_redirect_url or redirect_uri
    state, nonce, binding = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # PKCE: 64 characters, within RFC 7636's 43..128
    pending = {"nonce": nonce, "redirect_uri": redirect_uri, "verifier": verifier, "binding": _digest(binding)}
    sync_redis().set(OIDC_STATE_PREFIX + state, json.dumps(pending), ex=PENDING_TTL_S)
    with _client(redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return url, binding


def _pending(state: str, binding: str | None) -> dict[str, str]:
    """The login this browser started with ``state`` (single use), or 401."""
    raw = sync_redis().getdel(OIDC_STATE_PREFIX + (state or ""))
    if not raw:
        raise Unauthorized("unknown or expired login state")
    pending = json.loads(raw)
    if not binding or not hmac.compare_digest(str(pending.get("binding", "")), _digest(binding)):
        raise Unauthorized("this sign-in was not started in this browser; start it again")
    return pending


def _allowed_algs(meta: dict[str, Any]) -> list[str]:
    """The provider's published ID-token algorithms minus the refused ones (RS256 when unpublished,
    as OpenID Connect Discovery says)."""
    published = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    return [alg for alg in published if isinstance(alg, str) and alg not in _REFUSED_ALGS]


def _verified_claims(id_token: str, jwks: dict[str, Any], meta: dict[str, Any], nonce: str) -> dict[str, Any]:
    settings = get_settings()
    algorithms = _allowed_algs(meta)
    if not algorithms:
        raise Unauthorized("the OIDC provider publishes no acceptable ID-token signing algorithm")
    try:
        decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=algorithms)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": meta.get("issuer", settings.oidc_issuer)},
            aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise Unauthorized("invalid ID token") from error
    return decoded.claims


def _user_for(session: Session, claims: dict[str, Any]) -> User:
    """The account of this provider identity: already linked, else linked or created by an email
    the provider verified. An existing local account is linked only if its own address is
    verified too: anyone can pre-register an address, so an unverified account with the same
    email may be an attacker's trap holding a password they know."""
    subject = f"{claims['iss']}|{claims['sub']}"
    user = session.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is not None:
        return user
    email = str(claims.get("email") or "")
    if not email:
        raise Unauthorized("the OIDC provider did not give an email address")
    if claims.get("email_verified") is not True:
        raise Unauthorized(
            "the OIDC provider did not confirm that you own this email address (email_verified); "
            "ask your identity provider's administrator, or sign in with your password"
        )
    user = session.exec(select(User).where(User.email == email.lower())).first()
    if user is None:
        user = create_user(session, email=email, name=str(claims.get("name") or ""), verified=True)
    elif user.email_verified_at is None:
        raise Unauthorized(
            "an account with this email address exists but its address is not confirmed, so single "
            "sign-on cannot use it; sign in with its password and confirm the address, or reset the "
            "password by email (that confirms it too), then sign in with SSO again"
        )
    user.oidc_subject = subject
    session.add(user)
    session.flush()
    return user


def finish(session: Session, *, code: str, state: str, binding: str | None, ip: str | None = None) -> TokenPair:
    """Check the browser binding, exchange the code (with the PKCE verifier), verify the ID
    token, log in."""
    ratelimit.hit_auth(ip)
    meta = provider_metadata()
    pending = _pending(state, binding)
    try:
        with _client(pending["redirect_uri"]) as client:
            token = client.fetch_token(
                meta["token_endpoint"],
                code=code,
                grant_type="authorization_code",
                code_verifier=pending["verifier"],
            )
            jwks = client.get(meta["jwks_uri"]).json()
    except Exception as error:
        raise Unauthorized("the OIDC provider refused the login") from error
    id_token = token.get("id_token")
    if not id_token:
        raise Unauthorized("the OIDC provider sent no ID token")
    claims = _verified_claims(id_token, jwks, meta, pending["nonce"])
    user = _user_for(session, claims)
    if not user.is_active:
        raise Unauthorized("account disabled")
    pair = sessions.issue_tokens(session, user=user)
    audit.record(
        session,
        action="auth.oidc_login",
        actor=Actor(user_id=user.id, label=user.email, ip=ip),
        target_type="user",
        target_id=user.id,
        details={"issuer": claims["iss"]},
    )
    return pair
