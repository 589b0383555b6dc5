"""Read projections for hot REST lists, serialised to JSON by PostgreSQL and cached.

A plan has up to 500 tasks; building 500 ORM objects and validating them twice costs
tens of milliseconds per request in Python. Here PostgreSQL emits the JSON array in
the shape of ``schemas.TaskPublic`` and the route passes the text through. The text
is cached per process and reused while the rows are unchanged: every UPDATE/INSERT
gives a row a new ``xmin`` (the writing transaction), so ``(count, max(xmin))`` over
the project's rows is a cheap fingerprint read in the same snapshot as the cache check.
Authorization still happens in the engine service before any of this runs.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.api.schemas import TaskPublic

_TIMESTAMPS = {"started_at", "finished_at", "created_at"}


def _column(name: str) -> str:
    """Timestamps in the same UTC ``...Z`` form pydantic writes elsewhere in the API."""
    if name in _TIMESTAMPS:
        return f"""to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS {name}"""
    return name


_TASK_COLUMNS = ", ".join(_column(name) for name in TaskPublic.model_fields)
_FILTER = "project_id = :project_id AND (CAST(:plan_version AS integer) IS NULL OR plan_version = CAST(:plan_version AS integer))"
_FINGERPRINT_SQL = text(f"SELECT count(*), coalesce(max(xmin::text::bigint), 0) FROM tasks WHERE {_FILTER}")
_TASKS_SQL = text(
    f"""
    SELECT coalesce(json_agg(t ORDER BY t.plan_version, t.created_at, t.key), '[]'::json)::text, count(*)
    FROM (SELECT {_TASK_COLUMNS} FROM tasks WHERE {_FILTER}) AS t
    """
)
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[uuid.UUID, int | None], tuple[tuple[int, int], str, int]] = OrderedDict()
_lock = threading.Lock()


def tasks_json(session: Session, *, project_id: uuid.UUID, plan_version: int | None) -> tuple[str, int, str]:
    """The tasks of a project (optionally of one plan version) as a JSON array text, the count,
    and an entity tag that changes whenever any of the rows does."""
    params = {"project_id": project_id, "plan_version": plan_version}
    count, newest = session.execute(_FINGERPRINT_SQL, params).one()
    fingerprint = (int(count), int(newest))
    etag = f'"{project_id.hex[:12]}-{plan_version or 0}-{fingerprint[0]}-{fingerprint[1]}"'
    key = (project_id, plan_version)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == fingerprint:
            _cache.move_to_end(key)
            return hit[1], hit[2], etag
    data, total = session.execute(_TASKS_SQL, params).one()
    with _lock:
        _cache[key] = (fingerprint, data, int(total))
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data, int(total), etag
