"""Structured output (validation + one repair turn) and live token streaming."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import redis
from sqlmodel import select

from berrys_app.domain.models import ModelCall
from berrys_app.keys import events_channel
from berrys_app.services.models import CompletionRequest, ModelError, complete, scripted
from berrys_app.services.models.structured import minimal_instance
from berrys_app.settings import get_settings
from tests.models.streams import assemble

SCHEMA = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
    "required": ["title", "steps"],
}
VALID = {"title": "Plan", "steps": ["a", "b"]}


def _ask(model: str = "scripted/json", **extra: Any) -> CompletionRequest:
    return CompletionRequest(
        model=model, messages=[{"role": "user", "content": "plan it"}], response_format=SCHEMA, **extra
    )


async def test_valid_structured_output_is_parsed(env):
    scripted.push("json", {"content": json.dumps(VALID)})
    result = await complete(_ask())
    assert result.parsed == VALID


async def test_fenced_json_is_accepted(env):
    scripted.push("json", {"content": "```json\n" + json.dumps(VALID) + "\n```"})
    assert (await complete(_ask())).parsed == VALID


async def test_malformed_json_gets_one_repair_turn_that_quotes_the_error(env, session):
    scripted.push("json", {"error": "malformed_json"}, {"content": json.dumps(VALID)})
    result = await complete(_ask())
    assert result.parsed == VALID
    assert scripted.calls("json") == 2
    repair = scripted.requests("json")[-1]
    assert repair[-2] == {"role": "assistant", "content": scripted.MALFORMED_JSON}
    assert "not valid JSON" in repair[-1]["content"] and '"required"' in repair[-1]["content"]
    rows = session.exec(select(ModelCall).order_by(ModelCall.attempt)).all()
    assert [(r.status, r.error) for r in rows] == [("error", "malformed_output"), ("ok", None)]
    assert result.prompt_tokens == rows[0].prompt_tokens + rows[1].prompt_tokens  # the caller paid for both


async def test_schema_violation_is_repaired_with_the_violation_named(env):
    scripted.push("json", {"content": json.dumps({"title": "x", "steps": []})}, {"content": json.dumps(VALID)})
    assert (await complete(_ask())).parsed == VALID
    assert "schema violation at steps" in scripted.requests("json")[-1][-1]["content"]


async def test_second_invalid_reply_is_malformed_output_after_exactly_one_repair(env, session):
    scripted.push("json", {"error": "malformed_json"}, {"content": '{"title": 3}'}, {"content": json.dumps(VALID)})
    with pytest.raises(ModelError) as info:
        await complete(_ask())
    assert info.value.reason == "malformed_output"
    assert scripted.calls("json") == 2 and scripted.pending("json") == 1
    rows = session.exec(select(ModelCall)).all()
    assert [r.error for r in rows] == ["malformed_output", "malformed_output"]


async def test_echo_answers_a_minimal_schema_valid_object(env):
    result = await complete(_ask(model="scripted/echo"))
    assert result.parsed == {"title": "", "steps": [""]}


def test_minimal_instance_covers_common_schema_shapes():
    schema = {
        "type": "object",
        "required": ["n", "e", "b", "o", "u"],
        "properties": {
            "n": {"type": "integer", "minimum": 3},
            "e": {"enum": ["x", "y"]},
            "b": {"type": "boolean"},
            "o": {"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "minLength": 2}}},
            "u": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
    }
    assert minimal_instance(schema) == {"n": 3, "e": "x", "b": False, "o": {"s": "xx"}, "u": None}


def _collect(pubsub: redis.client.PubSub, *, limit_s: float = 10.0) -> list[dict[str, Any]]:
    """model.token messages until the one marked done (waits on observable state)."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        raw = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if raw is None:
            continue
        message = json.loads(raw["data"])
        if message["kind"] == "model.token":
            messages.append(message)
            if message["payload"]["done"]:
                return messages
    raise AssertionError("the stream never closed")


@pytest.fixture
def token_feed(redis_url: str):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    pubsub = client.pubsub()
    pubsub.subscribe(events_channel())
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    yield pubsub
    pubsub.close()
    client.close()


async def test_streamed_chunks_assemble_to_the_final_content(env, token_feed, monkeypatch, make_project):
    monkeypatch.setenv("BERRYS_STREAM_INTERVAL", "0")
    get_settings.cache_clear()
    project = make_project()
    task = uuid.uuid4()
    text = "The quick brown fox jumps over the lazy dog"
    scripted.push("talker", {"content": text})
    result = await complete(
        CompletionRequest(
            model="scripted/talker",
            messages=[{"role": "user", "content": "talk"}],
            stream=True,
            project_id=project.id,
            task_id=task,
            call_key="k1",
        )
    )
    messages = _collect(token_feed)
    assert result.content == text
    assert assemble(messages) == text
    assert len(messages) == len(text.split()) + 1  # one per word, plus the closing message
    assert all(m["project_id"] == str(project.id) and m["payload"]["task_id"] == str(task) for m in messages)
    assert [m["payload"]["seq"] for m in messages] == list(range(len(messages)))


async def test_streaming_is_throttled(env, token_feed, monkeypatch):
    monkeypatch.setenv("BERRYS_STREAM_INTERVAL", "30")
    get_settings.cache_clear()
    text = " ".join(f"w{i}" for i in range(40))
    scripted.push("burst", {"content": text, "chunk_delay": 0.001})
    result = await complete(
        CompletionRequest(model="scripted/burst", messages=[{"role": "user", "content": "x"}], stream=True)
    )
    messages = _collect(token_feed)
    assert len(messages) == 2  # the first piece at once, the rest held back to the final flush
    assert assemble(messages) == result.content == text


async def test_a_failed_stream_is_closed_with_its_error(env, token_feed):
    scripted.push("broken", {"error": "server_error"})
    with pytest.raises(ModelError):
        await complete(
            CompletionRequest(model="scripted/broken", messages=[{"role": "user", "content": "x"}], stream=True)
        )
    [closing] = _collect(token_feed)
    assert closing["payload"]["done"] is True and closing["payload"]["error"] == "provider_error"
