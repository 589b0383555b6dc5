"""Operators' view over REST (the System page): the workers and how python snippets are sandboxed."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from berrys_app.api.deps import CurrentActor, SessionDep, access
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.services import system

router = APIRouter(prefix="/api/v1/system", tags=["system"], responses=PROBLEM_RESPONSES)


class WorkerPublic(BaseModel):
    worker_id: str
    pid: int | None
    hostname: str | None
    last_seen: str
    jobs_done: int
    status: str  # live | stale


class SandboxPublic(BaseModel):
    isolation: str
    limits: str
    seccomp: str
    uid: str
    caps: str


@router.get("/workers", **access("user"))
def workers(session: SessionDep, actor: CurrentActor) -> list[WorkerPublic]:
    """Every known worker process, live or stale (signed-in people, as on the System page)."""
    return [WorkerPublic.model_validate(w) for w in system.list_workers(session, actor)]


@router.get("/sandbox", **access("user"))
def sandbox(actor: CurrentActor) -> SandboxPublic:
    """How this host runs python snippets: isolation, limits, seccomp, the operator's caps."""
    return SandboxPublic.model_validate(system.sandbox_status(actor))
