"""``complete(on_reply=...)``: a final answer is told to the caller while its row commits (the
engine starts dependents ahead with it), and ``complete`` still returns only once it committed."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelCall
from berrys_app.services.models import CompletionRequest, ModelError, complete, scripted


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _committed(session: Session) -> list[tuple[str | None, str]]:
    """(content, status) of the calls committed so far, read anew."""
    session.rollback()
    return [(row.content, row.status) for row in session.exec(select(ModelCall).order_by(col(ModelCall.created_at)))]


async def test_a_final_answer_is_told_before_its_row_commits_and_returned_after(env, session):
    told: list[tuple[str, list[tuple[str | None, str]]]] = []
    result = await complete(
        CompletionRequest(model="scripted/echo", messages=_user("early bird")),
        on_reply=lambda content: told.append((content, _committed(session))),
    )
    assert told == [("echo: early bird", [])]  # told at once: the row was not committed yet
    assert _committed(session) == [("echo: early bird", "ok")]  # and committed when complete returned
    assert result.content == "echo: early bird"


async def test_tool_calls_errors_and_malformed_output_are_not_told(env):
    scripted.push(
        "steps",
        {"tool_calls": [{"name": "search", "arguments": {"q": "x"}}]},
        {"error": "server_error"},
        {"content": "not json"},
        {"content": "still not json"},
        {"content": "the answer"},
    )
    told: list[str] = []
    tool_turn = await complete(CompletionRequest(model="scripted/steps", messages=_user("a")), on_reply=told.append)
    assert tool_turn.tool_calls and told == []
    with pytest.raises(ModelError):
        await complete(CompletionRequest(model="scripted/steps", messages=_user("b")), on_reply=told.append)
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    with pytest.raises(ModelError) as malformed:
        await complete(
            CompletionRequest(model="scripted/steps", messages=_user("c"), response_format=schema),
            on_reply=told.append,
        )
    assert malformed.value.reason == "malformed_output"
    assert told == []
    final = await complete(CompletionRequest(model="scripted/steps", messages=_user("d")), on_reply=told.append)
    assert told == [final.content] == ["the answer"]


async def test_a_replayed_answer_is_returned_not_told(env):
    request = CompletionRequest(model="scripted/echo", messages=_user("once"), call_key="task:early:model:0")
    told: list[str] = []
    first = await complete(request, on_reply=told.append)
    again = await complete(request, on_reply=told.append)
    assert again.replayed and told == [first.content]  # the caller sees a replay in the result itself
