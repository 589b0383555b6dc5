"""Dependencies shared by the routes: the DB session, the calling ``Actor``, paging, access.

``access(role, scope)`` declares who may call a route; both are published in the
OpenAPI operation as ``x-berrys-access`` so the authorization-matrix test can
enumerate every route and what it should allow. The service the route calls checks
role and scope (``authz.require_role(..., scope=)``), which is what every other door
relies on; the scope is also checked here, before the body is read, with the same
``authz.require_scope`` (``tests/security/test_keys_scope_checked_in_services.py``
proves, route by route, that the service refuses a key without the declared scope).
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import AsyncIterator
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlmodel import Session

from berrys_app.db import get_engine, request_slots
from berrys_app.services import auth, keyset, proxies, ratelimit
from berrys_app.services.authz import Actor, require_scope
from berrys_app.services.errors import Unauthorized

ACCESS_LEVELS = ("public", "user", "viewer", "member", "admin", "owner")
_bearer = HTTPBearer(auto_error=False, description="An access JWT from /api/v1/auth/token or an API key (brk_...)")


def _finish(session: Session, *, ok: bool) -> None:
    try:
        if ok:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_session() -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Async on purpose: opening a Session does no I/O, and FastAPI runs every *sync*
    dependency in its own thread-pool hop; the only blocking step (commit/close) is one hop.
    """
    slots = _session_slots()
    await slots.acquire()  # waits on the event loop, holding no thread and no connection
    try:
        session = Session(get_engine(), expire_on_commit=False)
        try:
            yield session
        except BaseException:
            await _end(session, ok=False)
            raise
        await _end(session, ok=True)
    finally:
        slots.release()


# Requests whose session may be open at once in one event loop: below the sessions pool's size
# (``db.request_slots``). A request's session keeps its connection across thread-pool hops (auth
# dependency -> handler -> commit). With more such requests in flight than connections (60
# clients), threads blocked in the pool's checkout while the connections' owners waited for a
# thread: nothing moved until the pool's 30 s timeout answered 500 (bench/throughput.py, C=60).
# The surplus now waits here instead.
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _session_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(request_slots())
    return slots


async def _end(session: Session, *, ok: bool) -> None:
    """Commit/rollback in the thread pool, unless the request never used the session (no
    transaction, no connection: nothing to send), as on hot read paths that read via ``db.reads``."""
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await run_in_threadpool(_finish, session, ok=ok)
    else:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def client_ip(request: Request) -> str | None:
    """The client's address, through trusted proxies only (``proxies``)."""
    return proxies.scope_client(request.scope)


ClientIP = Annotated[str | None, Depends(client_ip)]


def current_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """Authenticate the bearer credential and count the request against the caller's rate limit."""
    if credentials is None:
        raise Unauthorized("missing bearer token (Authorization: Bearer <token or API key>)")
    actor = auth.authenticate(session, credentials.credentials, ip=proxies.scope_client(request.scope))
    ratelimit.hit_actor(str(actor.api_key_id or actor.user_id))
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def _scope_checker(scope: str) -> Any:
    async def check(actor: CurrentActor) -> None:  # pure: no thread-pool hop
        require_scope(actor, scope)

    check.__name__ = f"require_{scope.replace(':', '_').replace('*', 'all')}"
    return check


def access(role: str, scope: str | None = None) -> dict[str, Any]:
    """Route kwargs declaring the minimum team role (checked in the service) and API-key scope."""
    assert role in ACCESS_LEVELS, role
    if scope:
        dependencies = [Depends(_scope_checker(scope))]
    elif role != "public":
        dependencies = [Depends(current_actor)]  # authenticated even when no scope is needed
    else:
        dependencies = []
    return {"dependencies": dependencies, "openapi_extra": {"x-berrys-access": {"role": role, "scope": scope}}}


@dataclasses.dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


async def paging(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Paging:
    return Paging(page=page, per_page=per_page)


PageDep = Annotated[Paging, Depends(paging)]


@dataclasses.dataclass(frozen=True)
class KeysetPaging(Paging):
    cursor: str | None


async def keyset_paging(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=300, description="``meta.next_cursor`` of the previous page (instead of page)")
    ] = None,
) -> KeysetPaging:
    return KeysetPaging(page=page, per_page=per_page, cursor=cursor or None)


# Lists that page by cursor too (``services.keyset``): ``?cursor=`` from the previous page's next_cursor
KeysetPageDep = Annotated[KeysetPaging, Depends(keyset_paging)]

T = TypeVar("T")


class ListMeta(BaseModel):
    total: int | None  # None on a page asked for by cursor (nothing is counted)
    page: int
    per_page: int
    next_cursor: str | None = None  # lists paged by cursor: pass it as ?cursor= for the next page


class ListOf(BaseModel, Generic[T]):
    """Every list response: ``{data, meta: {total, page, per_page, next_cursor}}``."""

    data: list[T]
    meta: ListMeta


def list_of(rows: list[Any], *, total: int | None = None, paging: Paging | None = None) -> dict[str, Any]:
    """Shape a (page of) rows; an unpaged list reports itself as one page."""
    if paging is None:
        return {"data": rows, "meta": {"total": len(rows), "page": 1, "per_page": max(len(rows), 1)}}
    return {"data": rows, "meta": {"total": total, "page": paging.page, "per_page": paging.per_page}}


def keyset_page(
    rows: list[Any], *, total: int | None, paging: KeysetPaging, key: Any, data: list[Any]
) -> dict[str, Any]:
    """A page of a list paged by cursor (``services.keyset``): ``data`` shaped from ``rows``, with
    ``next_cursor`` (None on the last page) and the total (None on a cursor page)."""
    shaped = list_of(data, total=total, paging=paging)
    shaped["meta"]["next_cursor"] = keyset.next_cursor(
        rows, per_page=paging.per_page, total=total, page=paging.page, key=key
    )
    return shaped
