"""Service errors with stable codes. REST maps them to problem JSON, the dashboard to messages."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base: a refusal the caller can explain to a person. ``code`` is stable API surface."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(ServiceError):
    code, status = "validation_error", 422


class NotFound(ServiceError):
    code, status = "not_found", 404


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class Unauthorized(ServiceError):
    code, status = "unauthorized", 401


class Conflict(ServiceError):
    """E.g. an illegal state transition."""

    code, status = "conflict", 409


class BudgetExceeded(ServiceError):
    code, status = "budget_exceeded", 402


class RateLimited(ServiceError):
    code, status = "rate_limited", 429

    def __init__(self, message: str, *, retry_after_s: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class ToolApprovalRequired(ServiceError):
    """A tool call waits for a person (its tool's approval policy); ``details`` is what the
    inbox shows: the tool, the masked arguments, the target host and the call's ``call_key``.
    The agent loop parks the task (``wait_for_person``); deciding the approval re-runs it."""

    code, status = "tool_approval_required", 409


class PayloadTooLarge(ServiceError):
    """A request body over the route's limit (e.g. an inbound webhook's 64 KB)."""

    code, status = "payload_too_large", 413
