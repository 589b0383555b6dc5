"""The scripted test model: plays back queued replies, tool calls, delays and errors.

Scripts live in Redis so every process (test, web, workers) shares them:
``push("planner", {"content": "..."})`` queues a step for model ``scripted/planner``;
``rule("coder", contains="task A", step={...})`` answers any call whose messages contain
the text (checked before the FIFO queue; for parallel tasks). ``scripted/echo`` needs no
script and answers at once; ``scripted/echo-200ms`` answers the same after 200 ms (a model
with latency and nothing else: no script lookup, no request log -- bench/engine.py).

Tokens are counted as whitespace-separated words, so tests can compute costs exactly.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from typing import Any

from berrys_app.keys import SCRIPTED_PREFIX
from berrys_app.redis_client import async_client, sync_redis
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply, message_text
from berrys_app.services.models.spec import ALL_CAPABILITIES, ModelSpec
from berrys_app.services.models.structured import minimal_instance

ERRORS = {
    "timeout": ("timeout", "the provider did not answer in time (scripted)"),
    "rate_limit": ("rate_limited", "the provider answered 429 Too Many Requests (scripted)"),
    "server_error": ("provider_error", "the provider answered 500 Internal Server Error (scripted)"),
    "auth": ("missing_api_key", "the provider rejected the API key (scripted)"),
}
# extra_prompt_tokens: the reply reports that many more prompt tokens than the scripted tokenizer
# counted (what a network provider whose count was only estimated does)
STEP_KEYS = {"content", "tool_calls", "error", "delay", "chunk_delay", "extra_prompt_tokens"}
MALFORMED_JSON = '{"result": "unterminated'
_WORD = re.compile(r"\S+\s*|\s+")
_ECHO_AFTER = re.compile(r"echo-(\d+)ms")
REQUEST_LOG_SIZE = 50


def _name(model: str) -> str:
    return model.split("/", 1)[1] if model.startswith("scripted/") else model


def _queue_key(name: str) -> str:
    return f"{SCRIPTED_PREFIX}{_name(name)}:queue"


def _rules_key(name: str) -> str:
    return f"{SCRIPTED_PREFIX}{_name(name)}:rules"


def _calls_key(name: str) -> str:
    return f"{SCRIPTED_PREFIX}{_name(name)}:calls"


def _requests_key(name: str) -> str:
    return f"{SCRIPTED_PREFIX}{_name(name)}:requests"


def _validate_step(step: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise ValidationFailed("a scripted step is a dict")
    unknown = set(step) - STEP_KEYS
    if unknown:
        raise ValidationFailed(f"unknown scripted step keys: {sorted(unknown)}")
    kinds = [key for key in ("content", "tool_calls", "error") if key in step]
    if len(kinds) != 1:
        raise ValidationFailed("a scripted step has exactly one of content, tool_calls, error")
    if "error" in step and step["error"] not in {*ERRORS, "malformed_json"}:
        raise ValidationFailed(f"unknown scripted error {step['error']!r}")
    if "tool_calls" in step:
        for call in step["tool_calls"]:
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise ValidationFailed("a scripted tool call is {'name': str, 'arguments': dict}")
            if not isinstance(call.get("arguments", {}), dict):
                raise ValidationFailed("scripted tool call arguments must be a dict")
    extra = step.get("extra_prompt_tokens", 0)
    if not isinstance(extra, int) or isinstance(extra, bool) or extra < 0:
        raise ValidationFailed("extra_prompt_tokens must be an int >= 0")
    for key in ("delay", "chunk_delay"):
        if key in step and (not isinstance(step[key], int | float) or step[key] < 0):
            raise ValidationFailed(f"{key} must be a number of seconds >= 0")
    return step


def push(name: str, *steps: dict[str, Any]) -> None:
    """Queue steps (FIFO) for model ``scripted/<name>``."""
    if not steps:
        return
    payloads = [json.dumps(_validate_step(step)) for step in steps]
    sync_redis().rpush(_queue_key(name), *payloads)


def rule(name: str, *, contains: str, step: dict[str, Any]) -> None:
    """Answer every call to ``scripted/<name>`` whose messages contain ``contains`` with ``step``."""
    if not contains:
        raise ValidationFailed("a scripted rule needs a non-empty 'contains' text")
    sync_redis().rpush(_rules_key(name), json.dumps({"contains": contains, "step": _validate_step(step)}))


def reset(name: str) -> None:
    """Forget the queue, rules, counters and request log of one scripted model."""
    sync_redis().delete(_queue_key(name), _rules_key(name), _calls_key(name), _requests_key(name))


def pending(name: str) -> int:
    """How many queued steps are left."""
    return int(sync_redis().llen(_queue_key(name)))


def calls(name: str) -> int:
    """How many times the provider was called (replayed calls do not count)."""
    return int(sync_redis().get(_calls_key(name)) or 0)


def requests(name: str) -> list[list[dict[str, Any]]]:
    """The messages of the most recent calls, oldest first (last ``REQUEST_LOG_SIZE``)."""
    return [json.loads(raw) for raw in reversed(sync_redis().lrange(_requests_key(name), 0, -1))]


@functools.lru_cache(maxsize=64)
def count_tokens(text: str) -> int:
    """The scripted tokenizer: whitespace-separated words. Memoised: a call's prompt is counted by
    the model layer (context fitting, budgets) and again for the provider's usage report, and an
    agent's prompt carries its inputs (W's later levels: ~24 KB, 40 us a count, 6 counts a call)."""
    return len(text.split())


def count_prompt_tokens(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    total = sum(count_tokens(message_text(message)) for message in messages)
    if tools:
        total += count_tokens(json.dumps(tools))
    return total


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def _echo(call: ProviderCall) -> ProviderReply:
    if call.schema is not None:
        content = json.dumps(minimal_instance(call.schema))
        completion_tokens = count_tokens(content)
    else:
        echoed = _last_user_text(call.messages)
        content = f"echo: {echoed}"
        completion_tokens = 1 + count_tokens(echoed)  # "echo:" and the words of a text counted already
    reply = ProviderReply(
        content=content,
        prompt_tokens=count_prompt_tokens(call.messages, call.tools),
        completion_tokens=completion_tokens,
    )
    if call.on_delta is not None:
        call.on_delta(content)
    return reply


async def _next_step(name: str, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The step for this call. On the job's asyncio client (``redis_client.async_client``): a
    worker runs many calls at once, and a blocking round trip per call would hold all of them up
    (a real provider call does not block the loop either)."""
    async with async_client() as client:
        pipe = client.pipeline(transaction=False)
        pipe.incr(_calls_key(name))
        pipe.lpush(_requests_key(name), json.dumps(messages, default=str))
        pipe.ltrim(_requests_key(name), 0, REQUEST_LOG_SIZE - 1)
        pipe.lrange(_rules_key(name), 0, -1)
        rules = (await pipe.execute())[-1]
        if rules:
            text = "\n".join(message_text(message) for message in messages)
            for raw in rules:
                entry = json.loads(raw)
                if entry["contains"] in text:
                    return entry["step"]
        raw = await client.lpop(_queue_key(name))
    return json.loads(raw) if raw else None


async def _stream(call: ProviderCall, content: str, chunk_delay: float) -> None:
    assert call.on_delta is not None
    for piece in _WORD.findall(content):
        call.on_delta(piece)
        if chunk_delay:
            await asyncio.sleep(chunk_delay)


async def generate(call: ProviderCall) -> ProviderReply:
    """Play the next step for this scripted model."""
    name = _name(call.spec.name)
    if name == "echo":
        return _echo(call)
    if delayed := _ECHO_AFTER.fullmatch(name):
        await asyncio.sleep(int(delayed[1]) / 1000)
        return _echo(call)
    step = await _next_step(name, call.messages)
    if step is None:
        raise ModelError(
            "provider_error",
            f"no scripted reply queued for scripted/{name} (use scripted.push or scripted.rule)",
            model=call.spec.name,
        )
    if step.get("delay"):
        await asyncio.sleep(float(step["delay"]))
    prompt_tokens = count_prompt_tokens(call.messages, call.tools) + int(step.get("extra_prompt_tokens", 0))
    error = step.get("error")
    if error in ERRORS:
        reason, message = ERRORS[error]
        raise ModelError(reason, message, model=call.spec.name)
    if "tool_calls" in step:
        tool_calls = [
            {"id": f"call_{index}", "name": item["name"], "arguments": item.get("arguments", {})}
            for index, item in enumerate(step["tool_calls"])
        ]
        return ProviderReply(
            tool_calls=tool_calls,
            prompt_tokens=prompt_tokens,
            completion_tokens=count_tokens(json.dumps(step["tool_calls"])),
            finish_reason="tool_calls",
        )
    content = MALFORMED_JSON if error == "malformed_json" else str(step["content"])
    finish_reason = "stop"
    words = _WORD.findall(content)
    if sum(1 for word in words if word.strip()) > call.max_tokens:  # honour max_tokens like a real provider
        kept: list[str] = []
        for word in words:
            if word.strip() and sum(1 for w in kept if w.strip()) == call.max_tokens:
                break
            kept.append(word)
        content, finish_reason = "".join(kept).rstrip(), "length"
    if call.on_delta is not None:
        await _stream(call, content, float(step.get("chunk_delay", 0)))
    return ProviderReply(
        content=content,
        prompt_tokens=prompt_tokens,
        completion_tokens=count_tokens(content),
        finish_reason=finish_reason,
    )


class ScriptedProvider:
    """``scripted/<name>``: plays back queued replies (the deterministic test model)."""

    name = "scripted"
    local = True
    blocking = False
    for_tests = True
    key_env: str | None = None
    team_endpoint = False

    def builtin_spec(self, name: str) -> ModelSpec | None:
        """Every ``scripted/<name>`` exists: a test names the script it plays."""
        rest = name.partition("/")[2]
        if not rest:
            return None
        return ModelSpec(
            name=name,
            provider=self.name,
            capabilities=ALL_CAPABILITIES,
            context_window=8192,
            max_output_tokens=1024,
            display_name=f"Scripted test model '{rest}'",
        )

    async def generate(self, call: ProviderCall) -> ProviderReply:
        return await generate(call)

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return count_prompt_tokens(messages, tools)

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return count_tokens(text)

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return True


PROVIDER = ScriptedProvider()
