"""The task list of a project as JSON text, authorized and fingerprinted in one round trip.

``GET /projects/{id}/tasks`` is the hottest read of the API (a plan holds up to 500
tasks, the dashboard and clients poll it). Building 500 ORM objects and validating them
twice costs tens of milliseconds in Python, so PostgreSQL emits the JSON array in the
shape of ``TaskPublic`` and the route passes the text through. The text is cached per
process while the rows are unchanged.

Fingerprint: every INSERT/UPDATE gives a row a new ``xmin`` (the writing transaction),
so ``count`` plus the sum of a 64-bit hash of ``(id, xmin)`` over the rows changes
whenever any row does — also when an older transaction commits after a newer one (a
plain ``max(xmin)`` misses that). The check query reads the caller's role in the
project's team, the project and the fingerprint in one statement; the JSON query
returns the fingerprint of the very snapshot it serialised (one statement), which is what is cached.

Authorization is the same rule as ``authz.require_role(..., Role.viewer, scope=PROJECTS_READ)``:
a project of a team the caller is not in does not exist for them (404); an API key needs
``projects:read``. (``check_user`` serves JWT sessions only, which hold every scope.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import threading
import uuid
from collections import OrderedDict
from typing import Any

from berrys_app.db.aio import fetch_one as afetch_one
from berrys_app.db.reads import fetch_one
from berrys_app.services import auth
from berrys_app.services.authz import PROJECTS_READ, Actor, require_scope
from berrys_app.services.errors import NotFound
from berrys_app.settings import get_settings

# The public columns, in the order of ``api.schemas.TaskPublic`` (a test keeps them equal).
TASK_COLUMNS = (
    "id", "project_id", "plan_version", "key", "title", "description", "capabilities", "expected_output",
    "estimated_minutes", "priority", "status", "attempt", "failures", "last_error", "waiting_reason",
    "output", "agent_id", "assignment_reason", "started_at", "finished_at", "created_at",
)  # fmt: skip
_TIMESTAMPS = {"started_at", "finished_at", "created_at"}


def _column(name: str) -> str:
    """Timestamps in the same UTC ``...Z`` form pydantic writes elsewhere in the API."""
    if name in _TIMESTAMPS:
        return f"""to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS {name}"""
    return name


_ROWS = (
    "project_id = %(project_id)s AND (%(plan_version)s::integer IS NULL OR plan_version = %(plan_version)s::integer)"
)
# per row: a 64-bit hash of the row version (xmin) mixed with one of the id; integer hashes, no
# text building (~1/3 less PostgreSQL CPU than hashing ``id || ':' || xmin`` as text)
_FINGERPRINT = (
    "count(*) AS total, "
    "coalesce(sum(hashint8extended(xmin::text::bigint, 0) # uuid_hash_extended(id, 0)), 0)::text AS digest"
)
_CHECK_SQL = f"""
    SELECT p.plan_version, m.role, f.total, f.digest
    FROM projects AS p
    LEFT JOIN team_members AS m ON m.team_id = p.team_id AND m.user_id = %(user_id)s
    CROSS JOIN LATERAL (
        SELECT {_FINGERPRINT} FROM tasks
        WHERE project_id = p.id AND (NOT %(current_only)s OR plan_version = p.plan_version)
    ) AS f
    WHERE p.id = %(project_id)s
    """
_JSON_SQL = f"""
    SELECT d.data, f.total, f.digest
    FROM (
        SELECT coalesce(json_agg(t ORDER BY t.plan_version, t.created_at, t.key), '[]'::json)::text AS data
        FROM (SELECT {", ".join(_column(name) for name in TASK_COLUMNS)} FROM tasks WHERE {_ROWS}) AS t
    ) AS d
    CROSS JOIN (SELECT {_FINGERPRINT} FROM tasks WHERE {_ROWS}) AS f
    """


class TaskListing:
    """The tasks as the REST list body (``{data, meta}``: one page holding every task,
    ``per_page`` = total), how many, and an entity tag.

    One object per cached snapshot, shared by every request that finds it current, so the
    body is encoded (and gzip-compressed, on first demand) once per change, not per request."""

    def __init__(self, data: str, total: int, etag: str) -> None:
        meta = f'{{"total":{total},"page":1,"per_page":{max(total, 1)}}}'
        self.body = f'{{"data":{data},"meta":{meta}}}'.encode()
        self.total = total
        self.etag = etag
        self._gzipped: bytes | None = None

    def gzipped_if_ready(self) -> bytes | None:
        """``gzipped`` if already compressed (compressing 300 KB takes milliseconds)."""
        return self._gzipped

    @property
    def gzipped(self) -> bytes:
        """``body`` gzip-compressed (~17 KB instead of ~300 KB for 500 tasks)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


_CACHE_SIZE = 256
_cache: OrderedDict[tuple[uuid.UUID, int | None], tuple[tuple[int, str], TaskListing]] = OrderedDict()
_lock = threading.Lock()


def _etag(project_id: uuid.UUID, plan_version: int | None, fingerprint: tuple[int, str]) -> str:
    return f'"{project_id.hex[:12]}-{plan_version or 0}-{fingerprint[0]}-{fingerprint[1]}"'


def _cached(key: tuple[uuid.UUID, int | None], fingerprint: tuple[int, str]) -> TaskListing | None:
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == fingerprint:
            _cache.move_to_end(key)
            return hit[1]
    return None


def _store(key: tuple[uuid.UUID, int | None], found: tuple[Any, ...] | None) -> TaskListing:
    """Cache the result of ``_JSON_SQL`` under the fingerprint of the snapshot it serialised."""
    assert found is not None  # an aggregate always returns one row
    data, total, digest = found
    fingerprint = (int(total), digest)
    listing = TaskListing(data, fingerprint[0], _etag(key[0], key[1], fingerprint))
    with _lock:
        _cache[key] = (fingerprint, listing)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return listing


def list_tasks_json(actor: Actor, project_id: uuid.UUID, *, current_only: bool = False) -> TaskListing:
    """Every task of the project (or of its current plan version) in plan order, for a viewer or above.

    Reads committed rows on its own connection (single statements, see ``db.reads``): it
    writes nothing, so it needs no part in the caller's transaction."""
    params = {"project_id": project_id, "user_id": actor.user_id, "current_only": current_only}
    row = fetch_one(_CHECK_SQL, params)
    if row is None or (row[1] is None and not actor.is_system):
        raise NotFound("project not found")
    require_scope(actor, PROJECTS_READ)
    key = (project_id, row[0] if current_only else None)
    listing = _cached(key, (int(row[2]), row[3]))
    if listing is None:
        listing = _store(key, fetch_one(_JSON_SQL, {"project_id": project_id, "plan_version": key[1]}))
    return listing


# The caller of the async path holds a verified access token or an API key: its one statement also
# does what ``auth.authenticate`` reads on every request (the account exists and is active; for a
# key: its digest, not revoked, not expired, a scope that reads projects). An access token's
# sessions ended by a password reset within its lifetime, and a key whose last use is older than
# ``auth`` records (a minute): the ordinary path, which compares ``iat`` / records the use, decides.
_LISTABLE = f"""
    LEFT JOIN projects AS p ON p.id = %(project_id)s
    LEFT JOIN team_members AS m ON m.team_id = p.team_id AND m.user_id = u.id
    CROSS JOIN LATERAL (
        SELECT {_FINGERPRINT} FROM tasks
        WHERE m.role IS NOT NULL AND project_id = p.id AND (NOT %(current_only)s OR plan_version = p.plan_version)
    ) AS f"""
_USER_CHECK_SQL = f"""
    SELECT p.plan_version, m.role, f.total, f.digest, u.id
    FROM users AS u {_LISTABLE}
    WHERE u.id = %(user_id)s AND u.is_active
      AND (u.sessions_ended_at IS NULL OR u.sessions_ended_at < now() - make_interval(secs => %(token_ttl_s)s))
    """
_KEY_CHECK_SQL = f"""
    SELECT p.plan_version, m.role, f.total, f.digest, k.id
    FROM api_keys AS k JOIN users AS u ON u.id = k.user_id {_LISTABLE}
    WHERE k.prefix = %(prefix)s AND k.key_hash = %(key_hash)s AND u.is_active
      AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
      AND k.last_used_at > now() - make_interval(secs => %(use_recorded_s)s)
      AND k.scopes ?| array['{PROJECTS_READ}', 'projects:*', '*']
    """


@dataclasses.dataclass(frozen=True)
class Access:
    """What a check found: the caller may list the project; ``key``/``fingerprint`` for ``load``;
    ``identity`` is whose rate limit the request counts against (the API key, else the user),
    as ``api.deps.current_actor`` counts it."""

    key: tuple[uuid.UUID, int | None]
    fingerprint: tuple[int, str]
    identity: str


def _access(row: Any, project_id: uuid.UUID, current_only: bool) -> Access | None:
    if row is None or row[1] is None:
        return None
    return Access((project_id, row[0] if current_only else None), (int(row[2]), row[3]), str(row[4]))


async def check_user(user_id: uuid.UUID, project_id: uuid.UUID, *, current_only: bool = False) -> Access | None:
    """One statement on the event loop: ``None`` unless the user is active and in the project's
    team (then the caller takes the ordinary path, which raises the right error)."""
    params = {
        "project_id": project_id,
        "user_id": user_id,
        "current_only": current_only,
        "token_ttl_s": get_settings().access_token_ttl_s,
    }
    return _access(await afetch_one(_USER_CHECK_SQL, params), project_id, current_only)


async def check_key(api_key: str, project_id: uuid.UUID, *, current_only: bool = False) -> Access | None:
    """As ``check_user`` for an API key (``brk_...``): ``None`` unless the key is valid, reads
    projects, its use was recorded within the minute and its user is in the project's team."""
    params = {
        "project_id": project_id,
        "prefix": auth.api_key_prefix(api_key),
        "key_hash": auth.key_digest(api_key),
        "current_only": current_only,
        "use_recorded_s": auth.KEY_USE_RECORDED_S,
    }
    return _access(await afetch_one(_KEY_CHECK_SQL, params), project_id, current_only)


# Reads of a new snapshot in progress, per (event loop, key, fingerprint): when a task changes,
# every poller misses at once; they share one JSON statement instead of each running it.
_loading: dict[tuple[asyncio.AbstractEventLoop, tuple[uuid.UUID, int | None], tuple[int, str]], asyncio.Task] = {}


async def _read(key: tuple[uuid.UUID, int | None]) -> TaskListing:
    return _store(key, await afetch_one(_JSON_SQL, {"project_id": key[0], "plan_version": key[1]}))


async def load(access: Access) -> TaskListing:
    """The listing ``check_user`` allowed: cached if the rows are unchanged, else read once more.

    Sharing a read is safe: it started after a check that saw the same fingerprint, so its
    snapshot holds every change that check saw."""
    listing = _cached(access.key, access.fingerprint)
    if listing is not None:
        return listing
    flight = (asyncio.get_running_loop(), access.key, access.fingerprint)
    task = _loading.get(flight)
    if task is None:
        task = _loading[flight] = asyncio.ensure_future(_read(access.key))
        task.add_done_callback(lambda _: _loading.pop(flight, None))
    return await asyncio.shield(task)  # a cancelled caller does not cancel the others' read
