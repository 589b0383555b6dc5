"""Model orchestration tables: the model catalogue, per-call accounting, prompt templates.

Prices are ``Numeric`` (not float) so budget checks are exact at the boundary.
A ``model_calls`` row is written for every provider call; a row in status
``running`` is also the budget reservation of a call in flight.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import SecretStr, field_validator
from sqlalchemy import Column, Index, Numeric, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field, id_field, json_field, ts_field

PRICE = Numeric(20, 12)  # USD per token: exact decimal arithmetic for budgets


class CallStatus(StrEnum):
    running = "running"  # in flight: holds a budget reservation until settled
    ok = "ok"
    error = "error"
    refused = "refused"  # refused before calling (budget, unknown model, missing key, ...)


class ModelEntry(SQLModel, table=True):
    """One model in the catalogue. Deactivate (``active=False``), never delete: calls refer to it."""

    __tablename__ = "models"
    __table_args__ = (
        # a name is unique within its team (two teams may each add "openai/gpt-4o-mini") and among
        # the operator's global entries; a team's entry shadows a global one of the same name for that team
        Index("uq_models_global_name", "name", unique=True, postgresql_where=text("team_id IS NULL")),
        Index("uq_models_team_name", "team_id", "name", unique=True, postgresql_where=text("team_id IS NOT NULL")),
    )

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)  # litellm model string, e.g. "openai/gpt-4o-mini"
    # the team that added (and manages) the entry; None = the operator's global catalogue (seeded)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=50)  # prefix of ``name``: embedded, scripted, openai, anthropic, ollama, ...
    display_name: str = Field(default="", max_length=200)
    capabilities: list[str] = json_field(list)  # chat, tools, json, vision, long-context
    context_window: int = Field(default=8192, ge=1)
    max_output_tokens: int = Field(default=1024, ge=1)
    input_price: Decimal = Field(default=Decimal(0), sa_column=Column(PRICE, nullable=False, server_default="0"))
    output_price: Decimal = Field(default=Decimal(0), sa_column=Column(PRICE, nullable=False, server_default="0"))
    active: bool = Field(default=True)
    fallbacks: list[str] = json_field(list)  # model names tried in order when this one fails
    api_key_env: str | None = Field(default=None, max_length=100)  # e.g. OPENAI_API_KEY; None = needs no key
    api_base_env: str | None = Field(default=None, max_length=100)  # e.g. OLLAMA_API_BASE
    # a team's own endpoint ("connect a model"): its URL and its key sealed with the vault key
    # (never returned); such an entry is never sent an operator's key
    api_base: str | None = Field(default=None, max_length=500)
    api_key_sealed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    timeout_s: float | None = Field(default=None, gt=0)  # None = settings.model_timeout_s
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


MODEL_NAME_PATTERN = r"^[a-z0-9_-]+/[^\s/][^\s]*$"
ENV_NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,90}_API_(KEY|BASE)$"  # team entries name provider keys, nothing else


class ModelEntryUpdate(SQLModel):
    """What a team admin may change on the team's own catalogue entry (the name is fixed)."""

    display_name: str | None = Field(default=None, max_length=200)
    capabilities: list[str] | None = Field(default=None, max_length=10)
    context_window: int | None = Field(default=None, ge=1, le=100_000_000)
    max_output_tokens: int | None = Field(default=None, ge=1, le=10_000_000)
    input_price: float | None = Field(default=None, ge=0, le=1)  # USD per token
    output_price: float | None = Field(default=None, ge=0, le=1)
    active: bool | None = None
    fallbacks: list[str] | None = Field(default=None, max_length=10)
    api_key_env: str | None = Field(default=None, max_length=100)  # ENV_NAME_PATTERN
    api_base_env: str | None = Field(default=None, max_length=100)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)
    notes: str | None = Field(default=None, max_length=2000)
    # the key of the team's own endpoint: write-only (sealed with the vault key, never returned)
    api_key: SecretStr | None = Field(default=None, max_length=500)

    @field_validator("api_key_env", "api_base_env")
    @classmethod
    def _provider_env_only(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(ENV_NAME_PATTERN, value):
            raise ValueError(f"must name a provider key variable matching {ENV_NAME_PATTERN}, e.g. OPENAI_API_KEY")
        return value


class ModelEntryCreate(ModelEntryUpdate):
    """A team's own catalogue entry: a litellm model string with what it can do and costs."""

    name: str = Field(min_length=3, max_length=200)
    capabilities: list[str] | None = Field(default_factory=lambda: ["chat"], max_length=10)
    active: bool | None = True
    # the team's own endpoint, e.g. https://api.example.com/v1 (OpenAI-compatible, Ollama, Anthropic)
    api_base: str | None = Field(default=None, max_length=500)

    @field_validator("name")
    @classmethod
    def _model_string(cls, value: str) -> str:
        if not re.fullmatch(MODEL_NAME_PATTERN, value):
            raise ValueError("a model is '<litellm provider>/<model>', e.g. 'openai/gpt-4o-mini'")
        return value


class ModelCall(SQLModel, table=True):
    """Accounting of one provider call (or refusal): the data behind cost charts and the audit log."""

    __tablename__ = "model_calls"
    __table_args__ = (
        # A completed call is recorded once per key (replay); failed attempts may share the key.
        Index("uq_model_calls_call_key_ok", "call_key", unique=True, postgresql_where=text("status = 'ok'")),
        # usage totals and the Models page's charts read only this index (index-only scans)
        Index(
            "ix_model_calls_project_usage",
            "project_id",
            "status",
            postgresql_include=["model", "created_at", "prompt_tokens", "completion_tokens", "cost_usd"],
        ),
        Index("ix_model_calls_agent_status", "agent_id", "status"),
        Index("ix_model_calls_created_at_brin", "created_at", postgresql_using="brin"),  # retention
    )

    id: uuid.UUID = id_field()
    call_key: str | None = Field(default=None, max_length=300, index=True)
    project_id: uuid.UUID | None = Field(default=None, foreign_key="projects.id", ondelete="CASCADE")
    task_id: uuid.UUID | None = Field(default=None, index=True)
    agent_id: uuid.UUID | None = Field(default=None)
    model: str = Field(max_length=200, index=True)
    status: str = Field(default=CallStatus.ok.value, max_length=20)
    error: str | None = Field(default=None, max_length=50)  # ModelError.reason or budget_exceeded
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempt: int = Field(default=1)  # 1-based position in the fallback/repair sequence of one complete()
    fallback_used: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Field(default=Decimal(0), sa_column=Column(PRICE, nullable=False, server_default="0"))
    reserved_tokens: int = 0
    reserved_usd: Decimal = Field(default=Decimal(0), sa_column=Column(PRICE, nullable=False, server_default="0"))
    reserved_until: datetime | None = ts_field()
    latency_ms: float = 0.0
    content: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    tool_calls: list[dict[str, Any]] = json_field(list)
    parsed: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    # a fork's copy of a recorded call (zero tokens, no provider call): the row it was copied from
    copied_from_id: uuid.UUID | None = Field(default=None)
    created_at: datetime = created_field()
