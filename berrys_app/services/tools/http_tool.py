"""HTTP tools: a request to a host on the tool version's allowlist, with credentials from
the vault put into headers at send time (``${credentials.NAME}``). The model only ever
writes and sees the reference; the plaintext is scrubbed from everything recorded."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import Session

from berrys_app.db import session_scope
from berrys_app.domain.tools import CredentialKind
from berrys_app.services.tools import mcp_hosts, vault
from berrys_app.services.tools.context import Invocation, ToolFailure
from berrys_app.services.tools.mcp_hosts import host_allowed
from berrys_app.settings import get_settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
CREDENTIAL_REF = re.compile(r"\$\{credentials\.([A-Za-z][A-Za-z0-9_]*)\}")
# oauth2 client-credentials tokens by (team id, credential id, hash of the secret): a token
# is never handed to another team, another credential, or the same one with another secret
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}


def _parse_url(raw: str, allowed: list[str]) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL as exc:
        raise ToolFailure("invalid_arguments", f"url is not a valid URL: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ToolFailure("invalid_arguments", "url must be an absolute http:// or https:// URL")
    if url.userinfo:
        raise ToolFailure("invalid_arguments", "put credentials in a header as ${credentials.NAME}, not in the URL")
    if not host_allowed(url, allowed):
        listed = ", ".join(allowed) if allowed else "none"
        raise ToolFailure("host_not_allowed", f"host {url.host!r} is not allowed for this tool (allowed: {listed})")
    return url


async def _oauth2_token(credential: vault.UsedCredential, allowed: list[str], timeout: float) -> str:
    """Client-credentials grant, cached until shortly before expiry."""
    secret, cache_key = credential.secret, credential.cache_key
    cached = _TOKENS.get(cache_key)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    token_url = _parse_url(secret["token_url"], allowed)
    data = {"grant_type": "client_credentials"}
    if secret.get("scope"):
        data["scope"] = secret["scope"]
    async with mcp_hosts.guarded_http_client(timeout) as client:
        try:
            response = await client.post(token_url, data=data, auth=(secret["client_id"], secret["client_secret"]))
        except mcp_hosts.HostRefused as exc:
            raise ToolFailure("host_not_allowed", str(exc)) from exc
        except httpx.HTTPError as exc:
            raise ToolFailure("credential_error", f"could not get an OAuth2 token: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise ToolFailure("credential_error", f"the OAuth2 token endpoint answered {response.status_code}")
    payload = response.json()
    token = str(payload.get("access_token", ""))
    if not token:
        raise ToolFailure("credential_error", "the OAuth2 token endpoint returned no access_token")
    ttl = float(payload.get("expires_in", 300))
    _TOKENS[cache_key] = (token, time.monotonic() + max(0.0, ttl - 30))
    return token


@dataclass
class Request:
    """A checked request as the model asked for it (credential references not yet resolved)."""

    method: str
    url: httpx.URL
    headers: dict[str, str]
    body: str | None
    allowed: list[str]
    timeout: float


def _references(headers: dict[str, str]) -> dict[str, set[str]]:
    """Credential name -> the headers it is referenced in."""
    refs: dict[str, set[str]] = {}
    for header, value in headers.items():
        for name in CREDENTIAL_REF.findall(value):
            refs.setdefault(name, set()).add(header)
    return refs


async def _resolve_headers(req: Request, inv: Invocation) -> dict[str, str]:
    refs = _references(req.headers)
    if not refs:
        return dict(req.headers)
    values: dict[str, str] = {}
    oauth: dict[str, vault.UsedCredential] = {}
    with session_scope() as session:  # commits the audit rows even if the request then fails
        for name in sorted(refs):
            used = vault.use_credential(session, inv, name, url=req.url, headers=refs[name])
            if used.kind == CredentialKind.oauth2_client.value:
                oauth[name] = used
            else:
                values[name] = vault.header_value(used.kind, used.secret)
    for name, used in oauth.items():
        values[name] = await _oauth2_token(used, req.allowed, req.timeout)
    inv.secrets.extend(values.values())
    return {key: CREDENTIAL_REF.sub(lambda m: values[m.group(1)], value) for key, value in req.headers.items()}


def parse_request(inv: Invocation) -> Request:
    """The model's arguments checked against the tool's allowlist (``invalid_arguments`` /
    ``host_not_allowed``), before anything is sent or a person is asked."""
    args: dict[str, Any] = inv.arguments
    allowed: list[str] = list(inv.config.get("allowed_hosts", []))
    if inv.config.get("operator_hosts"):  # the built-in: the operator's allowlist
        allowed += get_settings().http_allowed_hosts
    method = str(args.get("method", "GET")).upper()
    if method not in METHODS:
        raise ToolFailure("invalid_arguments", f"method must be one of {', '.join(METHODS)}")
    raw_url = args.get("url")
    if not isinstance(raw_url, str):
        raise ToolFailure("invalid_arguments", "url must be a string")
    raw_headers = args.get("headers") or {}
    if not isinstance(raw_headers, dict) or not all(isinstance(v, str) for v in raw_headers.values()):
        raise ToolFailure("invalid_arguments", "headers must be an object of string values")
    headers = {str(k): v for k, v in raw_headers.items()}
    body = args.get("body")
    if body is not None and not isinstance(body, str):  # a JSON value: send it as JSON
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    if CREDENTIAL_REF.search(raw_url) or (body and CREDENTIAL_REF.search(body)):
        raise ToolFailure("invalid_arguments", "credentials may only be referenced in headers")
    url = _parse_url(raw_url, allowed)
    return Request(method, url, headers, body, allowed, float(inv.config.get("timeout_s", 30)))


def preflight(session: Session, inv: Invocation) -> str:
    """Everything that would refuse the call, checked before a person is asked to approve it;
    returns the target (``host`` or ``host:port``) the approval shows."""
    req = parse_request(inv)
    vault.check_references(session, inv, req.url, _references(req.headers))
    return f"{req.url.host}:{req.url.port}" if req.url.port else req.url.host


async def run_http(inv: Invocation) -> str:
    """The tool: returns the status line, content type and (capped) body as text."""
    req = parse_request(inv)
    url, method, body, timeout = req.url, req.method, req.body, req.timeout
    max_bytes = int(inv.config.get("max_response_bytes", 1_000_000))
    headers = await _resolve_headers(req, inv)
    if inv.idempotency_key and method not in ("GET", "HEAD"):
        headers.setdefault("Idempotency-Key", inv.idempotency_key)
    async with mcp_hosts.guarded_http_client(timeout) as client:
        try:
            request = client.build_request(method, url, headers=headers, content=body)
            response = await client.send(request, stream=True)
        except mcp_hosts.HostRefused as exc:
            raise ToolFailure("host_not_allowed", str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise ToolFailure("timeout", f"{url.host} did not answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise ToolFailure("http_unreachable", f"could not reach {url.host}: {type(exc).__name__}") from exc
        try:
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data.extend(chunk)
                if len(data) > max_bytes:
                    break
        finally:
            await response.aclose()
    truncated = len(data) > max_bytes
    text = bytes(data[:max_bytes]).decode(response.encoding or "utf-8", "replace")
    lines = [f"HTTP {response.status_code} {response.reason_phrase}"]
    for name in ("content-type", "location"):
        if name in response.headers:
            lines.append(f"{name}: {response.headers[name]}")
    if truncated:
        lines.append(f"(body cut at {max_bytes} bytes)")
    return "\n".join(lines) + "\n\n" + text
