"""The planner job: ask the model for a schema-constrained plan, store it, go to review.

A planner answer that is no usable plan becomes a fallback plan (one task per objective) a
person can review; a refused budget leaves the project in planning until someone changes it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from berrys_app.db import get_engine
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.work import PlanVersion
from berrys_app.engine.lifecycle import accept_planner_plan, transition
from berrys_app.queue import Job, dispatch
from berrys_app.services import degenerate, planning
from berrys_app.services.authz import Actor
from berrys_app.services.errors import BudgetExceeded, ServiceError
from berrys_app.services.events import emit
from berrys_app.services.models import CompletionRequest, complete
from berrys_app.settings import get_settings

# The planner's last call was refused by the budget and nobody has changed the project since:
# it waits for a person (the reconciler re-enqueues planning jobs every second; they stop here).
_PLANNER_WAITING_SQL = text(
    "SELECT EXISTS (SELECT 1 FROM model_calls WHERE call_key = :key AND status = 'refused' "
    "AND error = 'budget_exceeded' AND created_at > :since)"
)


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


@dataclass
class _Unusable:
    """The planner answered with something that is not a usable plan."""

    why: str


def _planner_inputs(project_id: uuid.UUID) -> tuple[Project, list[dict[str, str]], str, str | None] | None:
    with _session() as session:
        project = session.get(Project, project_id)
        if project is None or project.status != ProjectStatus.planning.value:
            return None
        number = len(session.exec(select(PlanVersion.id).where(PlanVersion.project_id == project.id)).all()) + 1
        call_key = f"project:{project.id}:plan:{number}"
        if session.execute(_PLANNER_WAITING_SQL, {"key": call_key, "since": project.updated_at}).scalar():
            return None
        replan = project.plan_version > 0
        done = planning.completed_task_keys(session, project.id) if replan else {}
        failure = project.status_reason if replan else None
        feedback = planning.rejection_feedback(session, project.id)
        messages = planning.planner_messages(project, done=done, failure=failure, feedback=feedback)
        return project, messages, call_key, failure


def _planner_waits(project_id: uuid.UUID, message: str, worker: str) -> None:
    """A budget refused the planner: the project stays in planning until a person raises the
    budget (any project update lets the planner try again) or submits a plan by hand."""
    with _session() as session:
        project = session.get(Project, project_id)
        if project is None or project.status != ProjectStatus.planning.value:
            return
        emit(
            session,
            EventKind.PROJECT_WAITING,
            project_id=project.id,
            team_id=project.team_id,
            actor=f"planner:{worker}",
            payload={"reason": "budget_exceeded", "message": message[:500], "step": "planning"},
        )
        session.commit()


async def plan_project(project_id: uuid.UUID, *, worker: str) -> str:
    """The job body."""
    loaded = await asyncio.to_thread(_planner_inputs, project_id)
    if loaded is None:
        return "skipped"
    project, messages, call_key, failure = loaded
    try:
        result = await complete(
            CompletionRequest(
                messages=messages,
                model=project.model,
                capabilities={"chat", "json"},
                response_format=planning.PLAN_SCHEMA,
                project_id=project.id,
                call_key=call_key,
                max_tokens=get_settings().planner_max_tokens,
                fit_context=True,
            )
        )
        data: Any = planning.plan_from_result(result)
        error = None
        why = degenerate.why_plan_degenerate(data)
        if why:  # a loop or no words: the plain plan serves the person better than this one
            data = _Unusable(f"it is degenerate: {why}")
    except BudgetExceeded as exc:  # not a failed project: a person raises the budget, planning goes on
        await asyncio.to_thread(_planner_waits, project_id, exc.message, worker)
        return "waiting"
    except ServiceError as exc:
        reason = getattr(exc, "reason", exc.code)
        data, error = None, f"the planner's model call failed ({reason}): {exc.message}"
        if reason == "malformed_output":  # the model answered, but not a plan: fall back, don't fail
            data, error = _Unusable(exc.message), None
    return await asyncio.to_thread(_store_planner_result, project_id, data, error, failure, worker)


def _store_planner_result(project_id: uuid.UUID, data: Any, error: str | None, failure: str | None, worker: str) -> str:
    actor = Actor.system(f"planner:{worker}")
    with _session() as session:
        project = session.get(Project, project_id, with_for_update=True)
        if project is None or project.status != ProjectStatus.planning.value:
            return "skipped"
        jobs: list[Job] = []
        if error is None and not isinstance(data, _Unusable):
            try:
                jobs = accept_planner_plan(session, project, data, actor=actor, replan_reason=failure)
            except ServiceError as exc:
                session.rollback()
                project = session.get(Project, project_id, with_for_update=True, populate_existing=True)
                assert project is not None
                data = _Unusable(exc.message)
        if error is None and isinstance(data, _Unusable):
            warning = (
                f"the planner's output was not a usable plan ({data.why[:300]}); fallback plan: one task per objective"
            )
            jobs = accept_planner_plan(
                session,
                project,
                planning.fallback_plan(project),
                actor=actor,
                replan_reason=failure,
                warnings=[warning],
            )
        if error is not None:
            transition(session, project, ProjectStatus.failed, actor=actor, reason=error[:2000])
        session.commit()
    dispatch(jobs)
    return "failed" if error else "planned"
