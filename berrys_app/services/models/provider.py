"""The one interface every provider implements: one call in, one reply out, plus its tokenizer.

Providers raise ``ModelError`` with a specific reason; they never record, budget or
retry (the service does that once for all of them). ``registry`` maps a catalogue
entry's provider name to its ``Provider``; the service dispatches through it only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.spec import ModelSpec


@dataclass
class ProviderCall:
    spec: ModelSpec
    messages: list[dict[str, Any]]
    max_tokens: int
    tools: list[dict[str, Any]] | None = None
    schema: dict[str, Any] | None = None  # JSON schema the content must satisfy (already normalised)
    temperature: float | None = None
    on_delta: Callable[[str], None] | None = None  # called with each streamed text piece
    call_key: str | None = None  # the caller's key for this call (the replay provider answers by it)


@dataclass
class ProviderReply:
    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "name", "arguments": dict}]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"


class Provider(Protocol):
    """What the model service and the catalogue need of a provider (one instance per provider name)."""

    name: str  # the catalogue's ``provider`` (the part of ``provider/model`` before the slash)
    local: bool  # runs in this process: no network, so allowed in the test session; never a team entry
    blocking: bool  # tokenizing is CPU work on this thread: count and trim off the event loop
    for_tests: bool  # a test model: model pickers hide it unless BERRYS_SHOW_TEST_MODELS
    key_env: str | None  # a team entry's one key variable (None: no team entry on the operator's key)
    team_endpoint: bool  # a team may connect its own endpoint speaking this provider's API

    def builtin_spec(self, name: str) -> ModelSpec | None:
        """The spec of ``name`` when it is one of this provider's models that need no catalogue row."""
        ...

    async def generate(self, call: ProviderCall) -> ProviderReply:
        """One completion; a failure is a ``ModelError`` with a specific reason."""
        ...

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        """Tokens the prompt takes on ``spec`` with this provider's tokenizer."""
        ...

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        """Tokens of plain text on ``spec``."""
        ...

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        """Whether ``count_prompt_tokens`` is exactly what the provider bills (else budgets add a margin)."""
        ...


def normalise_tool_calls(raw: list[Any] | None, *, model: str) -> list[dict[str, Any]]:
    """OpenAI-style tool calls -> ``[{"id", "name", "arguments": dict}]``; bad JSON arguments are malformed output."""
    calls: list[dict[str, Any]] = []
    for index, item in enumerate(raw or []):
        data = item if isinstance(item, dict) else item.model_dump() if hasattr(item, "model_dump") else dict(item)
        function = data.get("function") or {}
        arguments: Any = function.get("arguments", data.get("arguments", {}))
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as exc:
                raise ModelError(
                    "malformed_output", f"tool call arguments are not JSON: {exc.msg}", model=model
                ) from exc
        if not isinstance(arguments, dict):
            raise ModelError("malformed_output", "tool call arguments must be a JSON object", model=model)
        name = function.get("name") or data.get("name")
        if not name:
            raise ModelError("malformed_output", "tool call without a function name", model=model)
        calls.append({"id": data.get("id") or f"call_{index}", "name": str(name).rstrip(":"), "arguments": arguments})
    return calls


def message_text(message: dict[str, Any]) -> str:
    """All the text of one chat message (content parts and tool-call arguments) for token counting."""
    content = message.get("content")
    if isinstance(content, list):
        text = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    else:
        text = "" if content is None else str(content)
    if message.get("tool_calls"):
        text += " " + json.dumps(message["tool_calls"], default=str)
    return text
