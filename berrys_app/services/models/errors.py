"""ModelError: why a model call failed, as a stable ``reason`` the agent loop can act on."""

from __future__ import annotations

from typing import Any

from berrys_app.services.errors import ServiceError

REASONS = frozenset(
    {
        "unknown_model",
        "missing_api_key",
        "timeout",
        "rate_limited",
        "provider_error",
        "malformed_output",
        "context_overflow",
        "circuit_open",
        "network_disabled",
        "no_recording",  # a replay met a call its source project never recorded
    }
)
# Failures of the provider itself: counted by the circuit breaker and worth a fallback.
PROVIDER_FAULTS = frozenset({"timeout", "rate_limited", "provider_error"})
# Failures that the next model in the chain may not have.
FALLBACK_REASONS = PROVIDER_FAULTS | {"circuit_open", "missing_api_key", "network_disabled", "context_overflow"}


class ModelError(ServiceError):
    """A model call that could not produce a usable answer; ``reason`` is one of ``REASONS``."""

    code, status = "model_error", 502

    def __init__(self, reason: str, message: str, *, model: str | None = None, details: Any = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown ModelError reason {reason!r}")
        super().__init__(message, details={"reason": reason, "model": model, **(details or {})})
        self.reason = reason
        self.model = model

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"
