"""The agent loop: model <-> tools over a frozen task context until the model answers.

Every model and tool call has a stable call key (``task:<id>:model:<step>:<prompt>``,
``task:<id>:tool:<step>:<i>``), so a re-run after a crash replays what was recorded instead of
paying for it again. The model layer commits each answer under its key the moment it arrives,
before anything else happens with it (``services.models.run``); the completion only follows it.
A model call's key ends with a fingerprint of what was asked (model, messages, tools): a run
started ahead of its lease on a guess that proves wrong (``speculation``) records its paid answer
under a key the real run never asks for, so a later attempt cannot replay it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from berrys_app.db import get_engine
from berrys_app.engine.context import TaskContext
from berrys_app.services import degenerate
from berrys_app.services.errors import ServiceError
from berrys_app.services.models import CompletionRequest, complete
from berrys_app.services.models.prompts import cut_middle
from berrys_app.services.tools import ToolContext, execute_tool, tool_specs_for
from berrys_app.settings import get_settings


class StepLimitReached(ServiceError):
    code, status = "step_limit", 422


class DegenerateOutput(ServiceError):
    """The model's answer is a loop or no text (``services.degenerate``): the attempt fails
    rather than hand it to the next task. Fatal: a retry would replay the recorded answer."""

    code, status = "degenerate_output", 422
    reason = "degenerate_output"


@dataclass(frozen=True)
class Answer:
    """The model's final answer (its call is already recorded: ``call_id``)."""

    content: str
    call_id: Any = None


def task_prompt(ctx: TaskContext) -> str:
    """The task as the agent sees it, with the outputs of its input dependencies."""
    parts = [f"Project: {ctx.project_name}", f"Task: {ctx.title}"]
    if ctx.description:
        parts.append(ctx.description)
    if ctx.expected_output:
        parts.append(f"Expected output: {ctx.expected_output}")
    if ctx.inputs:
        parts.append("Inputs from earlier tasks:")
        limit = get_settings().task_input_max_chars  # the model layer fits the rest to the window
        parts.extend(
            f"### {item['key']}: {item['title']}\n{cut_middle(item['output'] or '', limit)}" for item in ctx.inputs
        )
    return "\n\n".join(parts)


async def run_agent(
    ctx: TaskContext,
    *,
    leased: Awaitable[Any] | None = None,
    on_answer: Callable[[str], None] | None = None,
) -> Answer:
    """Model <-> tools until the model answers without tool calls.

    ``leased``: a run started ahead of its lease (``speculation``) waits for it before any side
    effect -- only the first model call runs before. ``on_answer`` is called with the answer as
    soon as the provider's reply is in, while its row commits (the runner starts dependents ahead
    then); this returns once the row committed.
    """
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": ctx.system_prompt},
        {"role": "user", "content": task_prompt(ctx)},
    ]
    tools = await asyncio.to_thread(_tool_specs, ctx) if ctx.allowed_tools else None
    settings = get_settings()
    told: list[str] = []  # the answer ``on_answer`` was given while its row committed

    def on_reply(content: str) -> None:
        if on_answer is not None and not degenerate.why_degenerate(content):
            told.append(content)
            on_answer(content)

    for step in range(settings.task_max_steps):
        result = await complete(
            CompletionRequest(
                messages=messages,
                model=ctx.model,
                capabilities={"chat", "tools"} if tools else {"chat"},
                tools=tools or None,
                project_id=ctx.project_id,
                task_id=ctx.task_id,
                agent_id=ctx.agent_id,
                call_key=model_call_key(ctx, step, messages, tools),
                max_tokens=settings.task_max_tokens,
                stream=True,  # the dashboard's task drawer shows the text as it is written
                agent_budget_usd=ctx.agent_budget_usd if ctx.agent_id else None,
                agent_budget_tokens=ctx.agent_budget_tokens if ctx.agent_id else None,
                known_project=ctx.project,
                fit_context=True,  # long tool results / inputs are trimmed, not a failed task
            ),
            on_reply=on_reply,
        )
        if told:
            return Answer(result.content, result.call_id)
        if not result.tool_calls:
            why = degenerate.why_degenerate(result.content)
            if why:
                if leased is not None:  # the answer is recorded already; the attempt fails under its lease
                    await asyncio.shield(leased)
                raise DegenerateOutput(f"the model's answer is not usable: {why}")
            if on_answer is not None:
                on_answer(result.content)
            return Answer(result.content, result.call_id)
        if leased is not None:  # nothing but the model call runs before the lease
            await asyncio.shield(leased)
        messages.append(
            {
                "role": "assistant",
                "content": result.content or None,
                "tool_calls": [
                    {
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
                    }
                    for call in result.tool_calls
                ],
            }
        )
        for index, call in enumerate(result.tool_calls):
            content = await _run_tool(ctx, call, f"task:{ctx.task_id}:tool:{step}:{index}")
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})
    raise StepLimitReached(f"the agent did not finish within {settings.task_max_steps} model calls")


def model_call_key(ctx: TaskContext, step: int, messages: list[dict[str, Any]], tools: list[Any] | None) -> str:
    """The key of a step's model call: the task, the step and a fingerprint of what is asked."""
    asked = json.dumps([ctx.model, messages, tools], sort_keys=True, default=str)
    return f"task:{ctx.task_id}:model:{step}:{hashlib.sha256(asked.encode()).hexdigest()[:16]}"


def _tool_specs(ctx: TaskContext) -> list[dict[str, Any]]:
    """The agent's allowed tools in litellm format (the project's team and MCP tools included)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        return tool_specs_for(session, allowed=list(ctx.allowed_tools), project_id=ctx.project_id)


async def _run_tool(ctx: TaskContext, call: dict[str, Any], call_key: str) -> str:
    # allowance is checked (and a refusal recorded) by the tool service itself
    context = ToolContext(
        project_id=ctx.project_id,
        task_id=ctx.task_id,
        agent_id=ctx.agent_id,
        allowed_tools=list(ctx.allowed_tools),
        call_key=call_key,
    )
    result = await execute_tool(context, call["name"], call.get("arguments") or {})
    return result.content if result.ok else f"error ({result.error_code}): {result.content}"
