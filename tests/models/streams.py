"""Reading ``model.token`` streams in tests."""

from __future__ import annotations

from typing import Any


def assemble(messages: list[dict[str, Any]]) -> str:
    """Join the deltas of one stream's messages (what the dashboard does), in ``seq`` order."""
    ordered = sorted((m.get("payload", m) for m in messages), key=lambda payload: payload["seq"])
    return "".join(payload["delta"] for payload in ordered)
