"""Context trimming and the seeded catalogue."""

from __future__ import annotations

import pytest

from berrys_app.domain.models import ModelEntry
from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models import catalogue, ensure_catalogue, prompts, scripted
from berrys_app.services.models.spec import ModelSpec


def _words(messages):
    return scripted.count_prompt_tokens(messages)


def test_fit_keeps_system_and_latest_turns_and_notes_what_was_dropped():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "old " * 50},
        {"role": "assistant", "content": "older answer " * 20},
        {"role": "user", "content": "latest question here"},
    ]
    fitted = prompts.fit_messages(messages, budget_tokens=20, count=_words)
    assert fitted[0] == messages[0]
    assert fitted[-1] == messages[-1]
    assert "2 earlier message(s) omitted" in fitted[1]["content"]
    assert _words(fitted) <= 20


def test_fit_keeps_tool_results_with_their_tool_call():
    messages = [
        {"role": "user", "content": "a " * 30},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "result words"},
        {"role": "user", "content": "now what"},
    ]
    fitted = prompts.fit_messages(messages, budget_tokens=25, count=_words, note=False)
    roles = [m["role"] for m in fitted]
    assert roles == ["assistant", "tool", "user"]


def test_fit_truncates_a_single_huge_turn_from_the_front():
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": " ".join(f"w{i}" for i in range(100))},
    ]
    fitted = prompts.fit_messages(messages, budget_tokens=11, count=_words)
    assert _words(fitted) <= 11 and fitted[-1]["content"].endswith("w99")


def test_fit_to_model_uses_the_model_window():
    spec = ModelSpec(
        name="scripted/x",
        provider="scripted",
        capabilities=frozenset({"chat"}),
        context_window=30,
        max_output_tokens=10,
    )
    messages = [{"role": "user", "content": "x " * 40}, {"role": "user", "content": "final ask"}]
    fitted = prompts.fit_to_model(messages, spec=spec, max_tokens=10)
    assert _words(fitted) <= 20 and fitted[-1]["content"] == "final ask"


def test_ensure_catalogue_seeds_once_with_the_embedded_default(env, session):
    added = ensure_catalogue(session)
    assert added == len(catalogue.SEED)
    assert ensure_catalogue(session) == 0
    rows = {row.name: row for row in session.exec(__import__("sqlmodel").select(ModelEntry))}
    assert rows["embedded/smollm2"].active and rows["scripted/echo"].active
    assert not rows["openai/gpt-4o-mini"].active and rows["openai/gpt-4o-mini"].api_key_env == "OPENAI_API_KEY"
    assert catalogue.resolve(session, "embedded/smollm2").provider == "embedded"


def test_fit_can_pin_the_task_and_cuts_a_huge_tool_result_in_the_middle():
    task = {"role": "user", "content": "TASK: summarise the file"}
    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "function": {"name": "f"}}]}
    huge = {"role": "tool", "tool_call_id": "1", "content": "HEAD " + "x " * 500 + "TAIL"}
    messages = [{"role": "system", "content": "be brief"}, task, call, huge]
    fitted = prompts.fit_messages(messages, budget_tokens=60, count=_words, pin_first=True)
    assert _words(fitted) <= 60
    assert fitted[:2] == messages[:2]  # system + the pinned task
    assert [m["role"] for m in fitted[2:]] == ["assistant", "tool"]  # the tool result stays with its call
    cut = fitted[-1]["content"]
    assert cut.startswith("HEAD") and cut.endswith("TAIL") and "characters omitted" in cut


def test_fit_drops_old_turns_but_keeps_the_pinned_task():
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "TASK words here"},
        {"role": "assistant", "content": "old " * 40},
        {"role": "user", "content": "latest"},
    ]
    fitted = prompts.fit_messages(messages, budget_tokens=20, count=_words, pin_first=True)
    assert [m["content"] for m in fitted] == [
        "sys",
        "TASK words here",
        "[1 earlier message(s) omitted to fit the context window]",
        "latest",
    ]


def test_fit_refuses_when_cutting_cannot_help():
    messages = [{"role": "system", "content": "s " * 30}, {"role": "user", "content": "q"}]
    with pytest.raises(ValidationFailed):
        prompts.fit_messages(messages, budget_tokens=10, count=_words)
