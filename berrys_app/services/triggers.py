"""Triggers: start projects from a template on a schedule or from an inbound webhook.

This module holds the triggers themselves: CRUD (admins change, the team reads), the schedule's
next slot, the webhook token (``X-Berrys-Token``; the table keeps its SHA-256 digest) and the
mapping of a payload to parameter values. A wrong token is refused (401) and written to the
trigger's run log and the audit log, in their own transaction so the refusal is kept. Firing a
due slot and starting a project from an accepted call are lifecycle requests, one layer up:
``usecases/trigger_runs.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlmodel import Session, col, select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import Role
from berrys_app.domain.automation import (
    ProjectTemplate,
    RunStatus,
    Trigger,
    TriggerCreate,
    TriggerKind,
    TriggerPublic,
    TriggerRun,
    TriggerUpdate,
)
from berrys_app.domain.common import utcnow
from berrys_app.services import audit, ratelimit, templates
from berrys_app.services.authz import ADMIN_WRITE, PROJECTS_READ, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from berrys_app.settings import get_settings

log = logging.getLogger("berrys.triggers")
TOKEN_HEADER = "X-Berrys-Token"
TOKEN_PREFIX = "bth_"
REFUSED = "invalid or missing trigger token"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def next_slot(cron: str, timezone: str, after: datetime) -> datetime:
    """The first slot of ``cron`` in ``timezone`` strictly after ``after`` (returned in UTC)."""
    zone = ZoneInfo(timezone)
    return croniter(cron, after.astimezone(zone)).get_next(datetime).astimezone(ZoneInfo("UTC"))


def _check_schedule(cron: str | None, timezone: str) -> None:
    if not cron or not croniter.is_valid(cron):
        raise ValidationFailed(
            f"invalid cron expression {cron!r}: use 5 fields (minute hour day month weekday), "
            "or 6 with seconds last, e.g. '0 9 * * 1-5'"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"unknown time zone {timezone!r}: use an IANA name such as Europe/Paris") from exc


def _check_mapping(template: ProjectTemplate, params: dict[str, str], payload_map: dict[str, str]) -> None:
    names = {p["name"] for p in template.parameters}
    unknown = sorted((set(params) | set(payload_map)) - names)
    if unknown:
        raise ValidationFailed(
            f"not parameters of the template: {', '.join(unknown)}", details={"allowed": sorted(names)}
        )
    bad = sorted(k for k, pointer in payload_map.items() if pointer and not pointer.startswith("/"))
    if bad:
        raise ValidationFailed(f"payload_map values are JSON pointers starting with '/': {', '.join(bad)}")


def public(row: Trigger, *, token: str | None = None) -> TriggerPublic:
    hook_url = f"{get_settings().public_base_url}/api/v1/hooks/{row.id}" if row.kind == TriggerKind.webhook else None
    return TriggerPublic.model_validate(row, update={"hook_url": hook_url, "token": token})


# --- CRUD (admins change, everyone in the team reads) ---------------------------------------


def _load(session: Session, actor: Actor, trigger_id: uuid.UUID, minimum: Role, scope: str) -> Trigger:
    row = session.get(Trigger, trigger_id)
    if row is None:
        raise NotFound("trigger not found")
    require_role(session, actor, row.team_id, minimum, scope=scope, what="trigger")
    return row


def create_trigger(session: Session, actor: Actor, template_id: uuid.UUID, data: TriggerCreate) -> TriggerPublic:
    """A schedule (checked by starting nothing: the template must accept its fixed values) or a
    webhook (its token is returned once)."""
    template = session.get(ProjectTemplate, template_id)
    if template is None:
        raise NotFound("template not found")
    require_role(session, actor, template.team_id, Role.admin, scope=ADMIN_WRITE, what="template")
    _check_mapping(template, data.params, data.payload_map)
    row = Trigger(
        team_id=template.team_id,
        template_id=template.id,
        created_by=actor.user_id,
        name=data.name.strip(),
        kind=data.kind.value,
        timezone=data.timezone,
        params=data.params,
        payload_map=data.payload_map,
        enabled=data.enabled,
    )
    token = None
    if data.kind == TriggerKind.schedule:
        _check_schedule(data.cron, data.timezone)
        templates.render(template, data.params)  # a schedule has all its values now
        row.cron = data.cron
        row.next_run_at = next_slot(data.cron or "", data.timezone, utcnow())
    else:
        if data.cron:
            raise ValidationFailed("a webhook trigger has no cron expression")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row.token_hash = hash_token(token)
    session.add(row)
    session.flush()
    _audit(session, actor, row, "trigger.created")
    return public(row, token=token)


def update_trigger(session: Session, actor: Actor, trigger_id: uuid.UUID, data: TriggerUpdate) -> TriggerPublic:
    row = _load(session, actor, trigger_id, Role.admin, ADMIN_WRITE)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is not None:
            setattr(row, key, value.strip() if key == "name" else value)
    template = session.get(ProjectTemplate, row.template_id)
    assert template is not None  # the trigger's foreign key
    _check_mapping(template, row.params, row.payload_map)
    if row.kind == TriggerKind.schedule:
        _check_schedule(row.cron, row.timezone)
        if {"cron", "timezone", "enabled"} & set(changes):
            row.next_run_at = next_slot(row.cron or "", row.timezone, utcnow())
    elif row.cron:
        raise ValidationFailed("a webhook trigger has no cron expression")
    session.add(row)
    return public(row)


def rotate_token(session: Session, actor: Actor, trigger_id: uuid.UUID) -> TriggerPublic:
    """A new token for a webhook trigger (the old one stops working at once); shown once."""
    row = _load(session, actor, trigger_id, Role.admin, ADMIN_WRITE)
    if row.kind != TriggerKind.webhook:
        raise Conflict("only a webhook trigger has a token")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    session.add(row)
    _audit(session, actor, row, "trigger.token_rotated")
    return public(row, token=token)


def delete_trigger(session: Session, actor: Actor, trigger_id: uuid.UUID) -> None:
    row = _load(session, actor, trigger_id, Role.admin, ADMIN_WRITE)
    _audit(session, actor, row, "trigger.deleted")
    session.delete(row)


def list_triggers(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[TriggerPublic]:
    require_role(session, actor, team_id, Role.viewer, scope=PROJECTS_READ, what="team")
    rows = session.exec(select(Trigger).where(Trigger.team_id == team_id).order_by(col(Trigger.name)))
    return [public(row) for row in rows]


def list_runs(session: Session, actor: Actor, trigger_id: uuid.UUID, *, limit: int = 100) -> list[TriggerRun]:
    """The trigger's firings and refusals, newest first."""
    row = _load(session, actor, trigger_id, Role.viewer, PROJECTS_READ)
    query = select(TriggerRun).where(TriggerRun.trigger_id == row.id)
    return list(session.exec(query.order_by(col(TriggerRun.created_at).desc()).limit(limit)))


def _audit(session: Session, actor: Actor, row: Trigger, action: str) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        team_id=row.team_id,
        target_type="trigger",
        target_id=row.id,
        details={"name": row.name, "kind": row.kind},
    )


# --- inbound webhooks -------------------------------------------------------------------------


def _pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at ``pointer`` in ``document``, or ``None``."""
    if pointer == "":
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def map_payload(trigger: Trigger, template: ProjectTemplate, payload: Any) -> dict[str, Any]:
    """The parameter values of one call: the trigger's fixed values, then the payload's (by the
    trigger's JSON pointers, or top-level keys named like parameters)."""
    values: dict[str, Any] = dict(trigger.params)
    if trigger.payload_map:
        for name, pointer in trigger.payload_map.items():
            found = _pointer(payload, pointer)
            if found is not None:
                values[name] = _as_text(found)
    elif isinstance(payload, dict):
        names = {p["name"] for p in template.parameters}
        values.update({k: _as_text(v) for k, v in payload.items() if k in names and v is not None})
    return values


def log_run(trigger: Trigger, status: RunStatus, error: str, ip: str | None) -> None:
    """A run row (and, for a refusal, an audit row) kept whatever the request does next."""
    with session_scope() as own:
        own.add(TriggerRun(trigger_id=trigger.id, status=status.value, error=error[:4000], source_ip=ip))
        if status == RunStatus.refused:
            audit.record(
                own,
                action="trigger.refused",
                actor=None,
                actor_label="inbound webhook",
                team_id=trigger.team_id,
                target_type="trigger",
                target_id=trigger.id,
                details={"reason": error},
                success=False,
                ip=ip,
            )


def authenticate_hook(session: Session, trigger_id: uuid.UUID, *, token: str | None, ip: str | None) -> Trigger:
    """The webhook trigger this token opens, or ``Unauthorized`` (a known trigger's refusal is
    logged); an address with too many refusals in the window is refused before any check (429)."""
    ratelimit.check_hook_refusals(ip)
    trigger = session.get(Trigger, trigger_id)
    if trigger is None or trigger.kind != TriggerKind.webhook or not trigger.token_hash:
        ratelimit.count_hook_refusal(ip)
        log.warning("inbound webhook for unknown trigger %s from %s refused", trigger_id, ip)
        raise Unauthorized(REFUSED)
    if not token or not hmac.compare_digest(hash_token(token), trigger.token_hash):
        ratelimit.count_hook_refusal(ip)
        log_run(trigger, RunStatus.refused, "missing token" if not token else "wrong token", ip)
        log.warning("inbound webhook for trigger %s from %s refused: wrong token", trigger_id, ip)
        raise Unauthorized(REFUSED)
    if not trigger.enabled:
        raise Conflict("this trigger is disabled")
    return trigger
