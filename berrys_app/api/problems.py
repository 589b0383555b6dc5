"""One error shape for every failure: an RFC 9457 problem (``application/problem+json``:
``type``, ``title``, ``status``, ``detail``) whose extensions are the stable fields clients
already read, ``{code, message, details, request_id}``.

Service errors, HTTP errors, validation errors and unexpected exceptions (500,
logged) all answer with it, and every response carries ``X-Request-ID`` and the
security headers. Wired in ``routes.setup``.
"""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from berrys_app import db
from berrys_app.api.fallback import allowed_methods
from berrys_app.observability import logs
from berrys_app.services import proxies
from berrys_app.services.errors import RateLimited, ServiceError

log = logging.getLogger("berrys.api")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


PROBLEM_MEDIA_TYPE = "application/problem+json"
DATABASE_RETRY_AFTER_S = 1  # a restart or a burst past the connection slots passes in seconds


class Problem(BaseModel):
    """The error body of every non-2xx response (RFC 9457, with extensions)."""

    type: str = "about:blank"  # urn:berrys:problem:<code>: one per stable code, documented in docs/api.md
    title: str = ""  # the HTTP status phrase
    status: int = 500
    detail: str = ""  # = message
    code: str
    message: str
    details: Any = None
    request_id: str | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: _documented(code.replace("_", " "))
    for status, code in HTTP_CODES.items()
    if status in (400, 401, 402, 403, 404, 409, 422, 429)
}
PROBLEM_RESPONSES[402] = _documented("budget exceeded")
PROBLEM_RESPONSES[500] = _documented("internal error")


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(
    status: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:berrys:problem:{code}",
        title=_phrase(status),
        status=status,
        detail=message,
        code=code,
        message=message,
        details=details,
        request_id=request_id,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
    return problem_response(
        exc.status, exc.code, exc.message, details=exc.details, request_id=request_id_of(request), headers=headers
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    details = None if isinstance(exc.detail, str) else exc.detail
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        exc.status_code,
        code,
        message,
        details=details,
        request_id=request_id_of(request),
        headers=headers or None,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route serves on this path (Starlette names only the first match)."""
    return allowed_methods(request.app, request.scope)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg")), "type": error.get("type")}
        for error in exc.errors()
    ]
    return problem_response(
        422, "validation_error", "the request is not valid", details=errors, request_id=request_id_of(request)
    )


def security_headers(path: str, headers: MutableHeaders, scheme: str) -> None:
    """The headers every API answer carries (also set by ``fast_tasks``, which answers before this middleware)."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if scheme == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if path.startswith(("/api/v1", "/health", "/api/openapi.json")):
        headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        headers.setdefault("Cache-Control", "no-store")
    else:  # /api/docs and /api/redoc bring their own (api.docs: same-origin assets, script by hash)
        headers.setdefault("Content-Security-Policy", PAGE_CSP)


# Dashboard pages: Reflex/React inline their hydration scripts and styles and evaluate event
# scripts, and the state lives on a websocket to this origin; everything else stays same-origin
# (no third-party scripts, frames, plugins, form targets or beacons to other hosts).
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class RequestContextMiddleware:
    """X-Request-ID (honoured if the client sent a sane one), security headers, and a
    problem-JSON 500 for anything unexpected (logged with the request id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                security_headers(scope.get("path", ""), headers, proxies.scope_scheme(scope))
            await send(message)

        with logs.bound(request_id=request_id):  # on every log line of the request
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception as exc:
                if started:
                    log.exception("error after the response started: %s %s", scope.get("method"), scope.get("path"))
                    raise
                await _unexpected(exc, scope, request_id)(scope, receive, send_with_headers)


def _unexpected(exc: Exception, scope: Scope, request_id: str) -> JSONResponse:
    """503 with Retry-After when the database could not be reached (the request was fine: retry);
    500, logged with its traceback, for anything else."""
    method, path = scope.get("method"), scope.get("path")
    if db.is_unavailable(exc):
        log.warning("database unavailable in %s %s (request %s): %s", method, path, request_id, exc)
        return problem_response(
            503,
            "database_unavailable",
            "the database is not answering right now; retry in a moment",
            request_id=request_id,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )
    log.exception("unhandled error in %s %s (request %s)", method, path, request_id)
    return problem_response(500, "internal_error", "something went wrong on our side", request_id=request_id)


def install(api: FastAPI) -> None:
    """Register the handlers and the request-context middleware on ``api``."""
    api.add_exception_handler(ServiceError, _service_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_middleware(RequestContextMiddleware)
