"""complete() with the scripted model: replies, replay, fallback, timeouts, circuit breaker, errors."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelCall, ModelEntry
from berrys_app.services.models import CompletionRequest, ModelError, complete, scripted, selection
from berrys_app.settings import get_settings


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _rows(session: Session) -> list[ModelCall]:
    session.expire_all()
    return list(session.exec(select(ModelCall).order_by(col(ModelCall.created_at), col(ModelCall.attempt))))


async def test_echo_replies_with_last_user_message_and_records_the_call(env, session):
    result = await complete(CompletionRequest(model="scripted/echo", messages=_user("hello there world")))
    assert result.content == "echo: hello there world"
    assert (result.prompt_tokens, result.completion_tokens) == (3, 4)
    assert result.replayed is False and result.fallback_used is False
    [row] = _rows(session)
    assert (row.model, row.status, row.prompt_tokens, row.completion_tokens) == ("scripted/echo", "ok", 3, 4)
    assert row.content == "echo: hello there world" and row.id == result.call_id


async def test_echo_with_a_latency_answers_as_echo_after_that_many_milliseconds(env, session):
    started = time.perf_counter()
    result = await complete(CompletionRequest(model="scripted/echo-150ms", messages=_user("hello there")))
    assert time.perf_counter() - started >= 0.15
    assert result.content == "echo: hello there"
    assert scripted.requests("echo-150ms") == []  # latency only: no script lookup, no request log
    [row] = _rows(session)
    assert (row.model, row.status) == ("scripted/echo-150ms", "ok") and row.latency_ms >= 150


async def test_queued_steps_play_in_fifo_order_and_tool_calls_are_normalised(env):
    scripted.push("fifo", {"content": "first"}, {"tool_calls": [{"name": "search", "arguments": {"q": "x"}}]})
    first = await complete(CompletionRequest(model="scripted/fifo", messages=_user("a")))
    second = await complete(CompletionRequest(model="scripted/fifo", messages=_user("b")))
    assert first.content == "first"
    assert second.tool_calls == [{"id": "call_0", "name": "search", "arguments": {"q": "x"}}]
    assert second.finish_reason == "tool_calls"
    assert scripted.pending("fifo") == 0


async def test_rules_answer_by_message_content_before_the_queue(env):
    scripted.push("par", {"content": "from queue"})
    scripted.rule("par", contains="task B", step={"content": "answer for B"})
    b = await complete(CompletionRequest(model="scripted/par", messages=_user("please do task B")))
    b_again = await complete(CompletionRequest(model="scripted/par", messages=_user("task B once more")))
    other = await complete(CompletionRequest(model="scripted/par", messages=_user("task A")))
    assert (b.content, b_again.content, other.content) == ("answer for B", "answer for B", "from queue")


async def test_call_key_replay_returns_recorded_result_without_a_second_provider_call(env, session):
    scripted.push("once", {"content": "the only answer"})
    request = CompletionRequest(model="scripted/once", messages=_user("q"), call_key="task:1:model:0")
    first = await complete(request)
    second = await complete(request)
    assert first.replayed is False and second.replayed is True
    assert second.content == "the only answer" and second.call_id == first.call_id
    assert scripted.calls("once") == 1  # the provider was called exactly once
    assert len(_rows(session)) == 1


async def test_fallback_follows_the_catalogue_order(env, session, add_model):
    add_model("scripted/c")
    add_model("scripted/b")
    add_model("scripted/a", fallbacks=["scripted/b", "scripted/c"])
    scripted.push("a", {"error": "server_error"})
    scripted.push("b", {"error": "rate_limit"})
    scripted.push("c", {"content": "from c"})
    result = await complete(CompletionRequest(model="scripted/a", messages=_user("go")))
    assert (result.content, result.model, result.fallback_used) == ("from c", "scripted/c", True)
    rows = _rows(session)
    assert [(r.model, r.status, r.error, r.attempt) for r in rows] == [
        ("scripted/a", "error", "provider_error", 1),
        ("scripted/b", "error", "rate_limited", 2),
        ("scripted/c", "ok", None, 3),
    ]


async def test_all_models_failing_raises_the_last_reason(env, add_model):
    add_model("scripted/y")
    add_model("scripted/x", fallbacks=["scripted/y"])
    scripted.push("x", {"error": "server_error"})
    scripted.push("y", {"error": "timeout"})
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/x", messages=_user("go")))
    assert info.value.reason == "timeout"


async def test_timeout_is_enforced_by_the_layer(env, session, add_model):
    add_model("scripted/slow", timeout_s=0.2)
    scripted.push("slow", {"content": "too late", "delay": 30})
    started = time.perf_counter()
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/slow", messages=_user("go")))
    assert info.value.reason == "timeout"
    assert time.perf_counter() - started < 5  # not the 30 s the provider would take
    [row] = _rows(session)
    assert (row.status, row.error) == ("error", "timeout") and 150 < row.latency_ms < 5000


async def test_request_timeout_overrides_the_model_timeout(env):
    scripted.push("slow2", {"content": "late", "delay": 30})
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/slow2", messages=_user("go"), timeout_s=0.1))
    assert info.value.reason == "timeout"


async def _wait_for_state(model: str, state: str, *, limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while selection.circuit_states([model])[model].state != state:
        assert time.monotonic() < deadline, f"circuit of {model} never became {state}"
        await asyncio.sleep(0.02)


async def test_circuit_breaker_opens_skips_then_half_opens_and_closes(env, session, add_model, monkeypatch):
    monkeypatch.setenv("BERRYS_CIRCUIT_FAILURES", "2")
    monkeypatch.setenv("BERRYS_CIRCUIT_COOLDOWN", "0.3")
    get_settings.cache_clear()
    add_model("scripted/backup")
    add_model("scripted/flaky", fallbacks=["scripted/backup"])
    scripted.push("flaky", {"error": "server_error"}, {"error": "server_error"})
    scripted.rule("backup", contains="go", step={"content": "backup answer"})
    request = CompletionRequest(model="scripted/flaky", messages=_user("go"))

    for _ in range(2):
        assert (await complete(request)).content == "backup answer"
    assert selection.circuit_states(["scripted/flaky"])["scripted/flaky"].state == "open"

    calls_before = scripted.calls("flaky")
    skipped = await complete(request)
    assert skipped.model == "scripted/backup"
    assert scripted.calls("flaky") == calls_before  # an open circuit costs no provider call
    assert _rows(session)[-2].error == "circuit_open"

    await _wait_for_state("scripted/flaky", "half_open")
    scripted.push("flaky", {"content": "recovered"})
    trial = await complete(request)
    assert (trial.model, trial.content) == ("scripted/flaky", "recovered")
    assert selection.circuit_states(["scripted/flaky"])["scripted/flaky"].state == "closed"


async def test_failed_half_open_trial_reopens_the_circuit(env, add_model, monkeypatch):
    monkeypatch.setenv("BERRYS_CIRCUIT_FAILURES", "1")
    monkeypatch.setenv("BERRYS_CIRCUIT_COOLDOWN", "0.2")
    get_settings.cache_clear()
    add_model("scripted/spare")
    add_model("scripted/dead", fallbacks=["scripted/spare"])
    scripted.rule("spare", contains="go", step={"content": "spare"})
    scripted.push("dead", {"error": "server_error"}, {"error": "server_error"})
    request = CompletionRequest(model="scripted/dead", messages=_user("go"))
    await complete(request)
    assert selection.circuit_states(["scripted/dead"])["scripted/dead"].state == "open"
    await _wait_for_state("scripted/dead", "half_open")
    assert (await complete(request)).model == "scripted/spare"
    assert scripted.calls("dead") == 2  # the trial call happened
    assert selection.circuit_states(["scripted/dead"])["scripted/dead"].state == "open"


async def test_only_one_caller_gets_the_half_open_trial(env, add_model, monkeypatch):
    monkeypatch.setenv("BERRYS_CIRCUIT_FAILURES", "1")
    monkeypatch.setenv("BERRYS_CIRCUIT_COOLDOWN", "0.2")
    get_settings.cache_clear()
    add_model("scripted/alt")
    add_model("scripted/probe", fallbacks=["scripted/alt"])
    scripted.rule("alt", contains="go", step={"content": "alt", "delay": 0.05})
    scripted.push("probe", {"error": "server_error"})
    await complete(CompletionRequest(model="scripted/probe", messages=_user("go")))
    await _wait_for_state("scripted/probe", "half_open")
    scripted.rule("probe", contains="go", step={"content": "probe", "delay": 1.5})
    results = await asyncio.gather(
        *(complete(CompletionRequest(model="scripted/probe", messages=_user("go"))) for _ in range(4))
    )
    assert sorted(r.model for r in results) == ["scripted/alt"] * 3 + ["scripted/probe"]
    assert scripted.calls("probe") == 2


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ({"error": "server_error"}, "provider_error"),
        ({"error": "rate_limit"}, "rate_limited"),
        ({"error": "auth"}, "missing_api_key"),
        ({"error": "timeout"}, "timeout"),
    ],
)
async def test_provider_errors_give_their_specific_recorded_reason(env, session, step, reason):
    scripted.push("err", step)
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/err", messages=_user("go")))
    assert info.value.reason == reason
    [row] = _rows(session)
    assert (row.status, row.error) == ("error", reason)


async def test_empty_script_is_a_provider_error_not_a_hang(env):
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/nothing-queued", messages=_user("go")))
    assert info.value.reason == "provider_error" and "no scripted reply" in info.value.message


async def test_unknown_model_is_refused_and_recorded(env, session):
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="nosuch/model-x", messages=_user("go")))
    assert info.value.reason == "unknown_model"
    [row] = _rows(session)
    assert (row.model, row.status, row.error) == ("nosuch/model-x", "refused", "unknown_model")


async def test_deactivated_model_is_unknown(env, session, add_model):
    add_model("scripted/old", active=False)
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/old", messages=_user("go")))
    assert info.value.reason == "unknown_model" and "deactivated" in info.value.message


async def test_missing_api_key_is_refused_before_any_call_and_recorded(env, session, add_model, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    add_model("openai/gpt-4o-mini", api_key_env="OPENAI_API_KEY", capabilities=["chat", "tools", "json"])
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="openai/gpt-4o-mini", messages=_user("go")))
    assert info.value.reason == "missing_api_key" and "OPENAI_API_KEY" in info.value.message
    [row] = _rows(session)
    assert (row.status, row.error) == ("refused", "missing_api_key")


async def test_network_providers_are_impossible_in_the_test_session(env, session, add_model, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    add_model("openai/gpt-4o-mini", api_key_env="OPENAI_API_KEY", capabilities=["chat"])
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="openai/gpt-4o-mini", messages=_user("go")))
    assert info.value.reason == "network_disabled"


async def test_missing_key_falls_back_to_the_next_model(env, add_model, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    add_model("anthropic/claude-x", api_key_env="ANTHROPIC_API_KEY", fallbacks=["scripted/echo"], capabilities=["chat"])
    result = await complete(CompletionRequest(model="anthropic/claude-x", messages=_user("hi")))
    assert (result.model, result.fallback_used, result.content) == ("scripted/echo", True, "echo: hi")


async def test_prompt_over_the_context_window_is_a_recorded_context_overflow(env, session, add_model):
    add_model("scripted/tiny", context_window=10, max_output_tokens=5)
    scripted.push("tiny", {"content": "never used"})
    with pytest.raises(ModelError) as info:
        await complete(
            CompletionRequest(
                model="scripted/tiny", messages=_user("one two three four five six seven eight nine ten eleven")
            )
        )
    assert info.value.reason == "context_overflow"
    assert scripted.calls("tiny") == 0
    [row] = _rows(session)
    assert (row.status, row.error) == ("refused", "context_overflow")


async def test_fit_context_trims_an_over_long_prompt_instead_of_refusing_it(env, session, add_model):
    add_model("scripted/smallctx", context_window=40, max_output_tokens=10)
    scripted.push("smallctx", {"content": "answered"})
    messages = [
        {"role": "system", "content": "you are terse"},
        {"role": "user", "content": "TASK: read the log"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "function": {"name": "read"}}]},
        {"role": "tool", "tool_call_id": "1", "content": "START " + "line " * 200 + "END"},
    ]
    result = await complete(
        CompletionRequest(model="scripted/smallctx", messages=messages, max_tokens=10, fit_context=True)
    )
    assert (result.content, result.context_trimmed) == ("answered", True)
    [sent] = scripted.requests("smallctx")
    assert scripted.count_prompt_tokens(sent) == result.prompt_tokens
    assert result.prompt_tokens <= 30  # window 40 - max_tokens 10
    assert sent[1]["content"] == "TASK: read the log" and "characters omitted" in sent[-1]["content"]
    [row] = _rows(session)
    assert (row.status, row.prompt_tokens) == ("ok", result.prompt_tokens)


async def test_fit_context_still_refuses_when_trimming_cannot_help(env, session, add_model):
    add_model("scripted/nohope", context_window=20, max_output_tokens=5)
    scripted.push("nohope", {"content": "never used"})
    messages = [{"role": "system", "content": "rule " * 30}, {"role": "user", "content": "hi"}]
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/nohope", messages=messages, fit_context=True))
    assert info.value.reason == "context_overflow" and info.value.details["trimmed"] is True
    assert scripted.calls("nohope") == 0
    [row] = _rows(session)
    assert (row.status, row.error) == ("refused", "context_overflow")


async def test_a_prompt_that_fits_is_not_touched_by_fit_context(env, add_model):
    scripted.push("roomy", {"content": "fine"})
    result = await complete(CompletionRequest(model="scripted/roomy", messages=_user("short"), fit_context=True))
    assert not result.context_trimmed and scripted.requests("roomy") == [_user("short")]


async def test_context_overflow_falls_back_to_a_larger_window(env, add_model):
    add_model("scripted/big", context_window=1000)
    add_model("scripted/small", context_window=4, fallbacks=["scripted/big"])
    scripted.push("big", {"content": "fits here"})
    result = await complete(CompletionRequest(model="scripted/small", messages=_user("a b c d e f")))
    assert (result.model, result.content) == ("scripted/big", "fits here")


async def test_default_max_tokens_shrinks_to_the_room_left_in_the_window(env, add_model):
    add_model("scripted/room", context_window=10, max_output_tokens=100)
    scripted.push("room", {"content": "w " * 50})
    result = await complete(CompletionRequest(model="scripted/room", messages=_user("a b c d")))
    assert result.completion_tokens == 6 and result.finish_reason == "length"


async def test_capabilities_pick_a_capable_model_from_the_catalogue(env, add_model):
    add_model("scripted/textonly", capabilities=["chat"])
    add_model("scripted/toolish", capabilities=["chat", "tools"], input_price="0.01")
    add_model("scripted/toolish-cheap", capabilities=["chat", "tools"], input_price="0.001")
    scripted.push("toolish-cheap", {"content": "cheap and capable"})
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    result = await complete(CompletionRequest(model="scripted/textonly", messages=_user("x"), tools=tools))
    assert result.model == "scripted/toolish-cheap"


async def test_project_model_is_the_preference_when_the_request_names_none(env, make_project):
    project = make_project(model="scripted/projpref")
    scripted.push("projpref", {"content": "from the project's model"})
    result = await complete(CompletionRequest(messages=_user("x"), project_id=project.id))
    assert result.model == "scripted/projpref"


async def test_unknown_project_is_not_found(env):
    import uuid

    from berrys_app.services.errors import NotFound

    with pytest.raises(NotFound):
        await complete(CompletionRequest(model="scripted/echo", messages=_user("x"), project_id=uuid.uuid4()))


def test_bad_requests_are_validation_errors():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        CompletionRequest(messages=[])
    with pytest.raises(ValidationError):
        CompletionRequest(messages=[{"role": "wizard", "content": "x"}])
    with pytest.raises(ValidationError):
        CompletionRequest(messages=_user("x"), max_tokens=0)


async def test_invalid_schema_and_agent_budget_without_agent_are_validation_failed(env):
    from berrys_app.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        await complete(CompletionRequest(model="scripted/echo", messages=_user("x"), response_format={"type": 12}))
    with pytest.raises(ValidationFailed):
        await complete(CompletionRequest(model="scripted/echo", messages=_user("x"), agent_budget_usd=1.0))


async def test_scripted_steps_are_validated(env):
    from berrys_app.services.errors import ValidationFailed

    for bad in (
        {"content": "a", "error": "timeout"},
        {"error": "explode"},
        {"contnet": "typo"},
        {"content": "x", "delay": -1},
    ):
        with pytest.raises(ValidationFailed):
            scripted.push("bad", bad)


async def test_litellm_can_call_our_registered_providers(env):
    import litellm

    response = await litellm.acompletion(model="scripted/echo", messages=_user("via litellm"))
    assert response.choices[0].message.content == "echo: via litellm"


async def test_a_failed_call_is_not_replayed_the_retry_calls_again(env, session):
    scripted.push("retry", {"error": "server_error"}, {"content": "second try"})
    request = CompletionRequest(model="scripted/retry", messages=_user("go"), call_key="task:9:model:0")
    with pytest.raises(ModelError):
        await complete(request)
    result = await complete(request)
    assert (result.content, result.replayed) == ("second try", False)
    assert (await complete(request)).replayed is True
    assert scripted.calls("retry") == 2


async def test_duplicate_concurrent_runs_of_one_call_key_keep_one_completed_record(env, session):
    scripted.rule("dup", contains="go", step={"content": "same", "delay": 0.2})
    request = CompletionRequest(model="scripted/dup", messages=_user("go"), call_key="task:7:model:0")
    first, second = await asyncio.gather(complete(request), complete(request))
    assert first.content == second.content == "same"
    rows = _rows(session)
    assert len(rows) == 2  # both provider calls are accounted
    assert sorted((r.call_key or "") for r in rows) == ["", "task:7:model:0"]
    assert (await complete(request)).replayed is True


def test_litellm_exceptions_map_to_specific_reasons():
    import litellm

    from berrys_app.services.models.network import _reason

    def make(cls, **extra):
        return cls(message="x", llm_provider="openai", model="gpt", **extra)

    assert _reason(make(litellm.Timeout)) == "timeout"
    assert _reason(make(litellm.RateLimitError)) == "rate_limited"
    assert _reason(make(litellm.AuthenticationError)) == "missing_api_key"
    assert _reason(make(litellm.ContextWindowExceededError)) == "context_overflow"
    assert _reason(make(litellm.NotFoundError)) == "unknown_model"
    assert _reason(RuntimeError("boom")) == "provider_error"


async def test_capability_choice_prefers_models_without_recent_failures(env, add_model):
    add_model("scripted/plain", capabilities=["chat"])
    add_model("scripted/json-cheap", capabilities=["chat", "json"], input_price="0.001")
    add_model("scripted/json-dear", capabilities=["chat", "json"], input_price="0.01")
    selection.record_failure("scripted/json-cheap")  # one recent fault, circuit still closed
    scripted.push("json-dear", {"content": "{}"})
    result = await complete(
        CompletionRequest(model="scripted/plain", messages=_user("x"), response_format={"type": "object"})
    )
    assert result.model == "scripted/json-dear"


async def test_the_final_error_lists_every_model_tried(env, add_model):
    add_model("scripted/z2")
    add_model("scripted/z1", fallbacks=["scripted/z2"])
    scripted.push("z1", {"error": "timeout"})
    scripted.push("z2", {"error": "server_error"})
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(model="scripted/z1", messages=_user("go")))
    assert info.value.details["attempts"] == [
        {"model": "scripted/z1", "reason": "timeout"},
        {"model": "scripted/z2", "reason": "provider_error"},
    ]


async def test_a_dropped_pooled_connection_is_replaced_without_failing_the_call(env, session):
    from sqlalchemy import text

    await complete(CompletionRequest(model="scripted/echo", messages=_user("warm the pool")))
    session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
    session.commit()
    result = await complete(
        CompletionRequest(model="scripted/echo", messages=_user("after restart"), call_key="k-drop")
    )
    assert result.content == "echo: after restart"
    assert len(_rows(session)) == 2


async def test_a_call_whose_caller_knows_the_project_loads_the_catalogue_and_holds_no_connection(env, make_project):
    from berrys_app.services.models import catalogue, service
    from berrys_app.services.models.schemas import KnownProject

    project = make_project(model="scripted/echo")
    catalogue.invalidate()  # the first call must read the catalogue from the database
    known = KnownProject(model="scripted/echo", budget_usd=None, budget_tokens=None, team_id=project.team_id)
    for step in range(2):
        result = await complete(
            CompletionRequest(
                messages=_user(f"step {step}"),
                project_id=project.id,
                call_key=f"known:{project.id}:{step}",
                known_project=known,
            )
        )
        assert result.content == f"echo: step {step}"
        session = service._catalogue_session(get_settings())
        assert not session.in_transaction()  # the catalogue read gave its connection back


async def test_a_known_project_without_its_team_is_looked_up_so_names_resolve_in_its_team(env, session, make_project):
    """A caller that read the project but not its team (``KnownProject.team_id`` None) gets the
    lookup: the project's team's own entry of a name wins, another team's never does."""
    from berrys_app.services.models import catalogue
    from berrys_app.services.models.schemas import KnownProject

    mine, other = make_project(model="scripted/teamed"), make_project(model="scripted/teamed")
    session.add(ModelEntry(name="scripted/teamed", provider="scripted", team_id=mine.team_id, active=False))
    session.commit()
    catalogue.invalidate()
    known = KnownProject(model="scripted/teamed")
    scripted.rule("teamed", contains="hi", step={"content": "built-in"})
    with pytest.raises(ModelError) as info:  # its team's entry: deactivated
        await complete(CompletionRequest(messages=_user("hi"), project_id=mine.id, known_project=known))
    assert "deactivated" in info.value.message
    result = await complete(CompletionRequest(messages=_user("hi"), project_id=other.id, known_project=known))
    assert result.content == "built-in"  # the built-in: the first team's entry is not the other's
