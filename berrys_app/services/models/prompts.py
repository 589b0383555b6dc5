"""Prompt templates (versioned, Jinja2) and context assembly that fits a model's window.

Templates: saving new text under a name creates the next version; rendering checks
that every variable the template uses is given (a missing one is a ``ValidationFailed``,
never an empty hole in the prompt).

Context: ``fit_messages`` keeps every system message and as many of the latest turns as
fit, dropping the oldest first (an assistant tool-call turn and its tool results go
together) and leaving a note of what was dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func
from sqlmodel import Session, col, select

from berrys_app.domain.models import PromptTemplate
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.models.catalogue import ModelSpec
from berrys_app.services.models.provider import message_text

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def template_parameters(template: str) -> list[str]:
    """The variables a template uses (sorted)."""
    try:
        return sorted(meta.find_undeclared_variables(_ENV.parse(template)))
    except TemplateSyntaxError as exc:
        raise ValidationFailed(f"template syntax error on line {exc.lineno}: {exc.message}") from exc


def render_text(template: str, params: dict[str, Any]) -> str:
    """Render template text; every variable must be given."""
    missing = [name for name in template_parameters(template) if name not in params]
    if missing:
        raise ValidationFailed(f"missing prompt parameters: {', '.join(missing)}", details={"missing": missing})
    try:
        return _ENV.from_string(template).render(**params)
    except UndefinedError as exc:
        raise ValidationFailed(f"prompt parameter problem: {exc.message}") from exc


def save_template(session: Session, *, name: str, template: str, description: str = "") -> PromptTemplate:
    """Store ``template`` as the next version of ``name`` (commits); identical text is not re-versioned."""
    name = name.strip()
    if not name:
        raise ValidationFailed("a prompt template needs a name")
    parameters = template_parameters(template)
    latest = get_template(session, name=name, missing_ok=True)
    if latest is not None and latest.template == template:
        return latest
    row = PromptTemplate(
        name=name,
        version=(latest.version + 1) if latest else 1,
        template=template,
        parameters=parameters,
        description=description,
    )
    session.add(row)
    try:
        session.commit()
    except Exception as exc:  # two writers raced for the same version number
        session.rollback()
        raise Conflict(f"prompt template {name!r} was changed concurrently; retry") from exc
    session.refresh(row)
    return row


def get_template(
    session: Session, *, name: str, version: int | None = None, missing_ok: bool = False
) -> PromptTemplate | None:
    """A given version of a template, or the latest."""
    query = select(PromptTemplate).where(PromptTemplate.name == name)
    query = query.where(PromptTemplate.version == version) if version is not None else query
    row = session.exec(query.order_by(col(PromptTemplate.version).desc()).limit(1)).first()
    if row is None and not missing_ok:
        suffix = f" version {version}" if version is not None else ""
        raise NotFound(f"prompt template {name!r}{suffix} not found")
    return row


def list_templates(session: Session) -> list[dict[str, Any]]:
    """Each template name with its latest version number."""
    rows = session.execute(
        select(PromptTemplate.name, func.max(PromptTemplate.version)).group_by(PromptTemplate.name)
    ).all()
    return [{"name": name, "latest_version": version} for name, version in sorted(rows)]


def render(session: Session, *, name: str, params: dict[str, Any], version: int | None = None) -> str:
    """Render a stored template (latest version unless ``version`` is given)."""
    row = get_template(session, name=name, version=version)
    assert row is not None
    return render_text(row.template, params)


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
) -> list[dict[str, Any]]:
    """The messages that fit ``budget_tokens``: all system messages + the newest turns.

    If even the newest turn does not fit, its text is cut from the front (keeping the end,
    where the question usually is). Raises ``ValidationFailed`` if system messages alone
    do not fit.
    """
    if count(messages) <= budget_tokens:
        return list(messages)
    system = [m for m in messages if m.get("role") == "system"]
    rest = [m for m in messages if m.get("role") != "system"]
    if count(system) > budget_tokens:
        raise ValidationFailed("the system messages alone exceed the context window")
    groups = _groups(rest)
    kept: list[list[dict[str, Any]]] = []
    for group in reversed(groups):
        candidate = [m for g in [group, *kept] for m in g]
        if count(system + _with_note(candidate, len(groups) - len(kept) - 1, note)) > budget_tokens:
            break
        kept.insert(0, group)
    dropped = len(groups) - len(kept)
    if kept:
        return system + _with_note([m for g in kept for m in g], dropped, note)
    return [*system, _truncate(groups[-1][-1], budget_tokens - count(system), count)]


def _with_note(messages: list[dict[str, Any]], dropped: int, note: bool) -> list[dict[str, Any]]:
    if not note or dropped <= 0:
        return messages
    notice = {"role": "system", "content": f"[{dropped} earlier message(s) omitted to fit the context window]"}
    return [notice, *messages]


def _truncate(message: dict[str, Any], room: int, count: Callable[[list[dict[str, Any]]], int]) -> dict[str, Any]:
    text = message_text(message)
    low, high = 0, len(text)
    while low < high:  # the longest tail that fits (binary search on characters)
        mid = (low + high + 1) // 2
        if count([{**message, "content": "…" + text[len(text) - mid :]}]) <= room:
            low = mid
        else:
            high = mid - 1
    return {**message, "content": "…" + text[len(text) - low :] if low < len(text) else text}


def fit_to_model(
    messages: list[dict[str, Any]], *, spec: ModelSpec, max_tokens: int, tools: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Trim ``messages`` so prompt + ``max_tokens`` fit ``spec``'s window (its own tokenizer)."""
    from berrys_app.services.models import tokens

    tool_tokens = tokens.count_prompt_tokens(spec, [], tools) if tools else 0
    return fit_messages(
        messages,
        budget_tokens=spec.context_window - max_tokens - tool_tokens,
        count=lambda batch: tokens.count_prompt_tokens(spec, batch),
    )
