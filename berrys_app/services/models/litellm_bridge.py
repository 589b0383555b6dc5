"""Our in-process providers registered with litellm (``embedded/...``, ``scripted/...``).

``complete()`` calls them directly (faster); the registration lets any code that
speaks litellm (``litellm.acompletion(model="embedded/smollm2", ...)``, a Router)
use them too.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse
from litellm.utils import custom_llm_setup

from berrys_app.services.models import registry, structured
from berrys_app.services.models.provider import ProviderCall, ProviderReply
from berrys_app.services.models.spec import ALL_CAPABILITIES, ModelSpec

_REGISTERED = False


def _to_response(reply: ProviderReply, model: str) -> ModelResponse:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for c in reply.tool_calls
        ]
    return ModelResponse(
        model=model,
        created=int(time.time()),
        choices=[{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        usage={
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    )


class _LocalLLM(CustomLLM):
    provider = ""

    async def _reply(self, model: str, messages: list, optional_params: dict) -> tuple[ProviderReply, str]:
        name = model if model.startswith(f"{self.provider}/") else f"{self.provider}/{model}"
        spec = registry.builtin_spec(name) or ModelSpec(
            name=name,
            provider=self.provider,
            capabilities=ALL_CAPABILITIES,
            context_window=8192,
            max_output_tokens=1024,
        )
        response_format = optional_params.get("response_format")
        call = ProviderCall(
            spec=spec,
            messages=messages,
            max_tokens=int(optional_params.get("max_tokens") or spec.max_output_tokens),
            tools=optional_params.get("tools"),
            schema=structured.extract_schema(response_format) if response_format else None,
            temperature=optional_params.get("temperature"),
        )
        return await registry.provider_for(spec).generate(call), name

    async def acompletion(
        self, model: str, messages: list, *args: Any, optional_params: dict | None = None, **kwargs: Any
    ) -> ModelResponse:  # type: ignore[override]
        reply, name = await self._reply(model, messages, optional_params or {})
        return _to_response(reply, name)

    async def astreaming(
        self, model: str, messages: list, *args: Any, optional_params: dict | None = None, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        reply, _name = await self._reply(model, messages, optional_params or {})
        yield GenericStreamingChunk(
            text=reply.content,
            is_finished=True,
            finish_reason=reply.finish_reason,
            usage={
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
            index=0,
            tool_use=None,
        )


def _handler(provider: str) -> _LocalLLM:
    """A litellm handler for one of our registered providers."""
    handler = _LocalLLM()
    handler.provider = provider
    return handler


def register() -> None:
    """Add our in-process providers to ``litellm.custom_provider_map`` once per process."""
    global _REGISTERED
    if _REGISTERED:
        return
    existing = {entry.get("provider") for entry in litellm.custom_provider_map}
    for provider in sorted(registry.local_names()):
        if provider not in existing:
            litellm.custom_provider_map.append({"provider": provider, "custom_handler": _handler(provider)})
    custom_llm_setup()
    _REGISTERED = True
