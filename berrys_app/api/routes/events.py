"""Events: the project timeline with an ``?after=`` cursor, a server-sent-events stream, and
the team activity feed."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from berrys_app.api import sse_hub
from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.api.schemas import EventPublic
from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import collab, events, live_access, projects, sessions
from berrys_app.services.authz import Actor
from berrys_app.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["events"], responses=PROBLEM_RESPONSES)
After = Annotated[int, Query(ge=0, le=2**62, description="return events with id > after")]
Limit = Annotated[int, Query(ge=1, le=500)]
_BACKLOG_PAGE = 500  # events an SSE stream catches up per read


def _public(rows: list) -> list[EventPublic]:  # type: ignore[type-arg]
    return [EventPublic.model_validate(events.to_message(r)) for r in rows]


@router.get("/projects/{project_id}/events", **access("viewer", "projects:read"))
def project_events(
    project_id: uuid.UUID, session: SessionDep, actor: CurrentActor, after: After = 0, limit: Limit = 100
) -> ListOf[EventPublic]:
    """The project's events after the cursor, oldest first; pass the last id as ``after`` to continue."""
    projects.get_project(session, actor, project_id)
    data = _public(events.list_events(session, project_id=project_id, after=after, limit=limit))
    return ListOf[EventPublic].model_validate(
        {"data": data, "meta": {"total": len(data), "page": 1, "per_page": limit}}
    )


@router.get("/teams/{team_id}/activity", **access("viewer", "projects:read"))
def team_activity(
    team_id: uuid.UUID, session: SessionDep, actor: CurrentActor, after: After = 0, limit: Limit = 100
) -> ListOf[EventPublic]:
    """The team's activity feed (every event of its projects, tools and members)."""
    data = _public(collab.activity(session, actor, team_id=team_id, after=after, limit=limit))
    return ListOf[EventPublic].model_validate(list_of(data))


@router.get(
    "/projects/{project_id}/events/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
    **access("viewer", "projects:read"),
)
async def project_event_stream(
    project_id: uuid.UUID,
    request: Request,
    actor: CurrentActor,
    after: After = 0,
    follow: bool = True,
    last_event_id: Annotated[str | None, Header(max_length=30)] = None,
) -> StreamingResponse:
    """Server-sent events: the backlog after the cursor (or ``Last-Event-ID``), then live events."""
    actor = sessions.with_session(actor, request.headers.get("authorization", "").partition(" ")[2].strip())
    await run_in_threadpool(_authorize, actor, project_id)
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    return StreamingResponse(
        _stream(request, actor, project_id, after, follow=follow),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _authorize(actor: Actor, project_id: uuid.UUID) -> None:
    """The live access check every message is held to, its answer cached for the stream's first
    messages; refused, the REST check says why (404/403). A login that ended passes that one: its
    stream closes at its first message, as a stream that outlives its access does."""
    with session_scope() as session:
        if not live_access.admit(session, actor, f"project:{project_id}"):
            projects.get_project(session, actor, project_id)


async def _refusal(actor: Actor, topic: str) -> str | None:
    """Why the stream must end now (expired credential, access lost), or None to go on."""
    if actor.expires_at is not None and actor.expires_at <= time.time():
        return "the access token expired; reconnect with a fresh one"
    allowed = live_access.known(actor, topic)
    if allowed is None:
        allowed = await run_in_threadpool(live_access.may_receive, actor, topic)
    return None if allowed else "you no longer have access to this project"


def _frame(message: dict) -> str:  # type: ignore[type-arg]
    return f"id: {message['id']}\nevent: {message['kind']}\ndata: {json.dumps(message, default=str)}\n\n"


async def _stream(
    request: Request, actor: Actor, project_id: uuid.UUID, after: int, *, follow: bool
) -> AsyncIterator[str]:
    """Subscribe first, then send the backlog, then live messages newer than the last id sent
    (``follow=false`` ends after the backlog). Every second and before every message the
    stream asks the live access check again: it ends (with a ``stream.closed`` event) when the
    caller's token expires or they may no longer see the project."""

    last = after
    topic = f"project:{project_id}"
    async with sse_hub.listen(str(project_id)) as live:
        resync, idle = True, 0.0
        while True:
            while resync:  # the backlog may be longer than one page
                batch = await run_in_threadpool(events.backlog, project_id, after=last, limit=_BACKLOG_PAGE)
                for last, kind, message in batch:
                    yield f"id: {last}\nevent: {kind}\ndata: {message}\n\n"
                resync = len(batch) == _BACKLOG_PAGE
            if not follow or await request.is_disconnected():
                return
            try:  # wake every second: an expired token or a lost access ends the stream promptly
                item: dict | None = await asyncio.wait_for(live.get(), timeout=1.0)  # type: ignore[type-arg]
            except TimeoutError:
                item = None
            if (refusal := await _refusal(actor, topic)) is not None:
                yield f"event: {EventKind.STREAM_CLOSED}\ndata: {json.dumps({'reason': refusal})}\n\n"
                return
            if item is None:
                idle += 1.0
                if idle >= get_settings().sse_heartbeat_s:
                    idle = 0.0
                    yield ": keep-alive\n\n"
                continue
            if item is sse_hub.RESYNC:
                resync = True
            elif item.get("id") is None:  # transient (token stream): no cursor
                yield f"event: {item['kind']}\ndata: {json.dumps(item, default=str)}\n\n"
            elif item["id"] > last:
                last = item["id"]
                yield _frame(item)
