"""Context assembly that fits a model's window.

``fit_messages`` keeps every system message and as many of the latest turns as
fit, dropping the oldest first (an assistant tool-call turn and its tool results go
together) and leaving a note of what was dropped; texts still too long are cut in the
middle. ``complete()`` calls ``fit_to_model`` when a request sets ``fit_context``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from berrys_app.services.errors import ValidationFailed
from berrys_app.services.models import tokens
from berrys_app.services.models.spec import ModelSpec


def _groups(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Non-system messages in droppable units: a tool-calling assistant turn keeps its tool results."""
    groups: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.get("role") == "tool" and groups:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def fit_messages(
    messages: list[dict[str, Any]],
    *,
    budget_tokens: int,
    count: Callable[[list[dict[str, Any]]], int],
    note: bool = True,
    pin_first: bool = False,
) -> list[dict[str, Any]]:
    """The messages that fit ``budget_tokens``: all system messages + the newest turns.

    ``pin_first`` keeps the first user message too (an agent's task must survive a long tool
    conversation). If the kept messages still do not fit, the longest texts are cut in the
    middle (keeping the start, where the context is, and the end, where the question
    usually is). Raises ``ValidationFailed`` if nothing can make the messages fit.
    """
    if count(messages) <= budget_tokens:
        return list(messages)
    system = [m for m in messages if m.get("role") == "system"]
    rest = [m for m in messages if m.get("role") != "system"]
    if count(system) > budget_tokens:
        raise ValidationFailed("the system messages alone exceed the context window")
    pinned = rest[:1] if pin_first and rest and rest[0].get("role") == "user" else []
    groups = _groups(rest[len(pinned) :])
    head = system + pinned
    kept = 0
    while kept < len(groups):  # keep the newest turns while they fit
        candidate = _assemble(head, groups, kept + 1, note)
        if count(candidate) > budget_tokens:
            break
        kept += 1
    if kept:
        return _assemble(head, groups, kept, note)
    return _shrink(_assemble(head, groups, min(1, len(groups)), note), budget_tokens, count)


def _assemble(
    head: list[dict[str, Any]], groups: list[list[dict[str, Any]]], keep: int, note: bool
) -> list[dict[str, Any]]:
    newest = [m for g in groups[len(groups) - keep :] for m in g] if keep else []
    return head + _with_note(newest, len(groups) - keep, note)


def _with_note(messages: list[dict[str, Any]], dropped: int, note: bool) -> list[dict[str, Any]]:
    if not note or dropped <= 0:
        return messages
    notice = {"role": "system", "content": f"[{dropped} earlier message(s) omitted to fit the context window]"}
    return [notice, *messages]


def cut_middle(text: str, keep: int) -> str:
    """``text`` with its middle replaced by a marker, keeping ``keep`` characters."""
    if keep >= len(text):
        return text
    head = keep // 2
    tail = keep - head
    return f"{text[:head]}\n[… {len(text) - keep} characters omitted …]\n{text[len(text) - tail :] if tail else ''}"


def _shrink(
    messages: list[dict[str, Any]], budget: int, count: Callable[[list[dict[str, Any]]], int]
) -> list[dict[str, Any]]:
    """Cut the longest non-system texts (middle first) until the messages fit the budget."""
    result = list(messages)
    order = sorted(
        (i for i, m in enumerate(result) if m.get("role") != "system" and isinstance(m.get("content"), str)),
        key=lambda i: -len(result[i]["content"]),
    )
    for index in order:
        message, text = result[index], result[index]["content"]

        def fits(keep: int, message: dict[str, Any] = message, text: str = text, index: int = index) -> bool:
            trial = [*result[:index], {**message, "content": cut_middle(text, keep)}, *result[index + 1 :]]
            return count(trial) <= budget

        if not fits(0):
            result[index] = {**message, "content": cut_middle(text, 0)}
            continue
        low, high = 0, len(text)
        while low < high:  # the most characters that fit (binary search)
            mid = (low + high + 1) // 2
            if fits(mid):
                low = mid
            else:
                high = mid - 1
        result[index] = {**message, "content": cut_middle(text, low)}
        return result
    raise ValidationFailed("the messages do not fit the context window even when cut down")


def fit_to_model(
    messages: list[dict[str, Any]],
    *,
    spec: ModelSpec,
    max_tokens: int,
    tools: list[dict[str, Any]] | None = None,
    pin_first: bool = False,
) -> list[dict[str, Any]]:
    """Trim ``messages`` so prompt + ``max_tokens`` fit ``spec``'s window (its own tokenizer)."""

    tool_tokens = tokens.count_prompt_tokens(spec, [], tools) if tools else 0
    return fit_messages(
        messages,
        budget_tokens=spec.context_window - max_tokens - tool_tokens,
        count=lambda batch: tokens.count_prompt_tokens(spec, batch),
        pin_first=pin_first,
    )
