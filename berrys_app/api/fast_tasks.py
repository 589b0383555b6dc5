"""``GET /api/v1/projects/{id}/tasks`` answered ahead of the framework, when nothing is unusual.

The task list is the hottest read (clients and dashboards poll it; one page holds up to 500
tasks). Through Reflex's and FastAPI's layers (routing over ~60 routes, dependency solving, two
thread-pool hops, two statements, a sync Redis call) it cost ~1.5 ms of CPU per request; the
cached body itself costs nothing. This ASGI wrapper serves the ordinary case on the event loop:

1. a plain ``GET`` of that path, no query other than ``current_only``, no ``Origin`` (CORS), a
   bearer *access JWT* (``tokens.access_token_subject``: signature cache, expiry + type each use)
   or an *API key* (``brk_...``: the SDK's and service accounts' credential);
2. one prepared statement (``task_listing.check_user`` / ``check_key``): the account is active
   (the key valid, unexpired, unrevoked, with a scope that reads projects), the caller's role in
   the project's team, and the fingerprint of the tasks — so a revoked key or membership, a
   disabled account or a changed task committed by any process shows on the very next request;
3. the request is counted against the caller's rate limit (``ratelimit_aio``: same window, same
   identity as every other route — the API key, else the user — so a key's
   ``BERRYS_RATE_LIMIT_API_OVERRIDES`` entry holds here too);
4. the listing from the shared per-fingerprint cache (read once per change), with the same
   headers as the route (ETag per representation, 304, gzip, request id, security headers).

Anything else — a key whose use is due to be recorded (once a minute), a bad or expired token,
an unknown project, a non-member, an exhausted rate limit, an error — falls through, untouched
and uncounted, to the ordinary route, which produces the answer (and the problem JSON) as for
every other route.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

from berrys_app.api.problems import REQUEST_ID_RE, security_headers
from berrys_app.services import auth, ratelimit_aio, task_listing, tokens
from berrys_app.services.errors import Unauthorized

log = logging.getLogger(__name__)
_PATH = re.compile(r"/api/v1/projects/([0-9A-Fa-f-]{32,36})/tasks")
_QUERIES = {b"": False, b"current_only=false": False, b"current_only=true": True}
TRIED = "berrys.fast_tasks"  # scope key: set once the fast path declined, so no layer retries it


def is_fast_path(path: str) -> bool:
    """A path this module may answer (``api.http_metrics`` labels its answers with the route's template)."""
    return _PATH.fullmatch(path) is not None


def accepts_gzip(accept_encoding: str) -> bool:
    """``gzip`` listed and not refused with ``q=0``."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def etag_matches(etag: str, if_none_match: str) -> bool:
    return etag in {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}


def _static_headers(scheme: str) -> list[tuple[bytes, bytes]]:
    """The security headers ``problems.RequestContextMiddleware`` adds to an API response."""
    headers = MutableHeaders()
    security_headers("/api/v1/", headers, scheme)
    return headers.raw


_STATIC = {scheme: _static_headers(scheme) for scheme in ("http", "https")}


async def _answer(scope: Scope, vary: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """(status, headers, body) for the ordinary case, or ``None`` to let the route answer."""
    match = _PATH.fullmatch(scope["path"])
    current_only = _QUERIES.get(scope.get("query_string", b""))
    if match is None or current_only is None:
        return None
    authorization = accept_encoding = if_none_match = request_id = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = authorization or value.decode("latin-1")
        elif name == b"accept-encoding":
            accept_encoding = accept_encoding or value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = if_none_match or value.decode("latin-1")
        elif name == b"x-request-id":
            request_id = request_id or value.decode("latin-1")
        elif name == b"origin":
            return None  # CORS: the framework's middleware decides on the headers
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or " " in token:
        return None
    try:
        project_id = uuid.UUID(match.group(1))
        if token.startswith(auth.API_KEY_PREFIX):
            access = await task_listing.check_key(token, project_id, current_only=current_only)
        elif token.count(".") == 2:
            user_id = tokens.access_token_subject(token)
            access = await task_listing.check_user(user_id, project_id, current_only=current_only)
        else:
            return None  # missing or neither a key nor a JWT
    except (ValueError, Unauthorized):
        return None
    if access is None or not await ratelimit_aio.try_hit_actor(access.identity):
        return None
    listing = await task_listing.load(access)
    gzipped = accepts_gzip(accept_encoding)
    etag = listing.etag[:-1] + '-gz"' if gzipped else listing.etag  # one tag per representation
    headers = [
        (b"etag", etag.encode()),
        (b"vary", vary),
        (b"x-request-id", (request_id if REQUEST_ID_RE.match(request_id) else uuid.uuid4().hex).encode()),
        *_STATIC["https" if scope.get("scheme") == "https" else "http"],
    ]
    if if_none_match and etag_matches(etag, if_none_match):
        return 304, headers, b""
    if gzipped:
        body = listing.gzipped_if_ready() or await asyncio.to_thread(lambda: listing.gzipped)
        headers.append((b"content-encoding", b"gzip"))
    else:
        body = listing.body
    headers += [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    return 200, headers, body


async def serve(scope: Scope, send: Send, *, cors: bool) -> bool:
    """Answer the request if it is the ordinary case; ``False`` (and nothing sent) otherwise.

    ``cors``: a CORS middleware wraps the app, so responses also vary by ``Origin`` (Starlette's
    adds it to ``Vary`` when the request has none, as here)."""
    if scope["type"] != "http" or scope["method"] != "GET" or TRIED in scope or not scope["path"].endswith("/tasks"):
        return False
    scope[TRIED] = True
    try:
        answer = await _answer(scope, b"Accept-Encoding, Origin" if cors else b"Accept-Encoding")
    except Exception:  # the route will meet the same problem and answer it properly
        log.warning("task list fast path failed; using the route", exc_info=True)
        return False
    if answer is None:
        return False
    status, headers, body = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True


class TaskListFastPath:
    """ASGI wrapper: ``serve`` first, else the wrapped app (the Reflex app in production, which
    always has a CORS layer)."""

    def __init__(self, app: ASGIApp, *, cors: bool = True) -> None:
        self.app = app
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await serve(scope, send, cors=self.cors):
            await self.app(scope, receive, send)
