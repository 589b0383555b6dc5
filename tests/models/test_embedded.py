"""The real embedded model (SmolLM2-135M, offline) through the layer. Marked slow: it generates for real."""

from __future__ import annotations

import json
import time

import jsonschema
import pytest

from berrys_app.domain.event_kinds import EventKind
from berrys_app.keys import events_channel
from berrys_app.redis_client import sync_redis
from berrys_app.services.models import CompletionRequest, ModelError, complete, embedded
from tests.models.streams import assemble

pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}


async def test_embedded_model_returns_a_schema_valid_object_offline(env, session):
    result = await complete(
        CompletionRequest(
            model="embedded/smollm2",
            messages=[{"role": "user", "content": "Give the largest city of France and its population as JSON."}],
            response_format=SCHEMA,
            max_tokens=64,
        )
    )
    jsonschema.validate(result.parsed, SCHEMA)
    assert result.model == "embedded/smollm2" and result.cost_usd == 0
    assert result.prompt_tokens > 0 and result.completion_tokens > 0


def _token_messages(pubsub, *, until_done: bool = True) -> list[dict]:
    """The ``model.token`` messages received so far (waits, bounded, for the closing one)."""
    found: list[dict] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        raw = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if raw is None:
            if not until_done or (found and found[-1]["payload"]["done"]):
                break
            continue
        message = json.loads(raw["data"])
        if message["kind"] == EventKind.MODEL_TOKEN:
            found.append(message)
    return found


async def test_embedded_model_is_the_default_and_streams_text(env):
    pubsub = sync_redis().pubsub()
    pubsub.subscribe(events_channel())
    try:
        result = await complete(
            CompletionRequest(messages=[{"role": "user", "content": "Say hello."}], max_tokens=12, stream=True)
        )
        tokens = _token_messages(pubsub)
    finally:
        pubsub.close()
    assert result.model == "embedded/smollm2"
    assert result.content.strip() and 0 < result.completion_tokens <= 13
    assert tokens and all(t["payload"]["model"] == "embedded/smollm2" for t in tokens)
    assert tokens[-1]["payload"]["done"] and "error" not in tokens[-1]["payload"]
    assert assemble(tokens) == result.content  # the live stream is the answer, piece by piece


async def test_embedded_model_calls_the_tool_it_is_asked_to_use(env):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        }
    ]
    result = await complete(
        CompletionRequest(
            model="embedded/smollm2",
            messages=[{"role": "user", "content": "What is the weather in Paris? Use the tool."}],
            tools=tools,
            max_tokens=48,
            temperature=0,  # greedy: the same answer every run
        )
    )
    [call] = result.tool_calls
    assert call["name"] == "get_weather" and "paris" in str(call["arguments"].get("city", "")).lower()


async def test_embedded_generation_is_stopped_by_the_timeout(env):
    model = embedded.load("embedded/smollm2")
    stopped = model.stopped
    with pytest.raises(ModelError) as info:
        await complete(
            CompletionRequest(
                model="embedded/smollm2",
                messages=[{"role": "user", "content": "Write a very long story about a dragon."}],
                max_tokens=2000,
                timeout_s=0.5,
            )
        )
    assert info.value.reason == "timeout"
    # complete() returns only after the generation thread let go: it was stopped, not run to 2000 tokens
    assert model.stopped == stopped + 1 and not model.thread_lock.locked()
    result = await complete(
        CompletionRequest(model="embedded/smollm2", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    )
    assert result.completion_tokens <= 5


async def test_embedded_tool_calling_generation_is_stopped_by_the_timeout(env):
    model = embedded.load("embedded/smollm2")
    stopped = model.stopped
    tools = [
        {
            "type": "function",
            "function": {
                "name": "write_story",
                "description": "Store a story",
                "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
            },
        }
    ]
    with pytest.raises(ModelError) as info:
        await complete(
            CompletionRequest(
                model="embedded/smollm2",
                messages=[{"role": "user", "content": "Write a very long story about a dragon and store it."}],
                tools=tools,
                max_tokens=2000,
                timeout_s=0.1,
            )
        )
    assert info.value.reason == "timeout"
    assert model.stopped == stopped + 1 and not model.thread_lock.locked()
