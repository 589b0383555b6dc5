"""Plain-data helpers shared by the page states: status colours, money, rows for the UI.

States keep only JSON-able dicts of strings/numbers, so these converters are the
one place that knows how service objects are shaped.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from berrys_app.domain.event_kinds import EventKind

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


def per_million(input_price: Any, output_price: Any) -> str:
    """Per-token USD prices as the "per 1M tokens" figures people compare: ``$0.15 / $0.60``
    (the catalogue stores exact per-token prices, ``1.5e-07``); ``free`` when both are zero."""
    prices = [Decimal(str(price)) * 1_000_000 for price in (input_price, output_price)]
    if not any(prices):
        return "free"
    return " / ".join(f"${p:,.2f}" if p >= Decimal("0.01") or not p else f"${p.normalize():f}" for p in prices)


_WORKER_ACTOR = re.compile(r"(?:worker:)?([\w.-]+)#\d+-[0-9a-f]+")


def actor_label(actor: str | None) -> str:
    """Who did it, for people: a worker (``worker:worker-1#3915-06e425`` or ``worker-2#4345-dda731``)
    is ``worker-1`` (the process suffix means nothing to a reader; the System page lists the workers)."""
    if not actor:
        return ""
    found = _WORKER_ACTOR.fullmatch(actor)
    return found[1] if found else actor


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


# the few words a generic "snake_case / dotted.kind -> Sentence" rewrite gets wrong
_LABEL_OVERRIDES = {
    "waiting_approval": "Waiting for approval",
    "plan_review": "Plan to review",
    EventKind.TASK_WAITING: "Task waiting",
    EventKind.MODEL_TOKEN: "Model output",
    EventKind.MODEL_USAGE: "Model usage",
    EventKind.PLAN_PROPOSED: "Plan proposed",
    EventKind.PROJECT_STATUS_CHANGED: "Project status changed",
    EventKind.COMMENT_CREATED: "Comment",
    EventKind.COMMENT_MENTION: "Mention",
    EventKind.APPROVAL_REQUESTED: "Approval requested",
    EventKind.APPROVAL_DECIDED: "Approval decided",
    "tool_call": "Tool call",
    "budget_exceeded": "Budget exceeded",
    "ok": "OK",
}

# every status value a page shows as a badge (projects, tasks, plans, agents, workers, invitations)
KNOWN_STATUSES = (
    *PROJECT_STATUS_COLOR,
    *(s for s in TASK_STATUS_COLOR if s not in PROJECT_STATUS_COLOR),
    "proposed", "approved", "superseded", "active", "terminated", "live", "stale", "stopped",
    "pending", "accepted", "declined", "revoked", "expired",
)  # fmt: skip


def label(value: str | None) -> str:
    """The human label of a status or an event kind: ``waiting_approval`` -> ``Waiting for approval``,
    ``plan.approved`` -> ``Plan approved``. The one mapping every page uses (see ``components.labels``)."""
    text = str(value or "")
    if text in _LABEL_OVERRIDES:
        return _LABEL_OVERRIDES[text]
    words = text.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def initials(name: str | None) -> str:
    """Avatar initials from the first and last word of a name: "Test User" -> "TU", "ada" -> "A"."""
    words = [w for w in str(name or "").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


def _constraint_text(error: dict[str, Any]) -> str:
    """What a pydantic constraint asks for, in the words a form shows ("at most 200 characters")."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "required" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} items"
    if kind == "too_short":
        return f"at least {ctx.get('min_length')} items"
    if kind == "missing":
        return "required"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than"}
        bound = next(iter(ctx.values()), "")
        shown = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"{words.get(kind, 'less than')} {shown}"
    if kind in ("float_parsing", "float_type", "int_from_float"):
        return "a number" if kind.startswith("float") else "a whole number"
    if kind in ("int_parsing", "int_type"):
        return "a whole number"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return "a date and time, e.g. 2030-01-31 17:00"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def field_errors(errors: list[dict[str, Any]], names: dict[str, str]) -> dict[str, str]:
    """Every pydantic error of a form, keyed by field, worded for people: ``Name: at most 200
    characters``; an item of a list field names its position (``Objective 2: ...``). All errors
    come back at once (a field with several keeps them all, joined)."""
    found: dict[str, list[str]] = {}
    for error in errors:
        loc = error.get("loc") or ("form",)
        field = str(loc[0])
        title = names.get(field, label(field))
        if len(loc) > 1 and isinstance(loc[1], int):
            title = f"{names.get(field + '[]', title)} {loc[1] + 1}"
        wording = _constraint_text(error)
        wording = wording.removeprefix(f"{field} ").removeprefix(f"{field.replace('_', ' ')} ")
        text = f"{title}: {wording}"
        if text not in found.setdefault(field, []):
            found[field].append(text)
    return {field: "; ".join(texts) for field, texts in found.items()}


def human_error(exc: Exception) -> str:
    """A service refusal as a sentence (first letter capitalised)."""
    message = str(getattr(exc, "message", "") or exc)
    return message[:1].upper() + message[1:]


def max_length_of(model: Any, field: str) -> int:
    """A schema field's ``max_length``, so an input's limit is the schema's (one place for the rule)."""
    for item in model.model_fields[field].metadata:
        if getattr(item, "max_length", None) is not None:
            return int(item.max_length)
    raise LookupError(f"{model.__name__}.{field} has no max_length")


def brief(text: str | None, limit: int = 240) -> str:
    """A long description shortened at a sentence end (else a word end, with "…"), never mid-word."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    sentence_end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if sentence_end >= limit // 3:
        return head[: sentence_end + 1]
    return head.rsplit(" ", 1)[0].rstrip(",;:") + "…"


def model_label(model: str | None, default_model: str) -> str:
    """A model as the pages show it: "default" is named (``embedded/smollm2 (default)``)."""
    if not model or model == "default":
        return f"{default_model} (default)"
    return model


def human_time(value: str | datetime | None) -> str:
    """``2026-12-07T06:44:12.123456+00:00`` -> ``Dec 7, 06:44:12`` (UTC; no microseconds, no ISO)."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when:%b} {when.day}, {when:%H:%M:%S}"


def markdown_text(text: str | None) -> str:
    """The agent's Markdown as the renderer gets it (only ``None`` and NUL characters dropped;
    ``components.markdown`` renders it without raw HTML)."""
    return (text or "").replace("\x00", "")
