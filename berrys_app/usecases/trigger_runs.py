"""Trigger runs: a schedule slot or an inbound webhook call starts one project from its template.

A schedule's slot is claimed in PostgreSQL: the due trigger row is locked (``SKIP LOCKED``),
its ``next_run_at`` moves past now and a ``trigger_runs`` row with the unique (trigger, slot)
pair is written in the transaction that creates the project -- however many workers tick at
once, a slot starts one project (a worker killed before the commit leaves the slot due). Slots
missed while no worker ran fire once, not once each.

An inbound call reaches ``receive`` once ``services/triggers.authenticate_hook`` has checked its
token. Both start the project through ``template_starts`` (the engine's planner), so they are
lifecycle requests; the triggers themselves (CRUD, tokens, payload mapping) are
``services/triggers.py``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from berrys_app.db import get_engine, session_scope
from berrys_app.domain.automation import ProjectTemplate, RunStatus, Trigger, TriggerKind, TriggerRun
from berrys_app.domain.common import utcnow
from berrys_app.services import templates, triggers
from berrys_app.services.authz import Actor
from berrys_app.services.errors import ServiceError, ValidationFailed
from berrys_app.usecases import template_starts

log = logging.getLogger("berrys.triggers")


_RECORD_MISS = text(
    "UPDATE triggers SET next_run_at = :next WHERE id = :id AND next_run_at = :slot"
)  # the claim when the project could not be created (the row lock was given up with the rollback)


def fire_due(limit: int = 20) -> int:
    """Start one project per due schedule slot (each trigger in its own transaction)."""
    fired = 0
    for _ in range(limit):
        with Session(get_engine(), expire_on_commit=False) as session:
            now = utcnow()
            trigger = session.exec(
                select(Trigger)
                .where(
                    Trigger.kind == TriggerKind.schedule.value,
                    col(Trigger.enabled).is_(True),
                    col(Trigger.next_run_at) <= now,
                )
                .order_by(col(Trigger.next_run_at))
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if trigger is None:
                return fired
            _fire(session, trigger, now)
            fired += 1
    return fired


def _fire(session: Session, trigger: Trigger, now: datetime) -> None:
    slot, trigger_id, template_id, params = trigger.next_run_at, trigger.id, trigger.template_id, dict(trigger.params)
    assert slot is not None
    following = triggers.next_slot(trigger.cron or "", trigger.timezone, max(now, slot))
    trigger.next_run_at = following
    run = TriggerRun(trigger_id=trigger.id, slot=slot, status=RunStatus.started.value)
    session.add_all([trigger, run])
    try:
        session.flush()  # the unique (trigger, slot): a second claim of the slot stops here
    except IntegrityError:
        session.rollback()  # the slot ran already: only move the schedule on
        with session_scope() as own:
            own.execute(_RECORD_MISS, {"next": following, "id": trigger_id, "slot": slot})
        return
    actor = Actor.system(f"trigger {trigger.name}")
    try:
        template = session.get(ProjectTemplate, template_id)
        assert template is not None
        templates.render(template, params)  # a bad value fails the run, not the tick
        project = template_starts.start_project(session, actor, template_id, params, source="schedule")
    except ServiceError as exc:
        session.rollback()
        _record_failed(trigger_id, slot, following, exc)
        return
    run.project_id = project.id
    session.add(run)
    session.commit()
    log.info("trigger %s fired for slot %s: project %s", trigger_id, slot.isoformat(), project.id)


def _record_failed(trigger_id: uuid.UUID, slot: datetime, following: datetime, exc: ServiceError) -> None:
    status = RunStatus.invalid if exc.code == ValidationFailed.code else RunStatus.failed
    with session_scope() as session:
        claimed = session.execute(_RECORD_MISS, {"next": following, "id": trigger_id, "slot": slot}).rowcount  # type: ignore[attr-defined]
        if claimed:
            session.add(TriggerRun(trigger_id=trigger_id, slot=slot, status=status.value, error=exc.message[:4000]))
    log.warning("trigger %s could not start a project for slot %s: %s", trigger_id, slot.isoformat(), exc.message)


# --- inbound webhooks -------------------------------------------------------------------------


def receive(session: Session, trigger: Trigger, *, payload: Any, ip: str | None) -> TriggerRun:
    """An authenticated inbound call: map the payload, start a project (the route commits); a refusal
    (invalid values) is logged with its reason."""
    template = session.get(ProjectTemplate, trigger.template_id)
    assert template is not None
    values = triggers.map_payload(trigger, template, payload)
    actor = Actor.system(f"webhook trigger {trigger.name}")
    try:
        project = template_starts.start_project(session, actor, template.id, values, source="webhook")
    except ServiceError as exc:
        session.rollback()
        status = RunStatus.invalid if exc.code == ValidationFailed.code else RunStatus.failed
        triggers.log_run(trigger, status, exc.message, ip)
        raise
    run = TriggerRun(trigger_id=trigger.id, status=RunStatus.started.value, project_id=project.id, source_ip=ip)
    session.add(run)
    session.flush()
    return run
