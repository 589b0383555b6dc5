"""Live token streams: text of a running call published as throttled ``model.token`` messages.

Only transport (``events.publish_transient``), never rows: the final text is in the
task and the ``model_calls`` row. A browser joins the ``delta`` pieces in ``seq`` order;
the message with ``done: true`` closes the stream (with ``error`` set if the attempt failed,
in which case a fallback model may start a new stream with ``seq`` 0 and ``reset: true``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import hot_publish


class TokenStreamer:
    """Collects deltas and publishes at most one message per ``interval_s`` (plus the final one)."""

    def __init__(
        self,
        *,
        model: str,
        interval_s: float,
        project_id: uuid.UUID | None = None,
        task_id: uuid.UUID | None = None,
        agent_id: uuid.UUID | None = None,
        call_key: str | None = None,
        reset: bool = False,
    ) -> None:
        self.model = model
        self.interval_s = interval_s
        self.project_id = project_id
        self._base = {
            "task_id": str(task_id) if task_id else None,
            "agent_id": str(agent_id) if agent_id else None,
            "call_key": call_key,
            "model": model,
        }
        self._pending: list[str] = []
        self._seq = 0
        self._last = 0.0
        self._reset = reset
        self.text: list[str] = []
        self.published = 0

    def feed(self, delta: str) -> None:
        """Called by the provider for each piece of text."""
        if not delta:
            return
        self._pending.append(delta)
        self.text.append(delta)
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._publish(done=False)
            self._last = now

    def close(self, *, error: str | None = None, usage: dict[str, Any] | None = None) -> None:
        """Flush what is pending and mark the stream done (with the call's cost/tokens, if any)."""
        self._publish(done=True, error=error, usage=usage)

    def _publish(self, *, done: bool, error: str | None = None, usage: dict[str, Any] | None = None) -> None:
        if not self._pending and not done:
            return
        payload: dict[str, Any] = {**self._base, "seq": self._seq, "delta": "".join(self._pending), "done": done}
        if error:
            payload["error"] = error
        if usage:
            payload.update(usage)
        if self._reset and self._seq == 0:
            payload["reset"] = True
        self._pending.clear()
        self._seq += 1
        self.published += 1
        hot_publish.publish_transient(EventKind.MODEL_TOKEN, payload, project_id=self.project_id)  # batched in a worker
