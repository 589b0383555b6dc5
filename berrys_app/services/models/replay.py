"""``replay/recorded``: answers every call from the recorded rows of the project a replay was forked
from, so a whole project re-runs with no provider call at all (``usecases/forks.py`` makes such a
project). A call is matched by its key: ``task:<id>:model:<step>[:<fingerprint>]`` becomes the same
step of the source's task with the same key (the fingerprint of what is asked differs: the model
is not the same); ``project:<id>:aggregate:<v>`` the source's final report. A call
with no recording fails with ``no_recording`` (never a guess, never a real provider).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import text

from berrys_app.db import autocommit_engine
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply
from berrys_app.services.models.spec import ALL_CAPABILITIES, ModelSpec

REPLAY_MODEL = "replay/recorded"
_TASK_CALL = re.compile(r"task:([0-9a-f-]{36}):model:(\d+)(?::[0-9a-f]+)?")
_AGGREGATE_CALL = re.compile(r"project:([0-9a-f-]{36}):aggregate:\d+(?::[0-9a-f]+)?")

# the source's task with the same key (completed first, then the newest plan version) and its step's ok row
_TASK_SQL = text(
    """
    SELECT mc.content, mc.tool_calls
    FROM tasks t
    JOIN projects p ON p.id = t.project_id
    JOIN tasks o ON o.project_id = p.forked_from_project_id AND o.key = t.key
    JOIN model_calls mc ON mc.status = 'ok'
        AND (mc.call_key = 'task:' || o.id::text || ':model:' || :step
             OR mc.call_key LIKE 'task:' || o.id::text || ':model:' || :step || ':%')
    WHERE t.id = CAST(:task AS uuid)
    ORDER BY (o.status = 'completed') DESC, o.plan_version DESC, mc.created_at DESC
    LIMIT 1
    """
)
_AGGREGATE_SQL = text(
    """
    SELECT mc.content, mc.tool_calls
    FROM projects p
    JOIN model_calls mc ON mc.project_id = p.forked_from_project_id AND mc.status = 'ok'
        AND mc.call_key LIKE 'project:' || p.forked_from_project_id::text || ':aggregate:%'
    WHERE p.id = CAST(:project AS uuid)
    ORDER BY mc.created_at DESC
    LIMIT 1
    """
)


def _recorded(call_key: str | None) -> tuple[str, list[dict[str, Any]]] | None:
    if call_key and (found := _TASK_CALL.fullmatch(call_key)):
        statement, params = _TASK_SQL, {"task": found[1], "step": found[2]}
    elif call_key and (found := _AGGREGATE_CALL.fullmatch(call_key)):
        statement, params = _AGGREGATE_SQL, {"project": found[1]}
    else:
        return None
    with autocommit_engine().connect() as conn:
        row = conn.execute(statement, params).first()
    if row is not None and row.content is None:  # retention cleared it (``services/retention.py``)
        raise ModelError(
            "no_recording", f"the recorded answer for call {call_key} was trimmed by retention", model=REPLAY_MODEL
        )
    return None if row is None else (row.content, list(row.tool_calls or []))


class ReplayProvider:
    """Plays back the forked-from project's recorded answers: zero tokens, zero provider calls."""

    name = "replay"
    local = True
    blocking = False
    for_tests = False
    key_env: str | None = None
    team_endpoint = False

    def builtin_spec(self, name: str) -> ModelSpec | None:
        """``replay/recorded``: what a replayed fork runs on (``usecases/forks.py``)."""
        if name != f"{self.name}/recorded":
            return None
        return ModelSpec(
            name=name,
            provider=self.name,
            capabilities=ALL_CAPABILITIES,
            context_window=100_000_000,  # the recorded answer is not sent anywhere: no prompt is trimmed
            max_output_tokens=1_000_000,
            display_name="Replay of recorded calls (no provider call)",
        )

    async def generate(self, call: ProviderCall) -> ProviderReply:
        found = await asyncio.to_thread(_recorded, call.call_key)
        if found is None:
            raise ModelError(
                "no_recording",
                f"the replayed project has no recorded answer for call {call.call_key or '(no call key)'}",
                model=call.spec.name,
            )
        content, tool_calls = found
        if call.on_delta is not None and content:
            call.on_delta(content)
        return ProviderReply(
            content=content, tool_calls=tool_calls, finish_reason="tool_calls" if tool_calls else "stop"
        )

    def count_prompt_tokens(
        self, spec: ModelSpec, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> int:
        return 0  # nothing is sent anywhere: a replay takes no room and costs nothing

    def count_text_tokens(self, spec: ModelSpec, text: str) -> int:
        return 0

    def count_is_exact(self, tools: list[dict[str, Any]] | None) -> bool:
        return True


PROVIDER = ReplayProvider()
