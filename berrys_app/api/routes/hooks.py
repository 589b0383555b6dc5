"""Inbound webhooks: a call starts a project from the trigger's template. Authenticated by the
trigger's own token in ``X-Berrys-Token`` (not a user's credential); a wrong token answers 401
and is kept in the trigger's run log and the audit log."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from berrys_app.api.deps import ClientIP, SessionDep, access
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import triggers
from berrys_app.services.errors import PayloadTooLarge, ValidationFailed
from berrys_app.usecases import trigger_runs

router = APIRouter(prefix="/api/v1/hooks", tags=["templates"], responses=PROBLEM_RESPONSES)
MAX_BODY = 64 * 1024


class HookAccepted(BaseModel):
    run_id: uuid.UUID
    project_id: uuid.UUID | None


@router.post("/{trigger_id}", status_code=status.HTTP_202_ACCEPTED, **access("public"))
async def receive_hook(
    trigger_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    ip: ClientIP,
    x_berrys_token: Annotated[str | None, Header(description="the trigger's token")] = None,
) -> HookAccepted:
    """Start a project: the JSON body's values fill the template's parameters (by the trigger's
    ``payload_map`` pointers, or top-level keys named like the parameters)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge(f"the payload is over {MAX_BODY // 1024} KB")
    trigger = await run_in_threadpool(
        triggers.authenticate_hook, session, trigger_id, token=x_berrys_token, ip=ip
    )  # before the body is read as JSON: a caller without the token learns nothing more
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"the body is not JSON: {exc}") from exc
    run = await run_in_threadpool(trigger_runs.receive, session, trigger, payload=payload, ip=ip)
    return HookAccepted(run_id=run.id, project_id=run.project_id)
