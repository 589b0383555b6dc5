"""Plain-data helpers shared by the page states: status colours, money, rows for the UI.

States keep only JSON-able dicts of strings/numbers, so these converters are the
one place that knows how service objects are shaped.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

PROJECT_STATUS_COLOR = {
    "created": "gray",
    "planning": "blue",
    "plan_review": "amber",
    "ready": "cyan",
    "executing": "violet",
    "paused": "orange",
    "completed": "green",
    "failed": "red",
    "rejected": "red",
    "cancelled": "gray",
}

TASK_STATUS_COLOR = {
    "pending": "gray",
    "ready": "cyan",
    "running": "violet",
    "retrying": "orange",
    "waiting_approval": "amber",
    "completed": "green",
    "failed": "red",
    "cancelled": "gray",
    "superseded": "gray",
}

# plotly needs real colours, not Radix scale names
TASK_STATUS_HEX = {
    "pending": "#9ca3af",
    "ready": "#06b6d4",
    "running": "#7c3aed",
    "retrying": "#f97316",
    "waiting_approval": "#f59e0b",
    "completed": "#16a34a",
    "failed": "#dc2626",
    "cancelled": "#6b7280",
    "superseded": "#d1d5db",
}


def plain(value: Any) -> Any:
    """A JSON-able version of a service value (uuids/datetimes/enums to strings)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def as_dict(obj: Any) -> dict[str, Any]:
    """A service result (SQLModel row, pydantic model, dataclass or dict) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        data = obj
    elif hasattr(obj, "model_dump"):
        data = obj.model_dump()
    elif hasattr(obj, "__dataclass_fields__"):
        data = {name: getattr(obj, name) for name in obj.__dataclass_fields__}
    elif hasattr(obj, "_asdict"):
        data = obj._asdict()
    else:
        data = dict(vars(obj))
        data.pop("_sa_instance_state", None)
    return plain(data)


def money(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def short_time(value: str | None) -> str:
    """``2026-11-24T08:01:02.123+00:00`` -> ``08:01:02``; empty stays empty."""
    if not value:
        return ""
    if "T" in value:
        return value.split("T", 1)[1][:8]
    return value


def short_date(value: str | None) -> str:
    if not value:
        return ""
    return value.replace("T", " ")[:16]
