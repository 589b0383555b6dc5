"""Keyset pagination: an opaque cursor names the last row a client saw; the next page starts after it.

An offset page costs the rows it skips (page 500 reads 10,000 rows to show 20) and one count per
request; a keyset page is an index range scan from the cursor on, whatever the page number, and
counts nothing. The cursor is ``base64url(json([created_at, id]))`` (or ``[id]`` for tables ordered
by a growing integer id): opaque to clients, so the key may change without breaking them.

A list function takes ``cursor`` beside ``page``: without one it answers the offset page (and
the total) as before; with one it answers the rows after the cursor, newest first, and no total.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, tuple_

from berrys_app.services.errors import ValidationFailed

_INVALID = "invalid cursor: pass next_cursor from the previous page unchanged"


def encode(*key: Any) -> str:
    """The cursor of a row whose sort key is ``key`` (datetimes and UUIDs as strings)."""
    plain = [value.isoformat() if isinstance(value, datetime) else str(value) for value in key]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed(_INVALID) from error
    if not isinstance(values, list) or len(values) != size or not all(isinstance(v, str) for v in values):
        raise ValidationFailed(_INVALID)
    return values


def created_and_id(cursor: str) -> tuple[datetime, uuid.UUID]:
    """``(created_at, id)`` from a cursor of a table ordered newest first by those two."""
    created, row_id = _decode(cursor, 2)
    try:
        return datetime.fromisoformat(created), uuid.UUID(row_id)
    except ValueError as error:
        raise ValidationFailed(_INVALID) from error


def integer_id(cursor: str) -> int:
    """The id from a cursor of a table ordered by a growing integer id."""
    (row_id,) = _decode(cursor, 1)
    try:
        value = int(row_id)
    except ValueError as error:
        raise ValidationFailed(_INVALID) from error
    if not 0 <= value < 2**63:  # a bigint column
        raise ValidationFailed(_INVALID)
    return value


def before_created(created_at: Any, row_id: Any, cursor: str) -> ColumnElement[bool]:
    """``(created_at, id) < cursor``: a row comparison, which a btree on (scope..., created_at, id)
    answers as one range (newest first, so "after the cursor" is "before it" in key order)."""
    at, after_id = created_and_id(cursor)
    return tuple_(created_at, row_id) < tuple_(at, after_id)


def check(page: int, cursor: str | None) -> None:
    if cursor is not None and page != 1:
        raise ValidationFailed("give page or cursor, not both (a cursor already says where the page starts)")


def next_cursor(rows: list[Any], *, per_page: int, total: int | None, page: int, key: Any) -> str | None:
    """The cursor of the page after these rows, or None when there is none.

    An offset page knows the total, so the last page says None; a cursor page does not count,
    so a full page always gives a cursor (the page after it may be empty)."""
    if not rows or len(rows) < per_page:
        return None
    if total is not None and page * per_page >= total:
        return None
    return encode(*key(rows[-1]))


def created_key(row: Any) -> tuple[datetime, uuid.UUID]:
    """The sort key of projects and approvals (newest first)."""
    return row.created_at, row.id


def id_key(row: Any) -> tuple[int]:
    """The sort key of the audit log (newest first)."""
    return (row.id,)
