"""The tool registry: versioned tool definitions, pin-or-latest resolution, discovery by
capability/keyword, and the litellm tool specs offered to a model."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import func, or_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import Tool, ToolCreate, ToolKind, ToolPublic, default_approval_policy
from berrys_app.services import events
from berrys_app.services.authz import ADMIN_WRITE, PROJECTS_READ, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.tools import mcp_hosts
from berrys_app.services.tools.builtins import BUILTIN_TOOLS
from berrys_app.services.tools.sandbox import cap_env_name, operator_caps

log = logging.getLogger(__name__)
_SEEDED: set[str] = set()


_DEFINITION = (
    "description",
    "category",
    "kind",
    "side_effects",
    "capabilities",
    "parameters_schema",
    "config",
    "approval_policy",
)


def ensure_builtins(session: Session) -> None:
    """Register the built-in tools once per database and process (idempotent, race-safe).

    When the code's definition of a built-in differs from its latest stored version (an
    upgrade), a new version is added; agents pinned to an older one keep it.
    """
    bind = session.get_bind()
    marker = str(bind.url)
    if marker in _SEEDED:
        return
    for spec in BUILTIN_TOOLS:
        latest = session.exec(
            select(Tool).where(Tool.name == spec.name, col(Tool.team_id).is_(None)).order_by(col(Tool.version).desc())
        ).first()
        wanted = _row_from(spec, version=(latest.version + 1) if latest else 1, team_id=None)
        if latest is not None and all(getattr(latest, f) == getattr(wanted, f) for f in _DEFINITION):
            continue
        session.execute(
            insert(Tool).values(**wanted.model_dump()).on_conflict_do_nothing(constraint="uq_tools_name_version")
        )
    session.commit()
    _SEEDED.add(marker)


def _row_from(data: ToolCreate, *, version: int, team_id: uuid.UUID | None, **extra: Any) -> Tool:
    return Tool(
        name=data.name,
        description=data.description,
        category=data.category,
        kind=ToolKind(data.kind).value,
        side_effects=data.side_effects,
        version=version,
        team_id=team_id,
        capabilities=list(data.capabilities),
        parameters_schema=data.parameters_schema,
        result_schema=data.result_schema,
        config=dict(data.config),
        approval_policy=data.approval_policy.value if data.approval_policy else default_approval_policy(data.kind),
        **extra,
    )


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a parameters schema that is not valid JSON Schema or not an object schema."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(f"parameters_schema is not valid JSON Schema: {exc.message}") from exc
    if schema.get("type") != "object":
        raise ValidationFailed("parameters_schema must describe an object (type: object)")


# (minimum, maximum) of numeric config keys; admins may tune within these
CONFIG_BOUNDS: dict[str, tuple[float, float]] = {
    "cpu_s": (1, 600),
    "wall_s": (1, 3600),
    "memory_mb": (32, 16_384),
    "max_output_bytes": (1_000, 10_000_000),
    "nproc": (1, 512),
    "fsize_mb": (1, 1_024),
    "timeout_s": (0.1, 3600),
    "max_response_bytes": (1_000, 50_000_000),
    "max_result_chars": (500, 1_000_000),
    "rate_limit_per_min": (1, 1_000_000),
}


# config keys each kind of tool may have (anything else is refused: a typo would silently do
# nothing, and e.g. a sandbox's network isolation is the operator's decision, not a team's)
_COMMON_KEYS = {"timeout_s", "max_result_chars", "rate_limit_per_min"}
CONFIG_KEYS: dict[str, set[str]] = {
    ToolKind.python: _COMMON_KEYS | {"cpu_s", "wall_s", "memory_mb", "max_output_bytes", "nproc", "fsize_mb"},
    ToolKind.http: _COMMON_KEYS | {"allowed_hosts", "max_response_bytes"},
    ToolKind.project_files: set(_COMMON_KEYS),
    ToolKind.search_outputs: set(_COMMON_KEYS),
    ToolKind.mcp: _COMMON_KEYS | {"mcp_tool"},
}
# keys the sandbox / runners use as whole numbers
INTEGER_KEYS = {"cpu_s", "memory_mb", "nproc", "fsize_mb", "max_output_bytes", "max_response_bytes", "max_result_chars"}


def check_config(kind: str, config: dict[str, Any], *, mcp: bool = False) -> None:
    """Refuse config a tool could not run with (unknown keys, wrong types, absurd limits) at
    registration, not at the first call."""
    if kind == ToolKind.mcp and not mcp:
        raise ValidationFailed("MCP tools are added by registering their MCP server")
    unknown = sorted(set(config) - CONFIG_KEYS.get(kind, set()))
    if unknown:
        allowed = ", ".join(sorted(CONFIG_KEYS.get(kind, set()))) or "none"
        raise ValidationFailed(f"unknown config key(s) for a {kind} tool: {', '.join(unknown)} (allowed: {allowed})")
    caps = operator_caps() if kind == ToolKind.python else {}
    for key, (low, high) in CONFIG_BOUNDS.items():
        if key in config:
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationFailed(f"config.{key} must be a number between {low:g} and {high:g}")
            if key in caps and value > caps[key]:
                raise ValidationFailed(
                    f"config.{key} is {value:g} but this installation allows at most {caps[key]:g} "
                    f"(the operator's cap {cap_env_name(key)})"
                )
            if not low <= value <= high:
                raise ValidationFailed(f"config.{key} must be a number between {low:g} and {high:g}")
            if key in INTEGER_KEYS and not float(value).is_integer():
                raise ValidationFailed(f"config.{key} must be a whole number")
    if kind == ToolKind.http:
        hosts = config.get("allowed_hosts")
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
            raise ValidationFailed("an http tool needs config.allowed_hosts: a list of host names")
        mcp_hosts.check_allowed_hosts(hosts)


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``name`` or ``name@version`` (an agent pinning a version)."""
    name, _, version = ref.partition("@")
    if version:
        if not version.isdigit():
            raise ValidationFailed(f"bad tool reference {ref!r}; use name or name@<version number>")
        return name, int(version)
    return name, None


def resolve(
    session: Session, name: str, *, version: int | None = None, team_id: uuid.UUID | None = None
) -> Tool | None:
    """The pinned version, or the latest active one, visible to ``team_id`` (built-ins always)."""
    query = select(Tool).where(Tool.name == name)
    query = (
        query.where(or_(col(Tool.team_id).is_(None), Tool.team_id == team_id))
        if team_id
        else query.where(col(Tool.team_id).is_(None))
    )
    if version is not None:
        return session.exec(query.where(Tool.version == version)).first()
    return session.exec(query.where(col(Tool.is_active).is_(True)).order_by(col(Tool.version).desc())).first()


def tool_spec(tool: Tool) -> dict[str, Any]:
    """The litellm/OpenAI function-calling shape of one tool."""
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description[:1024], "parameters": tool.parameters_schema},
    }


def tool_specs_for(
    session: Session,
    *,
    allowed: list[str],
    team_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Specs of the agent's allowed tools (pins honoured), ready for ``CompletionRequest.tools``.

    Pass ``team_id`` or ``project_id`` so the team's own and MCP tools are offered too
    (without either, only built-ins are). Unknown names are skipped (and logged).
    """
    ensure_builtins(session)
    if team_id is None and project_id is not None:
        project = session.get(Project, project_id)
        team_id = project.team_id if project else None
    specs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for ref in allowed:
        name, version = parse_ref(ref)
        tool = resolve(session, name, version=version, team_id=team_id)
        if tool is None or name in seen:
            if tool is None:
                log.warning("allowed tool %r does not exist", ref)
            continue
        seen.add(name)
        specs.append(tool_spec(tool))
    return specs


def search_tools(
    session: Session,
    *,
    capability: str | None = None,
    keyword: str | None = None,
    team_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Tool]:
    """Latest active version of each tool matching a capability and/or keyword (team assembly)."""
    ensure_builtins(session)
    latest = (
        select(Tool.name, func.max(Tool.version).label("version"))
        .where(col(Tool.is_active).is_(True))
        .where(or_(col(Tool.team_id).is_(None), Tool.team_id == team_id) if team_id else col(Tool.team_id).is_(None))
        .group_by(Tool.name)
        .subquery()
    )
    query = select(Tool).join(latest, (Tool.name == latest.c.name) & (Tool.version == latest.c.version))
    if capability:
        query = query.where(col(Tool.capabilities).contains([capability.strip().lower()]))
    if keyword:
        pattern = f"%{_escape_like(keyword.strip())}%"
        query = query.where(or_(col(Tool.name).ilike(pattern), col(Tool.description).ilike(pattern)))
    return list(session.exec(query.order_by(col(Tool.name)).limit(max(1, min(limit, 500)))))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- service functions (REST and dashboard call these) ---------------------------------------


def list_tools(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID,
    capability: str | None = None,
    q: str | None = None,
) -> list[ToolPublic]:
    """The registry as the team sees it: built-ins plus its own tools (latest versions)."""
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    rows = search_tools(session, capability=capability, keyword=q, team_id=team_id, limit=500)
    return [ToolPublic.model_validate(row, from_attributes=True) for row in rows]


def get_tool(
    session: Session, actor: Actor, *, team_id: uuid.UUID, name: str, version: int | None = None
) -> ToolPublic:
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    ensure_builtins(session)
    tool = resolve(session, name, version=version, team_id=team_id)
    if tool is None:
        raise NotFound(f"tool {name!r} not found")
    return ToolPublic.model_validate(tool, from_attributes=True)


def list_tool_versions(session: Session, actor: Actor, *, team_id: uuid.UUID, name: str) -> list[ToolPublic]:
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    ensure_builtins(session)
    query = select(Tool).where(Tool.name == name, or_(col(Tool.team_id).is_(None), Tool.team_id == team_id))
    rows = list(session.exec(query.order_by(col(Tool.version))))
    if not rows:
        raise NotFound(f"tool {name!r} not found")
    return [ToolPublic.model_validate(row, from_attributes=True) for row in rows]


def register_tool(session: Session, actor: Actor, *, team_id: uuid.UUID, data: ToolCreate) -> ToolPublic:
    """Add a team tool, or a new version of one the team owns (admins only)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    row = add_version(session, team_id=team_id, data=data)
    events.emit(
        session,
        EventKind.TOOL_REGISTERED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": row.name, "version": row.version, "kind": row.kind},
    )
    session.flush()
    return ToolPublic.model_validate(row, from_attributes=True)


def add_version(
    session: Session, *, team_id: uuid.UUID, data: ToolCreate, mcp_server_id: uuid.UUID | None = None
) -> Tool:
    """Next version of ``data.name`` for ``team_id``. Names are per team (another team's tool of
    the same name is invisible to this one, so no team can squat a name); a built-in's name is
    taken. Versions count across teams, so ``(name, version)`` names one row."""
    ensure_builtins(session)
    data = ToolCreate.model_validate(data.model_dump())  # re-run validators (name, kind)
    check_schema(data.parameters_schema)
    if data.result_schema is not None:
        try:
            Draft202012Validator.check_schema(data.result_schema)
        except SchemaError as exc:
            raise ValidationFailed(f"result_schema is not valid JSON Schema: {exc.message}") from exc
    check_config(data.kind, data.config, mcp=mcp_server_id is not None)
    builtin = select(Tool.id).where(Tool.name == data.name, col(Tool.team_id).is_(None))
    if session.exec(builtin).first() is not None:
        raise Conflict(f"the tool name {data.name!r} is a built-in's; choose another name")
    current = session.exec(select(func.max(Tool.version)).where(Tool.name == data.name)).one()
    row = _row_from(data, version=(current or 0) + 1, team_id=team_id, mcp_server_id=mcp_server_id)
    session.add(row)
    session.flush()
    return row


def set_tool_active(
    session: Session, actor: Actor, *, team_id: uuid.UUID, name: str, version: int, active: bool
) -> ToolPublic:
    """Retire (or restore) one version; agents that take the latest fall back to the previous one."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    tool = session.exec(select(Tool).where(Tool.name == name, Tool.version == version)).first()
    if tool is None or tool.team_id != team_id:
        raise NotFound(f"tool {name}@{version} not found")
    tool.is_active = active
    session.add(tool)
    session.flush()
    return ToolPublic.model_validate(tool, from_attributes=True)
