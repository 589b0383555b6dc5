"""The function-calling loop: offer the agent's allowed tools to the model, execute the
calls it makes, feed the results back, until it answers or the step limit is hit.

Durable by construction: model call ``step`` uses call_key ``task:<id>:model:<step>`` and
its tool calls ``task:<id>:tool:<step>:<i>``, so a re-run of the same task replays every
recorded model and tool call and continues where the crashed run stopped.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from berrys_app.db import session_scope
from berrys_app.services.tools.context import ToolContext
from berrys_app.services.tools.execution import run_tool_calls
from berrys_app.services.tools.registry import tool_specs_for


@dataclass
class LoopOutcome:
    content: str
    messages: list[dict[str, Any]]
    steps: int
    tool_calls: int
    stopped: str  # "answered" | "step_limit"
    cost_usd: float = 0.0
    tokens: int = 0
    replayed_steps: list[int] = field(default_factory=list)


def assistant_message(content: str, tool_calls: list[dict[str, Any]]) -> dict[str, Any]:
    """The assistant turn in the OpenAI/litellm shape, so the next call sees its own tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments", {}))},
            }
            for call in tool_calls
        ]
    return message


async def run_function_calling(
    *,
    task_id: uuid.UUID,
    messages: list[dict[str, Any]],
    allowed_tools: list[str],
    project_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    model: str | None = None,
    max_steps: int = 8,
    **request_fields: Any,
) -> LoopOutcome:
    """Run the loop for one task; extra ``request_fields`` go to ``CompletionRequest``."""
    from berrys_app.services.models import CompletionRequest, complete

    with session_scope() as session:
        specs = tool_specs_for(session, allowed=allowed_tools, project_id=project_id)
    history = list(messages)
    outcome = LoopOutcome(content="", messages=history, steps=0, tool_calls=0, stopped="step_limit")
    for step in range(max_steps):
        result = await complete(
            CompletionRequest(
                messages=history,
                model=model,
                tools=specs or None,
                project_id=project_id,
                task_id=task_id,
                agent_id=agent_id,
                call_key=f"task:{task_id}:model:{step}",
                **request_fields,
            )
        )
        outcome.steps = step + 1
        outcome.cost_usd += result.cost_usd
        outcome.tokens += result.prompt_tokens + result.completion_tokens
        if result.replayed:
            outcome.replayed_steps.append(step)
        if not result.tool_calls:
            outcome.content, outcome.stopped = result.content, "answered"
            history.append({"role": "assistant", "content": result.content})
            return outcome
        history.append(assistant_message(result.content, result.tool_calls))
        ctx = ToolContext(
            project_id=project_id,
            task_id=task_id,
            agent_id=agent_id,
            allowed_tools=allowed_tools,
            call_key=f"task:{task_id}:tool:{step}",
        )
        history.extend(await run_tool_calls(ctx, result.tool_calls))
        outcome.tool_calls += len(result.tool_calls)
    return outcome
