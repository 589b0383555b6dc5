"""A tiny OpenID Connect provider for tests: discovery, JWKS, authorize (auto-consents), token.

Like a real provider it enforces PKCE (S256) when the authorize request carried a challenge, and
(with ``require_pkce``) refuses requests without one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route


class Provider:
    """Config is mutable so a test can change the signed-in person or break the nonce."""

    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""  # set once the server has a port
        self.user: dict[str, Any] = {
            "sub": "alice-1",
            "email": "alice@idp.example",
            "email_verified": True,
            "name": "Alice",
        }
        self.wrong_nonce = False
        self.omit_nonce = False
        self.require_pkce = False
        self.published_algs: list[str] = ["RS256"]
        # sign the ID token with this algorithm instead: "none" (unsigned) or "HS256" keyed by
        # the public key's JSON, the classic algorithm-confusion forgery
        self.forge_alg: str | None = None
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"}, private=True)
        self.codes: dict[str, dict[str, str]] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": self.published_algs,
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Any:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        challenge, method = q.get("code_challenge", ""), q.get("code_challenge_method", "")
        if (self.require_pkce and not challenge) or (challenge and method != "S256"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE S256 required"}, 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": q.get("nonce", ""), "redirect_uri": q["redirect_uri"], "challenge": challenge}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        pending = self.codes.pop(str(form.get("code")), None)
        if pending is None or form.get("redirect_uri") != pending["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if pending["challenge"] and _s256(str(form.get("code_verifier") or "")) != pending["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, status_code=400)
        now = int(time.time())
        claims = {
            **self.user,
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if self.wrong_nonce else pending["nonce"],
        }
        if self.omit_nonce:
            del claims["nonce"]
        id_token = self._sign(claims)
        return JSONResponse({"access_token": "idp-at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

    def _sign(self, claims: dict[str, Any]) -> str:
        if self.forge_alg == "none":
            header = _b64(json.dumps({"alg": "none", "kid": "idp-1"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        if self.forge_alg == "HS256":
            public = json.dumps(self.key.as_dict(private=False)).encode()
            header = _b64(json.dumps({"alg": "HS256", "kid": "idp-1"}).encode())
            body = f"{header}.{_b64(json.dumps(claims).encode())}"
            return f"{body}.{_b64(hmac.new(public, body.encode(), hashlib.sha256).digest())}"
        alg = self.forge_alg or "RS256"
        return jwt.encode({"alg": alg, "kid": "idp-1"}, claims, self.key, algorithms=[alg])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())
