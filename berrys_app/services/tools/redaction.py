"""What may be stored or shown of a tool call: secret-looking argument values masked (a
``${credentials.NAME}`` reference stays: it is a name, not a value) and every known secret
value removed."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private", re.I)
_CREDENTIAL_REF = re.compile(r"^\s*(\w+\s+)?\$\{credentials\.[A-Za-z][A-Za-z0-9_]*\}\s*$")


def redact(value: Any, secrets: list[str], *, key: str = "") -> Any:
    """Arguments as they may be stored: secret-looking keys masked, known secret values removed."""
    if isinstance(value, dict):
        return {scrub(str(k), []): redact(v, secrets, key=str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets, key=key) for v in value]
    if isinstance(value, str):
        if key and _SECRET_KEY.search(key) and not _CREDENTIAL_REF.match(value):
            return REDACTED
        return scrub(value, secrets)
    return value


def scrub(text: str, secrets: list[str]) -> str:
    """Remove known secret values, and NUL characters (PostgreSQL text cannot hold them)."""
    text = text.replace("\x00", "\ufffd")
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text
