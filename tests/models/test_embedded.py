"""The real embedded model (SmolLM2-135M, offline) through the layer. Marked slow: it generates for real."""

from __future__ import annotations

import jsonschema
import pytest

from berrys_app.services.models import CompletionRequest, ModelError, complete

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


async def test_embedded_model_is_the_default_and_streams_text(env):
    result = await complete(
        CompletionRequest(messages=[{"role": "user", "content": "Say hello."}], max_tokens=12, stream=True)
    )
    assert result.model == "embedded/smollm2"
    assert result.content.strip() and 0 < result.completion_tokens <= 13


async def test_embedded_model_can_call_a_tool(env):
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
        )
    )
    assert result.content or result.tool_calls
    for call in result.tool_calls:
        assert call["name"] == "get_weather" and isinstance(call["arguments"], dict)


async def test_embedded_generation_is_stopped_by_the_timeout(env):
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
    # the lock is free again: the next call runs at once instead of waiting for 2000 tokens
    result = await complete(
        CompletionRequest(model="embedded/smollm2", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    )
    assert result.completion_tokens <= 5
