"""Team-managed catalogue entries: admins add a model string for their team and tune or
(de)activate it; the operator's global entries (seeded, ``team_id`` NULL) stay read-only.

Visibility: a person sees the global entries plus those of their teams. Names are unique per
team: two teams may each add "openai/gpt-4o-mini", and a team's entry shadows a global one of the
same name for that team only. Every lookup by name is the team's (``in_team``, and selection
resolves a project's model in the project's team).
Team entries are models of known providers, each called at its own API with its own key
variable (``team_providers``): no team-chosen variable, base URL or URL in the model string.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr
from sqlmodel import Session, col, or_, select

from berrys_app.domain.accounts import Role, Team, TeamMember
from berrys_app.domain.common import utcnow
from berrys_app.domain.models import ModelEntry, ModelEntryCreate, ModelEntryUpdate
from berrys_app.services import audit, events
from berrys_app.services.authz import ADMIN_WRITE, PROJECTS_READ, Actor, require_role, require_scope
from berrys_app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from berrys_app.services.models import catalogue, registry, team_providers
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.schemas import CompletionRequest
from berrys_app.services.models.service import complete
from berrys_app.services.models.spec import ALL_CAPABILITIES
from berrys_app.services.tools import mcp_hosts, vault
from berrys_app.settings import get_settings

NOT_NULL = (
    "capabilities",
    "fallbacks",
    "display_name",
    "notes",
    "active",
    "context_window",
    "max_output_tokens",
    "input_price",
    "output_price",
)


def _team_ids(session: Session, actor: Actor) -> list[uuid.UUID]:
    if actor.user_id is None:
        return []
    return list(session.exec(select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)))


def visible_models(session: Session, actor: Actor, *, active_only: bool = False) -> list[ModelEntry]:
    """The global catalogue plus the entries of the actor's teams, by name."""
    require_scope(actor, PROJECTS_READ)
    catalogue.ensure_catalogue(session)
    teams = _team_ids(session, actor)
    query = select(ModelEntry).where(or_(col(ModelEntry.team_id).is_(None), col(ModelEntry.team_id).in_(teams)))
    if active_only:
        query = query.where(ModelEntry.active == True)  # noqa: E712
    return list(session.exec(query.order_by(col(ModelEntry.name))))


def pickable(rows: list[ModelEntry], team_id: uuid.UUID | None) -> list[str]:
    """What a model picker of this team offers: active global models and the team's own, without
    the test models (``scripted/*``) unless the operator enables them (BERRYS_SHOW_TEST_MODELS)."""
    show_tests = get_settings().show_test_models
    names = [
        m.name
        for m in rows
        if m.active
        and m.team_id in (None, team_id)
        and (show_tests or not registry.provider_named(m.provider).for_tests)
    ]
    return list(dict.fromkeys(names))  # a team entry named like a global one is offered once


def team_default(session: Session, team_id: uuid.UUID | None) -> str | None:
    team = session.get(Team, team_id) if team_id else None
    return team.default_model if team else None


def is_demo_model(session: Session, team_id: uuid.UUID | None) -> bool:
    """True when a new project of the team would run on a built-in offline model (the embedded demo
    model, or a test model), i.e. no real model is the team's or the operator's default."""
    default = team_default(session, team_id) or get_settings().default_model
    return registry.provider_named(default.partition("/")[0]).local


def get_model(session: Session, actor: Actor, model_id: uuid.UUID) -> ModelEntry:
    row = session.get(ModelEntry, model_id)
    if row is None:
        raise NotFound("model not found")
    if row.team_id is None:
        require_scope(actor, PROJECTS_READ)
    else:
        require_role(session, actor, row.team_id, Role.viewer, scope=PROJECTS_READ, what="model")
    return row


def in_team(session: Session, team_id: uuid.UUID, name: str) -> bool:
    """Whether the team can name this model: its own entry, a global one, or a built-in one
    (another team's entry of the same name does not count)."""
    scope = or_(col(ModelEntry.team_id).is_(None), ModelEntry.team_id == team_id)
    if session.exec(select(ModelEntry.id).where(ModelEntry.name == name, scope)).first() is not None:
        return True
    return name in {seed["name"] for seed in catalogue.SEED} or registry.builtin_spec(name) is not None


def check_model_choice(session: Session, team_id: uuid.UUID, name: str | None) -> None:
    """A project may name a global model, one of its team's, or a built-in (offline/test) one."""
    if not name:
        return
    if not in_team(session, team_id, name):
        raise ValidationFailed(
            f"model {name!r} is not in your catalogue (GET /api/v1/models lists what you can use)",
            details={"field": "model"},
        )


def _check_entry(name: str, api_key_env: str | None, api_base_env: str | None, api_base: str | None) -> str | None:
    """``team_providers.check_entry`` with the registry's provider of ``name``."""
    provider = registry.provider_named(name.partition("/")[0])
    known = registry.registered().values()
    return team_providers.check_entry(provider, name, api_key_env, api_base_env, api_base, known=known)


def _check_fields(session: Session, team_id: uuid.UUID, name: str, fields: dict[str, Any]) -> None:
    if "capabilities" in fields and not fields["capabilities"]:
        raise ValidationFailed("a model needs at least one capability", details={"field": "capabilities"})
    unknown = set(fields.get("capabilities") or []) - ALL_CAPABILITIES
    if unknown:
        raise ValidationFailed(
            f"unknown capabilities: {sorted(unknown)}",
            details={"field": "capabilities", "allowed": sorted(ALL_CAPABILITIES)},
        )
    fallbacks = fields.get("fallbacks") or []
    if name in fallbacks:
        raise ValidationFailed("a model cannot fall back to itself", details={"field": "fallbacks"})
    if len(set(fallbacks)) != len(fallbacks):
        raise ValidationFailed("fallbacks repeat a model", details={"field": "fallbacks"})
    for fallback in fallbacks:
        if not in_team(session, team_id, fallback):
            raise ValidationFailed(
                f"fallback {fallback!r} is not in your catalogue", details={"field": "fallbacks", "model": fallback}
            )


def _apply(row: ModelEntry, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key in ("input_price", "output_price"):
            value = Decimal(str(value))
        setattr(row, key, value)


def _check_endpoint(api_base: str) -> None:
    """A team endpoint on an internal address (loopback, LAN, cloud metadata) is refused unless
    the operator lists its host in BERRYS_HTTP_INTERNAL_HOSTS (SSRF); checked again per call."""
    url = httpx.URL(api_base)
    host = f"[{url.host}]" if ":" in url.host else url.host  # an IPv6 literal
    mcp_hosts.check_allowed_hosts([f"{host}:{url.port or (443 if url.scheme == 'https' else 80)}"])


def _seal_key(fields: dict[str, Any]) -> None:
    """The write-only ``api_key`` becomes ``api_key_sealed`` (an empty key removes it)."""
    if "api_key" in fields:
        secret: SecretStr | None = fields.pop("api_key")
        plain = secret.get_secret_value().strip() if secret is not None else ""
        fields["api_key_sealed"] = vault.seal(plain) if plain else None


def add_model(session: Session, actor: Actor, *, team_id: uuid.UUID, data: ModelEntryCreate) -> ModelEntry:
    """A team admin adds a model string for the team, or connects the team's own endpoint
    (``api_base`` with its key sealed); the selection cache is cleared once the caller commits."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    key_env = _check_entry(data.name, data.api_key_env, data.api_base_env, data.api_base)
    if data.api_base is not None:
        _check_endpoint(data.api_base)
    elif data.api_key is not None:
        raise ValidationFailed(
            "an API key is stored only with a team endpoint (api_base)", details={"field": "api_key"}
        )
    fields = data.model_dump(exclude={"name", "api_key_env", "api_base_env"}, exclude_none=True)
    _seal_key(fields)
    if key_env:
        fields["api_key_env"] = key_env  # the provider's own variable, never one the team chose
    fields.setdefault("capabilities", ["chat"])
    _check_fields(session, team_id, data.name, fields)
    mine = select(ModelEntry.id).where(ModelEntry.name == data.name, ModelEntry.team_id == team_id)
    if session.exec(mine).first() is not None:
        raise Conflict(
            f"this team already has the model {data.name!r}; change it instead (PATCH /api/v1/models/{{id}})"
        )
    row = ModelEntry(name=data.name, provider=data.name.split("/", 1)[0], team_id=team_id)
    _apply(row, fields)
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="model.created",
        actor=actor,
        team_id=team_id,
        target_type="model",
        target_id=row.id,
        details={"name": row.name, "active": row.active},
    )
    session.flush()
    events.call_after_commit(session, catalogue.invalidate)
    return row


def update_model(session: Session, actor: Actor, model_id: uuid.UUID, data: ModelEntryUpdate) -> ModelEntry:
    """Change (or activate/deactivate) one of the team's entries; global entries are read-only."""
    row = session.get(ModelEntry, model_id, with_for_update=True)
    if row is None:
        raise NotFound("model not found")
    if row.team_id is None:
        raise Forbidden(
            f"{row.name!r} is in the operator's global catalogue, which is read-only over the API; "
            "add a team model instead (POST /api/v1/teams/{team_id}/models)"
        )
    require_role(session, actor, row.team_id, Role.admin, scope=ADMIN_WRITE, what="model")
    fields = data.model_dump(exclude_unset=True)
    for required in NOT_NULL:
        if required in fields and fields[required] is None:
            raise ValidationFailed(f"{required} cannot be null", details={"field": required})
    if "api_key_env" in fields or "api_base_env" in fields:
        _check_entry(
            row.name,
            fields.get("api_key_env", row.api_key_env),
            fields.get("api_base_env", row.api_base_env),
            row.api_base,
        )
    if "api_key" in fields and row.api_base is None:
        raise ValidationFailed(
            "an API key is stored only with a team endpoint (api_base)", details={"field": "api_key"}
        )
    _seal_key(fields)
    _check_fields(session, row.team_id, row.name, fields)
    _apply(row, fields)
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        action="model.updated",
        actor=actor,
        team_id=row.team_id,
        target_type="model",
        target_id=row.id,
        details={"name": row.name, "changed": sorted(k.removesuffix("_sealed") for k in fields)},
    )
    session.flush()
    events.call_after_commit(session, catalogue.invalidate)
    return row


def set_team_default(session: Session, actor: Actor, *, team_id: uuid.UUID, name: str | None) -> Team:
    """A team admin makes a model the default of the team's new projects (None: the operator's)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    check_model_choice(session, team_id, name)
    team = session.get(Team, team_id, with_for_update=True)
    if team is None:
        raise NotFound("team not found")
    team.default_model = name or None
    session.add(team)
    audit.record(
        session,
        action="team.default_model",
        actor=actor,
        team_id=team_id,
        target_type="team",
        target_id=team_id,
        details={"model": team.default_model},
    )
    session.flush()
    return team


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    model: str
    reply: str  # the first words of the answer, or why there was none
    latency_ms: float
    reason: str | None = None  # a ModelError reason when not ok


CHECK_PROMPT = [{"role": "user", "content": "Reply with the single word OK."}]


async def check_connection(session: Session, actor: Actor, model_id: uuid.UUID) -> ConnectionCheck:
    """One real call of a team's model through ``complete()`` (the path every agent uses,
    recorded in ``model_calls``); a fallback answering does not count as this model working."""
    row = session.get(ModelEntry, model_id)
    if row is None:
        raise NotFound("model not found")
    if row.team_id is None:
        raise Forbidden("test a connection of your team's own models; the global catalogue is the operator's")
    require_role(session, actor, row.team_id, Role.admin, scope=ADMIN_WRITE, what="model")
    name, team_id = row.name, row.team_id
    session.commit()  # release the row: the call may take seconds
    started = time.perf_counter()
    try:
        result = await complete(
            CompletionRequest(model=name, team_id=team_id, messages=CHECK_PROMPT, max_tokens=16, timeout_s=60)
        )
    except ModelError as exc:
        return ConnectionCheck(False, name, exc.message[:300], (time.perf_counter() - started) * 1000, exc.reason)
    latency_ms = (time.perf_counter() - started) * 1000
    if result.fallback_used:
        why = f"{name} did not answer; its fallback {result.model} did"
        return ConnectionCheck(False, name, why, latency_ms, "provider_error")
    return ConnectionCheck(True, name, (result.content or "(an empty answer)")[:300], latency_ms)
