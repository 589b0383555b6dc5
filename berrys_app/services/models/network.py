"""Network providers (OpenAI, Anthropic, Ollama, vLLM, ...) through ``litellm.acompletion``.

The service has already checked the API key and that network calls are allowed
(``allowed``: never in the test session, except to a server the test started itself); this
module refuses a team entry that could send a key to another host (``team_providers``),
dials a team's own endpoint only at a vetted address, translates the call and litellm's
exceptions into ``ModelError`` reasons.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

import httpx
import litellm

from berrys_app.services.models import team_providers
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import (
    Provider,
    ProviderCall,
    ProviderReply,
    message_text,
    normalise_tool_calls,
)
from berrys_app.services.models.spec import ModelSpec
from berrys_app.services.tools import mcp_hosts, vault
from berrys_app.settings import get_settings

# In the test session: the base URLs (comma-separated) of servers the tests started on loopback.
TEST_BASES_ENV = "BERRYS_TEST_API_BASES"
NO_KEY = "none"  # what an endpoint without a key is sent (OpenAI clients insist on some key)
# ``Settings.model_http_retries``: retries of one provider on 429/5xx/connection errors
# (Retry-After honoured) before the service falls back to the next model; all of them run under
# the call's one timeout
# team endpoints that refused ``response_format: json_schema`` (llama-cpp-python's server, older
# OpenAI-compatible servers): asked for ``json_object`` with the schema instead, per process
_JSON_OBJECT_ONLY: set[str] = set()


def api_base(spec: ModelSpec) -> str | None:
    """Where a call of ``spec`` goes when not the provider's default host."""
    if spec.api_base:
        return spec.api_base
    return os.environ.get(spec.api_base_env) or None if spec.api_base_env else None


def _loopback(url: str) -> bool:
    try:
        host = httpx.URL(url).host
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except (httpx.InvalidURL, ValueError):
        return False


def allowed(spec: ModelSpec) -> bool:
    """Network calls happen outside tests; in the test session only to a loopback server the
    test started and listed in ``BERRYS_TEST_API_BASES`` (never a real provider's host)."""
    if os.environ.get("BERRYS_TESTING") != "1":
        return True
    base = api_base(spec)
    listed = {item.strip().rstrip("/") for item in os.environ.get(TEST_BASES_ENV, "").split(",") if item.strip()}
    return base is not None and base.rstrip("/") in listed and _loopback(base)


async def _vet_endpoint(spec: ModelSpec) -> None:
    """A team's own endpoint is dialled only at a public address, or one the operator lists in
    BERRYS_HTTP_INTERNAL_HOSTS (checked again on every call: the name may point elsewhere now)."""
    url = httpx.URL(spec.api_base or "")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        await mcp_hosts.vetted_address(url.host, port, setting=mcp_hosts.HTTP_TOOL_SETTING)
    except mcp_hosts.HostRefused as exc:
        raise ModelError("provider_error", f"the endpoint of {spec.name} is refused: {exc}", model=spec.name) from exc
    except (OSError, UnicodeError) as exc:
        raise ModelError(
            "provider_error", f"the endpoint of {spec.name} does not resolve: {exc}", model=spec.name
        ) from exc


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


async def generate(call: ProviderCall, provider: Provider) -> ProviderReply:
    """One call of ``provider`` (the registry's object for ``call.spec.provider``) through litellm."""
    spec = call.spec
    refused = team_providers.call_problem(spec, provider)  # a team row stored before the rule: never sent
    if refused is not None:
        raise ModelError("unknown_model", f"the team model {spec.name!r} is refused: {refused}", model=spec.name)
    if not allowed(spec):  # the service checked too; this stays true whoever calls
        raise ModelError(
            "network_disabled", f"{spec.name} is a network provider; refused in the test session", model=spec.name
        )
    if spec.api_base:
        await _vet_endpoint(spec)
    kwargs: dict[str, Any] = {
        "model": spec.name,
        "messages": call.messages,
        "max_tokens": call.max_tokens,
        "max_retries": get_settings().model_http_retries,
    }
    if call.tools:
        kwargs["tools"] = call.tools
    if call.schema is not None:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": call.schema},
        }
    if call.temperature is not None:
        kwargs["temperature"] = call.temperature
    if spec.api_base:  # a team's own endpoint: only ever its own key (or none)
        kwargs["api_base"] = spec.api_base
        kwargs["api_key"] = vault.unseal(spec.api_key_sealed) if spec.api_key_sealed else NO_KEY
    else:
        if spec.api_key_env:
            kwargs["api_key"] = os.environ.get(spec.api_key_env)
        if spec.api_base_env and os.environ.get(spec.api_base_env):
            kwargs["api_base"] = os.environ[spec.api_base_env]
    if call.schema is not None and spec.api_base in _JSON_OBJECT_ONLY:
        kwargs["response_format"] = _json_object(call.schema)
    try:
        try:
            return await _request(call, kwargs)
        except (litellm.BadRequestError, litellm.InternalServerError, litellm.APIError) as exc:  # 400 or 500
            if call.schema is None or not spec.api_base or not _rejects_json_schema(exc, kwargs):
                raise
            _JSON_OBJECT_ONLY.add(spec.api_base)  # remembered: the next calls ask for json_object at once
            kwargs["response_format"] = _json_object(call.schema)
            return await _request(call, kwargs)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(_reason(exc), f"{type(exc).__name__}: {exc}"[:2000], model=spec.name) from exc


def _json_object(schema: dict[str, Any]) -> dict[str, Any]:
    """The older form some OpenAI-compatible servers take (llama-cpp-python constrains to ``schema``)."""
    return {"type": "json_object", "schema": schema}


def _rejects_json_schema(exc: Exception, kwargs: dict[str, Any]) -> bool:
    text = str(exc)
    return kwargs["response_format"]["type"] == "json_schema" and "json_schema" in text and "response_format" in text


async def _request(call: ProviderCall, kwargs: dict[str, Any]) -> ProviderReply:
    """One litellm call (streamed when the caller takes deltas) as a ``ProviderReply``."""
    model = kwargs["model"]
    if call.on_delta is None:
        response = await litellm.acompletion(**kwargs)
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        return ProviderReply(
            content=choice.message.content or "",
            tool_calls=normalise_tool_calls(choice.message.tool_calls, model=model),
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
        tool_calls=normalise_tool_calls(choice.message.tool_calls, model=model),
        prompt_tokens=int(response.usage.prompt_tokens or 0),
        completion_tokens=int(response.usage.completion_tokens or 0),
        finish_reason=choice.finish_reason or "stop",
    )


class LitellmProvider:
    """A network provider (OpenAI, Anthropic, Ollama, vLLM, any OpenAI-compatible server):
    litellm routes ``<provider>/<model>`` itself; one instance per provider name the registry
    lists, and one (``litellm``) for every other name, which only the operator's entries use."""

    local = False
    blocking = False
    for_tests = False

    def __init__(self, name: str, *, key_env: str | None = None, team_endpoint: bool = False) -> None:
        self.name = name
        self.key_env = key_env
        self.team_endpoint = team_endpoint

    def builtin_spec(self, name: str) -> ModelSpec | None:
        return None  # a network model is used only through a catalogue row (prices, key, capabilities)

    async def generate(self, call: ProviderCall) -> ProviderReply:
        return await generate(call, self)

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return count_prompt_tokens(spec.name, messages, tools)

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return count_text_tokens(spec.name, text)

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return False  # litellm's tokenizer (or chars/4 offline) is an estimate of the provider's
