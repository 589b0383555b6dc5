"""The network provider path end to end: ``complete()`` -> litellm -> HTTP -> a real
OpenAI-compatible server (llama_cpp.server with the embedded GGUF), through the fault proxy.

Each test connects a team model to the proxy as a team admin would (its key sealed in the vault);
the proxy's per-prompt counter says how many requests reached the provider.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import pytest
import redis
from sqlmodel import select

from berrys_app.domain.models import ModelCall, ModelEntry
from berrys_app.domain.projects import Project
from berrys_app.keys import events_channel
from berrys_app.services.errors import BudgetExceeded
from berrys_app.services.models import CompletionRequest, ModelError, complete
from berrys_app.services.models.budgets import spent
from berrys_app.settings import get_settings
from tests.models.streams import assemble
from tests.models.test_structured_streaming import _collect
from tests.providers.fault_proxy import CutStream, Malformed, Scripted, Stall, Status
from tests.providers.team_endpoint import allow_test_server, connect, make_team_admin

MODEL = "openai/smollm2-135m"
BACKUP = "openai/backup-llm"
SCHEMA = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "steps": {"type": "array", "items": {"type": "string"}}},
    "required": ["title", "steps"],
}


@pytest.fixture
def team_model(session, provider_proxy, monkeypatch):
    """A team model (and a backup it may fall back to) at the fault proxy, with a sealed key."""
    allow_test_server(monkeypatch, provider_proxy.base_url)
    admin = make_team_admin(session)
    connect(session, admin, BACKUP, provider_proxy.base_url, api_key="sk-backup-key")
    return connect(
        session,
        admin,
        MODEL,
        provider_proxy.base_url,
        api_key="sk-team-key-123",
        capabilities=["chat", "tools", "json"],
        fallbacks=[BACKUP],
        input_price=0.000001,
        output_price=0.000002,
        context_window=2048,
        max_output_tokens=64,
    )


@pytest.fixture
def live_tokens(redis_url: str):
    """The events channel the dashboard listens on (model.token messages)."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    pubsub = client.pubsub()
    pubsub.subscribe(events_channel())
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    yield pubsub
    pubsub.close()
    client.close()


def _ask(team_model: ModelEntry, prompt: str, *, model: str = MODEL, **extra) -> CompletionRequest:
    """A call in the team's name (its project's, or ``team_id`` when there is none): team models
    resolve only for their own team."""
    extra.setdefault("max_tokens", 12)
    if "project_id" not in extra:
        extra["team_id"] = team_model.team_id
    return CompletionRequest(model=model, messages=[{"role": "user", "content": prompt}], **extra)


def _project(session, team_model: ModelEntry, **fields) -> Project:
    """A project of the team that owns the model."""
    project = Project(name="p", team_id=team_model.team_id, **fields)
    session.add(project)
    session.commit()
    return project


def _rows(session) -> list[ModelCall]:
    session.expire_all()
    return list(session.exec(select(ModelCall).order_by(ModelCall.created_at, ModelCall.attempt)))


async def test_completion_from_the_real_server_is_recorded_with_its_reported_usage(
    env, session, team_model, provider_proxy
):
    result = await complete(_ask(team_model, "Name one fruit."))
    assert result.content.strip() and result.model == MODEL and not result.fallback_used
    assert provider_proxy.count("Name one fruit.") == 1
    assert provider_proxy.requests[0]["model"] == "smollm2-135m" and provider_proxy.requests[0]["max_tokens"] == 12
    [row] = _rows(session)
    assert (row.status, row.prompt_tokens, row.completion_tokens) == (
        "ok",
        result.prompt_tokens,
        result.completion_tokens,
    )
    assert 0 < row.completion_tokens <= 12 and row.prompt_tokens > 5


async def test_the_sealed_team_key_is_the_bearer_sent(env, session, team_model, provider_proxy):
    await complete(_ask(team_model, "Say yes.", max_tokens=2))
    assert provider_proxy.headers[-1]["Authorization"] == "Bearer sk-team-key-123"
    assert team_model.api_key_sealed and "sk-team-key-123" not in team_model.api_key_sealed


async def test_streamed_deltas_of_the_real_server_reach_the_token_stream(
    env,
    session,
    team_model,
    provider_proxy,
    live_tokens,
    monkeypatch,
):
    monkeypatch.setenv("BERRYS_STREAM_INTERVAL", "0")
    get_settings.cache_clear()
    project = _project(session, team_model)
    task = uuid.uuid4()
    result = await complete(
        _ask(team_model, "Tell me about berries.", stream=True, project_id=project.id, task_id=task)
    )
    messages = _collect(live_tokens)
    assert provider_proxy.requests[-1]["stream"] is True
    assert len(messages) >= 3  # several deltas, then the closing message
    assert assemble(messages) == result.content and result.content.strip()
    assert all(m["payload"]["task_id"] == str(task) and m["payload"]["model"] == MODEL for m in messages)
    assert messages[-1]["payload"]["done"] is True and messages[-1]["payload"]["tokens"] > 0


async def test_tool_calls_come_back_parsed(env, team_model, provider_proxy):
    provider_proxy.inject("Find berries", Scripted(tool_calls=[{"name": "search", "arguments": {"q": "berries"}}]))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "search",
                "description": "web search",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
            },
        }
    ]
    result = await complete(_ask(team_model, "Find berries", tools=tools))
    assert result.finish_reason == "tool_calls"
    assert [(c["name"], c["arguments"]) for c in result.tool_calls] == [("search", {"q": "berries"})]
    assert provider_proxy.requests[-1]["tools"][0]["function"]["name"] == "search"


async def test_streamed_tool_calls_are_assembled(env, team_model, provider_proxy):
    provider_proxy.inject("Stream a call", Scripted(tool_calls=[{"name": "search", "arguments": {"q": "x y"}}]))
    tools = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}]
    result = await complete(_ask(team_model, "Stream a call", tools=tools, stream=True))
    assert [(c["name"], c["arguments"]) for c in result.tool_calls] == [("search", {"q": "x y"})]


async def test_json_schema_output_is_sent_as_response_format_and_repaired_once(
    env, session, team_model, provider_proxy
):
    valid = {"title": "Plan", "steps": ["pick", "wash"]}
    provider_proxy.inject("Plan it", Scripted(content="Sure! Here is a plan: pick and wash."))
    provider_proxy.inject("", Scripted(content=json.dumps(valid)))  # the repair turn (its own last message)
    result = await complete(_ask(team_model, "Plan it", response_format=SCHEMA))
    assert result.parsed == valid
    assert provider_proxy.count("Plan it") == 1 and provider_proxy.count() == 2
    first, repair = provider_proxy.requests[-2:]
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["schema"]["required"] == ["title", "steps"]
    assert repair["messages"][-2]["content"] == "Sure! Here is a plan: pick and wash."
    assert [(r.status, r.error) for r in _rows(session)] == [("error", "malformed_output"), ("ok", None)]


async def test_a_stalled_provider_times_out_and_falls_back(env, session, team_model, provider_proxy):
    provider_proxy.inject("Slow one", Stall(30), model="smollm2-135m", times=None)
    provider_proxy.inject("Slow one", Scripted(content="in time"), model="backup-llm")
    started = time.monotonic()
    result = await complete(_ask(team_model, "Slow one", timeout_s=1.5, max_tokens=4))
    assert time.monotonic() - started < 10
    assert (result.model, result.content, result.fallback_used) == (BACKUP, "in time", True)
    assert [(r.model, r.error) for r in _rows(session)] == [(MODEL, "timeout"), (BACKUP, None)]


async def test_a_stall_without_fallback_is_a_timeout(env, session, team_model, provider_proxy):
    provider_proxy.inject("Slow two", Stall(30), times=None)
    started = time.monotonic()
    with pytest.raises(ModelError) as info:
        await complete(_ask(team_model, "Slow two", timeout_s=1.0, max_tokens=4))
    assert time.monotonic() - started < 8
    assert info.value.reason == "timeout"


async def test_429_is_retried_after_its_retry_after(env, session, team_model, provider_proxy):
    provider_proxy.inject("Busy", Status(429, retry_after=1))
    started = time.monotonic()
    result = await complete(_ask(team_model, "Busy", max_tokens=4))
    assert time.monotonic() - started >= 1.0  # waited as the provider asked
    assert provider_proxy.count("Busy") == 2 and result.model == MODEL and not result.fallback_used
    assert [r.status for r in _rows(session)] == ["ok"]


async def test_500_is_retried(env, team_model, provider_proxy):
    provider_proxy.inject("Flaky", Status(500))
    result = await complete(_ask(team_model, "Flaky", max_tokens=4))
    assert provider_proxy.count("Flaky") == 2 and result.model == MODEL


async def test_persistent_429_is_rate_limited_after_the_retries_then_falls_back(
    env, session, team_model, provider_proxy
):
    provider_proxy.inject("Always busy", Status(429, retry_after=0.1), model="smollm2-135m", times=None)
    result = await complete(_ask(team_model, "Always busy", max_tokens=4))
    assert provider_proxy.count("Always busy") == 3 + 1  # 1 + 2 retries at the first model, 1 at the backup
    assert result.model == BACKUP
    assert [(r.model, r.error) for r in _rows(session)] == [(MODEL, "rate_limited"), (BACKUP, None)]


async def test_persistent_500_falls_back_to_the_second_provider(env, session, team_model, provider_proxy):
    provider_proxy.inject("Down", Status(500), model="smollm2-135m", times=None)
    provider_proxy.inject("Down", Scripted(content="from the backup"), model="backup-llm")
    result = await complete(_ask(team_model, "Down"))
    assert (result.content, result.model, result.fallback_used) == ("from the backup", BACKUP, True)
    rows = _rows(session)
    assert [(r.model, r.status, r.error, r.fallback_used) for r in rows] == [
        (MODEL, "error", "provider_error", False),
        (BACKUP, "ok", None, True),
    ]


async def test_malformed_json_from_the_provider_is_a_provider_error(env, session, team_model, provider_proxy):
    provider_proxy.inject("Garbled", Malformed(), times=None)
    with pytest.raises(ModelError) as info:
        await complete(_ask(team_model, "Garbled", model=BACKUP))
    assert info.value.reason == "provider_error"
    assert [(r.status, r.error) for r in _rows(session)] == [("error", "provider_error")]


async def test_a_stream_cut_midway_closes_the_stream_with_an_error_and_falls_back(
    env,
    team_model,
    provider_proxy,
    live_tokens,
    monkeypatch,
):
    monkeypatch.setenv("BERRYS_STREAM_INTERVAL", "0")
    get_settings.cache_clear()
    provider_proxy.inject("Cut me", CutStream(after=2), model="smollm2-135m", times=None)
    provider_proxy.inject("Cut me", Scripted(content="whole answer here"), model="backup-llm")
    result = await complete(_ask(team_model, "Cut me", stream=True))
    assert result.model == BACKUP and result.content == "whole answer here"
    first = _collect(live_tokens)
    assert first[-1]["payload"]["error"] == "provider_error"
    second = _collect(live_tokens)
    assert second[0]["payload"].get("reset") is True and assemble(second) == "whole answer here"


async def test_accounting_and_budgets_use_the_usage_the_provider_reports(env, session, team_model, provider_proxy):
    project = _project(session, team_model, budget_usd=Decimal("1"))
    provider_proxy.inject("Count me", Scripted(content="ok", prompt_tokens=1234, completion_tokens=56))
    result = await complete(_ask(team_model, "Count me", project_id=project.id))
    assert (result.prompt_tokens, result.completion_tokens) == (1234, 56)
    [row] = _rows(session)
    assert (row.prompt_tokens, row.completion_tokens) == (1234, 56)
    assert row.cost_usd == Decimal("0.000001") * 1234 + Decimal("0.000002") * 56
    assert spent(session, project_id=project.id) == (row.cost_usd, 1234 + 56)


async def test_a_budget_that_cannot_cover_the_worst_case_never_reaches_the_provider(
    env, session, team_model, provider_proxy
):
    project = _project(session, team_model, budget_tokens=5)
    with pytest.raises(BudgetExceeded):
        await complete(_ask(team_model, "Too dear", project_id=project.id))
    assert provider_proxy.count("Too dear") == 0


async def test_a_network_model_not_started_by_the_test_is_refused(
    env, session, team_model, provider_proxy, monkeypatch
):
    monkeypatch.setenv("BERRYS_TEST_API_BASES", "http://127.0.0.1:1/v1")  # some other server
    with pytest.raises(ModelError) as info:
        await complete(_ask(team_model, "Anyone there?", model=BACKUP))
    assert info.value.reason == "network_disabled"
    assert provider_proxy.count() == 0


async def test_a_server_without_json_schema_support_gets_json_object_with_the_schema(
    env, session, team_model, provider_proxy
):
    """llama-cpp-python's server refuses ``json_schema``; the schema goes as ``json_object`` then
    (grammar-constrained there), and the endpoint is remembered so later calls ask that at once."""
    schema = {"type": "object", "properties": {"fruit": {"type": "string"}}, "required": ["fruit"]}
    result = await complete(_ask(team_model, "Name a fruit as JSON.", response_format=schema, max_tokens=40))
    assert isinstance(result.parsed, dict) and isinstance(result.parsed["fruit"], str)
    kinds = [body["response_format"]["type"] for body in provider_proxy.requests]
    assert kinds[-1] == "json_object" and provider_proxy.requests[-1]["response_format"]["schema"] == schema
    assert set(kinds[:-1]) == {"json_schema"}
    before = len(provider_proxy.requests)
    again = await complete(_ask(team_model, "Name a berry as JSON.", response_format=schema, max_tokens=40))
    assert isinstance(again.parsed, dict)
    assert [b["response_format"]["type"] for b in provider_proxy.requests[before:]] == ["json_object"]
