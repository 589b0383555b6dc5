"""Tool Integration tables: the versioned tool registry, recorded tool calls,
the credentials vault (+ its use audit), MCP servers and project artifacts.

Secrets never sit in a column in plaintext: ``Credential.ciphertext`` is Fernet
output and ``ToolCall.arguments`` is stored after redaction.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field

TOOL_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"  # what OpenAI/litellm accept as a function name
CREDENTIAL_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,99}$"  # referenced as ${credentials.NAME}
MCP_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


def _matching(value: str, pattern: str, what: str) -> str:
    value = value.strip()
    if not re.fullmatch(pattern, value):
        raise ValueError(f"{what} must match {pattern}")
    return value


class ToolKind(StrEnum):
    """How a tool is run (``execution.py`` dispatches on it)."""

    python = "python"
    http = "http"
    project_files = "project_files"
    search_outputs = "search_outputs"
    mcp = "mcp"


class ToolCallStatus(StrEnum):
    running = "running"
    ok = "ok"
    error = "error"


class CredentialKind(StrEnum):
    api_key = "api_key"
    bearer = "bearer"
    basic = "basic"
    oauth2_client = "oauth2_client"


class ApprovalPolicy(StrEnum):
    """When a call of a tool waits for a person in the team's inbox before it runs."""

    never = "never"
    side_effects = "side_effects"  # only when the tool has side effects
    always = "always"


# strictness, weakest first: a member may only move a project's policy up this order (``project_policies``)
APPROVAL_RANK: dict[str, int] = {ApprovalPolicy.never: 0, ApprovalPolicy.side_effects: 1, ApprovalPolicy.always: 2}


def default_approval_policy(kind: str) -> str:
    """Tools that reach other systems (http, MCP) ask a person before a side effect; the
    sandboxed and project-local kinds do not."""
    return ApprovalPolicy.side_effects.value if kind in (ToolKind.http, ToolKind.mcp) else ApprovalPolicy.never.value


class McpTransport(StrEnum):
    stdio = "stdio"
    http = "http"


# --- registry -------------------------------------------------------------------------------


class ToolBase(SQLModel):
    name: str = Field(max_length=64)
    description: str = Field(default="", max_length=4000, sa_column=Column(Text, nullable=False))
    category: str = Field(default="general", max_length=50)
    kind: str = Field(max_length=30)  # a ToolKind value
    side_effects: bool = False

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _matching(value, TOOL_NAME_PATTERN, "a tool name")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return ToolKind(value).value


class ToolCreate(ToolBase):
    """What an admin submits; registering an existing name adds a new version."""

    capabilities: list[str] = Field(default_factory=list)
    parameters_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    result_schema: dict[str, Any] | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    # None: the kind's default (``default_approval_policy``)
    approval_policy: ApprovalPolicy | None = None

    @field_validator("capabilities")
    @classmethod
    def _clean_capabilities(cls, value: list[str]) -> list[str]:
        return sorted({item.strip().lower() for item in value if item.strip()})


class Tool(ToolBase, table=True):
    """One version of a tool. ``team_id`` None = built-in, visible to every team."""

    __tablename__ = "tools"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_tools_name_version"),)

    id: uuid.UUID = id_field()
    version: int = Field(default=1, ge=1)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id", index=True, ondelete="CASCADE")
    capabilities: list[str] = json_field(list)
    parameters_schema: dict[str, Any] = json_field(dict)
    result_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    config: dict[str, Any] = json_field(dict)  # limits, allowed_hosts, mcp server/tool names
    approval_policy: str = Field(default=ApprovalPolicy.side_effects.value, max_length=20)  # an ApprovalPolicy
    is_active: bool = True
    mcp_server_id: uuid.UUID | None = Field(default=None, foreign_key="mcp_servers.id", ondelete="CASCADE")
    created_at: datetime = created_field()


class ToolPublic(ToolBase):
    id: uuid.UUID
    version: int
    team_id: uuid.UUID | None
    capabilities: list[str]
    parameters_schema: dict[str, Any]
    result_schema: dict[str, Any] | None
    config: dict[str, Any]
    approval_policy: str
    is_active: bool
    created_at: datetime


class ToolPolicyEdit(SQLModel):
    """A fork's change to one team tool's policy, for the fork's project only."""

    tool: str = Field(max_length=64)
    approval_policy: ApprovalPolicy | None = None  # None: keep the policy in effect
    # a JSON Schema the call's arguments must match besides the tool's parameters_schema; it is
    # added to (allOf) the one the project already has unless ``replace_arguments_schema``
    arguments_schema: dict[str, Any] | None = None
    replace_arguments_schema: bool = False  # drop the inherited constraint (may loosen: admins only)

    @field_validator("tool")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _matching(value, TOOL_NAME_PATTERN, "a tool name")


class ProjectToolPolicy(SQLModel, table=True):
    """One project's override of a team tool's policy (set by a fork's edits, inherited by its
    forks). Consulted on every call of the tool in the project (``tools.project_policies``)."""

    __tablename__ = "project_tool_policies"

    project_id: uuid.UUID = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    tool_name: str = Field(max_length=64, primary_key=True)
    approval_policy: str | None = Field(default=None, max_length=20)  # an ApprovalPolicy; None: the tool's
    arguments_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_field()


class ProjectToolPolicyPublic(SQLModel):
    tool_name: str
    approval_policy: str | None
    arguments_schema: dict[str, Any] | None
    created_at: datetime


# --- calls ----------------------------------------------------------------------------------


class ToolCall(SQLModel, table=True):
    """One execution, keyed by the caller's ``call_key`` so a re-run replays instead of repeating."""

    __tablename__ = "tool_calls"
    __table_args__ = (Index("ix_tool_calls_started_at_brin", "started_at", postgresql_using="brin"),)  # retention

    id: uuid.UUID = id_field()
    call_key: str = Field(max_length=300, unique=True)
    project_id: uuid.UUID | None = Field(default=None, index=True)
    task_id: uuid.UUID | None = Field(default=None, index=True)
    agent_id: uuid.UUID | None = Field(default=None)
    tool_name: str = Field(max_length=64, index=True)
    tool_version: int | None = None
    arguments: dict[str, Any] = json_field(dict)  # secrets redacted
    status: str = Field(default=ToolCallStatus.running.value, max_length=20)
    error_code: str | None = Field(default=None, max_length=50)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))  # what the model saw
    artifact_path: str | None = Field(default=None, max_length=512)  # full result when truncated
    idempotency_key: str | None = Field(default=None, max_length=100)
    attempts: int = 1
    duration_ms: float | None = None
    # a fork's copy of a recorded call (the tool did not run again): the row it was copied from
    copied_from_id: uuid.UUID | None = Field(default=None)
    started_at: datetime = created_field()
    finished_at: datetime | None = ts_field()


# --- credentials ----------------------------------------------------------------------------


class CredentialBinding(SQLModel):
    """Where a credential may be sent; an admin sets it at creation or later (without
    re-entering the secret). No hosts: no http tool may send it."""

    # host, host:port or *.domain
    allowed_hosts: list[str] = Field(default_factory=list, max_length=50)
    # the request headers it may be put in (empty: any header)
    header_names: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("allowed_hosts")
    @classmethod
    def _clean_hosts(cls, value: list[str]) -> list[str]:
        return clean_host_patterns(value)

    @field_validator("header_names")
    @classmethod
    def _clean_headers(cls, value: list[str]) -> list[str]:
        return clean_header_names(value)


class CredentialCreate(CredentialBinding):
    """``secret`` fields per kind: api_key {key}, bearer {token}, basic {username, password},
    oauth2_client {client_id, client_secret, token_url, scope?}."""

    name: str = Field(max_length=100)
    kind: CredentialKind
    secret: dict[str, str]
    tool_names: list[str] = Field(default_factory=list)  # empty = any tool of the team
    description: str = Field(default="", max_length=500)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _matching(value, CREDENTIAL_NAME_PATTERN, "a credential name")


_HOST_PATTERN = re.compile(
    r"^(\*\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$"
)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")


def clean_host_patterns(value: list[str]) -> list[str]:
    """``host``, ``host:port`` or ``*.domain``, lower-cased; a bare ``*`` is refused (a
    credential names where it goes)."""
    hosts = sorted({item.strip().lower() for item in value if item.strip()})
    for host in hosts:
        if not _HOST_PATTERN.match(host):
            raise ValueError(f"allowed_hosts entry {host!r} must be host, host:port or *.domain (no bare *)")
    return hosts


def clean_header_names(value: list[str]) -> list[str]:
    names = sorted({item.strip().lower() for item in value if item.strip()})
    for name in names:
        if not _HEADER_NAME.match(name):
            raise ValueError(f"header_names entry {name!r} is not an HTTP header name")
    return names


class Credential(SQLModel, table=True):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_credentials_team_name"),)

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    kind: str = Field(max_length=30)
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    hint: str = Field(default="", max_length=100)
    tool_names: list[str] = json_field(list)
    allowed_hosts: list[str] = json_field(list)  # see CredentialCreate; [] = no http tool may send it
    header_names: list[str] = json_field(list)  # lower-case; [] = any header
    description: str = Field(default="", max_length=500)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_field()
    last_used_at: datetime | None = ts_field()


class CredentialPublic(SQLModel):
    """The only shape a credential leaves the service in: masked."""

    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    kind: str
    hint: str
    tool_names: list[str]
    allowed_hosts: list[str]
    header_names: list[str]
    description: str
    created_at: datetime
    last_used_at: datetime | None


class CredentialUse(SQLModel, table=True):
    """Audit: every decryption for a tool call."""

    __tablename__ = "credential_uses"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    credential_id: uuid.UUID = Field(foreign_key="credentials.id", index=True, ondelete="CASCADE")
    tool_name: str = Field(max_length=64)
    call_key: str | None = Field(default=None, max_length=300)
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    purpose: str = Field(default="tool_call", max_length=50)
    created_at: datetime = created_field()


# --- MCP ------------------------------------------------------------------------------------


class McpServerCreate(SQLModel):
    name: str = Field(max_length=40)
    transport: McpTransport
    command: str | None = Field(default=None, max_length=500)
    args: list[str] = Field(default_factory=list)
    url: str | None = Field(default=None, max_length=2000)
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    # environment for a stdio server (names the operator lists in BERRYS_MCP_STDIO_ENV_KEYS, values
    # ${credentials.NAME} only) / headers for an http one (secrets: ${credentials.NAME}, decrypted
    # only when connecting). [command, *args] must fit an operator template (BERRYS_MCP_STDIO_COMMANDS)
    env: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _matching(value, MCP_NAME_PATTERN, "an MCP server name")


class McpServer(SQLModel, table=True):
    __tablename__ = "mcp_servers"
    # unique per team: a global name could be squatted by another team and tells who uses what
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_mcp_servers_team_name"),)

    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=40)
    transport: str = Field(max_length=10)
    command: str | None = Field(default=None, max_length=500)
    args: list[str] = json_field(list)
    url: str | None = Field(default=None, max_length=2000)
    timeout_s: float = 30.0
    env: dict[str, str] = json_field(dict)  # credential references, resolved at spawn time
    headers: dict[str, str] = json_field(dict)  # same, for http servers
    status: str = Field(default="new", max_length=20)  # new | ok | error
    last_error: str | None = Field(default=None, max_length=2000)
    tool_names: list[str] = json_field(list)
    created_at: datetime = created_field()
    discovered_at: datetime | None = ts_field()


class McpServerPublic(SQLModel):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    transport: str
    command: str | None
    args: list[str]
    url: str | None
    env: dict[str, str]
    headers: dict[str, str]
    status: str
    last_error: str | None
    tool_names: list[str]
    created_at: datetime
    discovered_at: datetime | None


# --- artifacts (project files) --------------------------------------------------------------


class Artifact(SQLModel, table=True):
    """A file in a project's workspace; written by tools, read by tasks, the dashboard and REST."""

    __tablename__ = "artifacts"
    __table_args__ = (
        UniqueConstraint("project_id", "path", name="uq_artifacts_project_path"),
        Index("ix_artifacts_project_updated", "project_id", "updated_at"),
    )

    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    path: str = Field(max_length=512)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    content_type: str = Field(default="text/plain", max_length=100)
    size: int = 0
    task_id: uuid.UUID | None = None
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ArtifactPublic(SQLModel):
    id: uuid.UUID
    project_id: uuid.UUID
    path: str
    content_type: str
    size: int
    task_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ToolCallPublic(SQLModel):
    """A recorded call as the dashboard and REST show it (arguments already redacted)."""

    id: uuid.UUID
    call_key: str
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    tool_name: str
    tool_version: int | None
    arguments: dict[str, Any]
    status: str
    error_code: str | None
    content: str
    artifact_path: str | None
    attempts: int
    duration_ms: float | None
    copied_from_id: uuid.UUID | None = None  # a fork's copy: the tool did not run again
    started_at: datetime
    finished_at: datetime | None


class TeamTemplateTools(SQLModel, table=True):
    """A team's tool list for agents the engine creates from one (global) template: replaces
    the template's own list for that team (templates are shared by every team)."""

    __tablename__ = "team_template_tools"

    team_id: uuid.UUID = Field(foreign_key="teams.id", primary_key=True, ondelete="CASCADE")
    template_id: uuid.UUID = Field(foreign_key="agent_templates.id", primary_key=True, ondelete="CASCADE")
    allowed_tools: list[str] = json_field(list)
    updated_at: datetime = created_field()
