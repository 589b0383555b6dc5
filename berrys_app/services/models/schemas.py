"""The public shapes of the model layer: what a caller asks for and what it gets back."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KnownProject(BaseModel):
    """The project's model and budgets as the caller has just read them (the engine's lease)."""

    model: str | None = None
    budget_usd: float | None = None
    budget_tokens: int | None = None
    team_id: uuid.UUID | None = None  # whose catalogue names the model; None: the call looks the project up


class CompletionRequest(BaseModel):
    """One model call. ``model=None`` means: the project's model, else ``settings.default_model``."""

    model_config = ConfigDict(extra="forbid")

    messages: list[dict[str, Any]] = Field(min_length=1)
    model: str | None = None
    capabilities: set[str] = Field(default_factory=set)
    tools: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None  # a JSON schema the reply must satisfy
    project_id: uuid.UUID | None = None
    # whose catalogue resolves the model names (a team's own entries); a project's calls use the
    # project's team, so this is for calls of no project (a team's "Test connection")
    team_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    call_key: str | None = Field(default=None, max_length=300)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    agent_budget_usd: float | None = Field(default=None, ge=0)
    agent_budget_tokens: int | None = Field(default=None, ge=0)
    timeout_s: float | None = Field(default=None, gt=0)  # None = the model's, else settings.model_timeout_s
    temperature: float | None = Field(default=None, ge=0, le=2)
    # Trim a prompt that does not fit the chosen model's window (oldest turns dropped, long texts
    # cut in the middle; the system messages and the first user message -- the task -- are kept)
    # instead of refusing it with ``context_overflow``.
    fit_context: bool = False
    # Hot-path option for the engine (saves a database round trip per call): ``known_project``
    # skips the replay/project lookup -- only for a call_key that cannot have been recorded yet
    # (the task's first attempt).
    known_project: KnownProject | None = None

    @field_validator("messages")
    @classmethod
    def _check_messages(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for message in value:
            if not isinstance(message, dict) or message.get("role") not in {"system", "user", "assistant", "tool"}:
                raise ValueError("each message needs a role of system, user, assistant or tool")
        return value

    def needed_capabilities(self) -> set[str]:
        """What the chosen model must support: the explicit set plus what tools/schemas imply."""
        needed = set(self.capabilities) | {"chat"}
        if self.tools:
            needed.add("tools")
        if self.response_format is not None:
            needed.add("json")
        return needed


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any]


class CompletionResult(BaseModel):
    """What ``complete()`` returns; tokens and cost add up every attempt this call paid for."""

    content: str = ""
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)  # [{"id", "name", "arguments": dict}]
    parsed: dict[str, Any] | None = None
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    fallback_used: bool = False
    replayed: bool = False
    call_id: uuid.UUID | None = None  # the model_calls row of the answer
    finish_reason: str = "stop"
    context_trimmed: bool = False  # ``fit_context`` shortened the prompt to fit the window
