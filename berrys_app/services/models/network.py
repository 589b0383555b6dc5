"""Network providers (OpenAI, Anthropic, Ollama, vLLM, ...) through ``litellm.acompletion``.

The service has already checked the API key and that network calls are allowed
(never in the test session); this module refuses a team entry that could send a key to
another host (``team_providers``), translates the call and litellm's exceptions into
``ModelError`` reasons.
"""

from __future__ import annotations

import os
from typing import Any

import litellm

from berrys_app.services.models import team_providers
from berrys_app.services.models.catalogue import ModelSpec
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply, message_text, normalise_tool_calls


def _reason(exc: Exception) -> str:
    if isinstance(exc, litellm.Timeout):
        return "timeout"
    if isinstance(exc, litellm.RateLimitError):
        return "rate_limited"
    if isinstance(exc, litellm.AuthenticationError):
        return "missing_api_key"
    if isinstance(exc, litellm.ContextWindowExceededError):
        return "context_overflow"
    if isinstance(exc, litellm.NotFoundError):
        return "unknown_model"
    return "provider_error"


def count_prompt_tokens(model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    """litellm's tokenizer for the model; a chars/4 estimate if it has none offline."""
    try:
        return int(litellm.token_counter(model=model, messages=messages, tools=tools))
    except Exception:
        return sum(len(message_text(m)) // 4 + 4 for m in messages) + 3


def count_text_tokens(model: str, text: str) -> int:
    try:
        return int(litellm.token_counter(model=model, text=text))
    except Exception:
        return len(text) // 4 + 1


async def generate(call: ProviderCall) -> ProviderReply:
    spec = call.spec
    refused = team_providers.call_problem(spec)  # a team row stored before the rule: never sent
    if refused is not None:
        raise ModelError("unknown_model", f"the team model {spec.name!r} is refused: {refused}", model=spec.name)
    kwargs: dict[str, Any] = {"model": spec.name, "messages": call.messages, "max_tokens": call.max_tokens}
    if call.tools:
        kwargs["tools"] = call.tools
    if call.schema is not None:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": call.schema},
        }
    if call.temperature is not None:
        kwargs["temperature"] = call.temperature
    if spec.api_key_env:
        kwargs["api_key"] = os.environ.get(spec.api_key_env)
    if spec.api_base_env and os.environ.get(spec.api_base_env):
        kwargs["api_base"] = os.environ[spec.api_base_env]
    try:
        if call.on_delta is None:
            response = await litellm.acompletion(**kwargs)
            choice = response.choices[0]
            usage = getattr(response, "usage", None)
            return ProviderReply(
                content=choice.message.content or "",
                tool_calls=normalise_tool_calls(choice.message.tool_calls, model=spec.name),
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                finish_reason=choice.finish_reason or "stop",
            )
        chunks = []
        stream = await litellm.acompletion(stream=True, stream_options={"include_usage": True}, **kwargs)
        async for chunk in stream:
            chunks.append(chunk)
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                call.on_delta(delta)
        response = litellm.stream_chunk_builder(chunks, messages=call.messages)
        choice = response.choices[0]
        return ProviderReply(
            content=choice.message.content or "",
            tool_calls=normalise_tool_calls(choice.message.tool_calls, model=spec.name),
            prompt_tokens=int(response.usage.prompt_tokens or 0),
            completion_tokens=int(response.usage.completion_tokens or 0),
            finish_reason=choice.finish_reason or "stop",
        )
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(_reason(exc), f"{type(exc).__name__}: {exc}"[:2000], model=spec.name) from exc


class LitellmProvider:
    """Every network provider (OpenAI, Anthropic, Ollama, vLLM, any OpenAI-compatible server):
    litellm routes ``<provider>/<model>`` itself, so one object serves every such name."""

    name = "litellm"
    local = False
    blocking = False

    async def generate(self, call: ProviderCall) -> ProviderReply:
        return await generate(call)

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return count_prompt_tokens(spec.name, messages, tools)

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return count_text_tokens(spec.name, text)

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return False  # litellm's tokenizer (or chars/4 offline) is an estimate of the provider's


PROVIDER = LitellmProvider()
