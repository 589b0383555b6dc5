"""One ``complete()`` call's attempts: reserve (against budgets, if any), call the provider under
a timeout, validate structured output (one repair turn), fit the prompt to the window.

Every provider call is a ``model_calls`` row committed before the request leaves (``running``,
holding its worst case) and settled in its own commit the moment the answer (or error) is in,
before the answer is published or returned: a worker killed after that replays it, a worker
killed before leaves a reservation the reconciler settles as spent. An in-process provider
(``Provider.local``) with no budget to hold sends no request anywhere: its row is written once,
with the answer, in the same place (a killed attempt served no one and billed nothing). Both
writes run on the event loop's async pool (``db.aio``: prepared statements, one commit each).
Refusals (no provider call) are collected and written with the next write.

``service.complete`` chooses the chain and the circuit breaker; a ``Run`` tries one model of it.
The provider comes from ``registry``: no provider is named here.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlmodel import Session

from berrys_app import tracing
from berrys_app.db import autocommit_engine, get_engine, retry_if_dropped
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.models import CallStatus
from berrys_app.observability import metrics
from berrys_app.services import events
from berrys_app.services.errors import BudgetExceeded, ValidationFailed
from berrys_app.services.models import accounting, budgets, network, prompts, structured, tokens
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply
from berrys_app.services.models.registry import provider_for
from berrys_app.services.models.schemas import CompletionRequest, CompletionResult
from berrys_app.services.models.spec import ModelSpec
from berrys_app.services.models.streaming import TokenStreamer
from berrys_app.settings import Settings

T = TypeVar("T")
_ROW_DEFAULTS: dict[str, Any] = {
    "status": CallStatus.ok.value,
    "error": None,
    "error_message": None,
    "prompt_tokens": 0,
    "completion_tokens": 0,
    "cost_usd": Decimal(0),
    "reserved_tokens": 0,
    "reserved_usd": Decimal(0),
    "reserved_until": None,
    "latency_ms": 0.0,
    "content": None,
    "parsed": None,
}
_CANCELLED = {"status": CallStatus.error.value, "error": "cancelled", "error_message": "the caller cancelled the call"}


@retry_if_dropped
def with_autocommit(work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a connection of the autocommit pool (no BEGIN/COMMIT or ``SELECT 1`` round
    trips); a connection found dropped is replaced and ``work`` retried once (``db.retry``)."""
    with autocommit_engine().connect() as conn:
        return work(conn)


async def _durably(write: Awaitable[None]) -> None:
    """Run a write to its end even if the caller is cancelled meanwhile (the row must say what
    happened: a cancelled statement may or may not have committed), then pass the cancel on."""
    task = asyncio.ensure_future(write)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # retrieved: a failed write is the cancelled caller's loss, not an unheard error
        raise


class _Malformed(Exception):
    def __init__(self, error: str, content: str) -> None:
        super().__init__(error)
        self.error = error
        self.content = content


@dataclass
class Run:
    """The state of one ``complete()`` call across its attempts."""

    request: CompletionRequest
    settings: Settings
    schema: dict[str, Any] | None
    limits: budgets.Limits
    preferred: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # model_calls rows not yet written
    # told a final answer (no tool calls, valid) while its row commits: ``service.complete``
    on_reply: Callable[[str], None] | None = None
    attempt: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)

    def new_row(self, spec_name: str, *, fallback: bool) -> dict[str, Any]:
        """A ``model_calls`` row as a plain dict (building SQLModel objects costs ~0.3 ms each)."""
        self.attempt += 1
        request = self.request
        return {
            **_ROW_DEFAULTS,
            "id": uuid.uuid4(),
            "created_at": utcnow(),
            "call_key": request.call_key,
            "project_id": request.project_id,
            "task_id": request.task_id,
            "agent_id": request.agent_id,
            "model": spec_name[:200],
            "attempt": self.attempt,
            "fallback_used": fallback,
            "tool_calls": [],
        }

    def refuse(self, spec_name: str, error: ModelError | BudgetExceeded, *, fallback: bool) -> None:
        row = self.new_row(spec_name, fallback=fallback)
        row.update(
            status=CallStatus.refused.value,
            error=getattr(error, "reason", None) or error.code,
            error_message=error.message[:4000],
        )
        self.rows.append(row)
        metrics.model_refused(spec_name, row["error"])

    async def flush(self) -> None:
        """Write the attempts collected in memory (one transaction)."""
        if self.rows:
            rows, self.rows = self.rows, []
            await _durably(accounting.insert_rows_async(rows))

    def timeout_for(self, spec: ModelSpec) -> float:
        return self.request.timeout_s or spec.timeout_s or self.settings.model_timeout_s

    async def call_once(
        self, spec: ModelSpec, messages: list[dict[str, Any]], *, max_tokens: int, prompt_tokens: int, fallback: bool
    ) -> tuple[ProviderReply, uuid.UUID, dict[str, Any] | None]:
        """One provider call: reserve, call under a timeout, validate, account."""
        request = self.request
        row = self.new_row(spec.name, fallback=fallback)
        timeout = self.timeout_for(spec)
        worst_prompt = tokens.worst_prompt_tokens(spec, prompt_tokens, request.tools)  # + margin if estimated
        worst_tokens, worst_usd = worst_prompt + max_tokens, spec.cost(worst_prompt, max_tokens)
        ttl_s = timeout + self.settings.model_reservation_margin_s
        # a reservation records a request that leaves the process and holds a budget's worst case;
        # an in-process provider (scripted, embedded, replay) with no budget needs neither: a killed
        # attempt served no one and billed nothing, so its row is written once, with the outcome
        pending: list[dict[str, Any]] = []
        if provider_for(spec).local and not self.limits.any:
            pending, self.rows = self.rows, []
        else:
            await self._reserve(row, worst_tokens=worst_tokens, worst_usd=worst_usd, ttl_s=ttl_s, fallback=fallback)
        streamer = None
        if request.stream:
            streamer = TokenStreamer(
                model=spec.name,
                interval_s=self.settings.stream_interval_s,
                project_id=request.project_id,
                task_id=request.task_id,
                agent_id=request.agent_id,
                call_key=request.call_key,
                reset=self.attempt > 1,
            )
        call = ProviderCall(
            spec=spec,
            messages=messages,
            max_tokens=max_tokens,
            tools=request.tools,
            schema=self.schema,
            temperature=request.temperature,
            on_delta=streamer.feed if streamer else None,
            call_key=request.call_key,
        )
        started, started_ns = time.perf_counter(), time.time_ns()
        error: ModelError | None = None
        malformed: _Malformed | None = None
        reply: ProviderReply | None = None
        parsed: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(timeout):  # no task of its own, unlike wait_for: one hop less each way
                reply = await provider_for(spec).generate(call)
        except TimeoutError:
            error = ModelError("timeout", f"no answer from {spec.name} within {timeout:g} s", model=spec.name)
        except ModelError as exc:
            error = exc
        except Exception as exc:  # a provider bug must still be a specific, recorded error
            error = ModelError("provider_error", f"{type(exc).__name__}: {exc}"[:2000], model=spec.name)
        except asyncio.CancelledError:  # the caller gave up (pause/cancel): release the reservation, then go
            await self._finish_row(row, {"latency_ms": (time.perf_counter() - started) * 1000, **_CANCELLED}, pending)
            if streamer is not None:
                streamer.close(error="cancelled")
            raise
        latency_ms, answered_ns = (time.perf_counter() - started) * 1000, time.time_ns()
        values: dict[str, Any] = {"latency_ms": latency_ms}
        if reply is not None:
            cost = spec.cost(reply.prompt_tokens, reply.completion_tokens)
            values.update(
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                cost_usd=cost,
                content=reply.content,
                tool_calls=reply.tool_calls,
                status=CallStatus.ok.value,
            )
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
            self.cost += cost
            if self.schema is not None and not reply.tool_calls:
                try:
                    parsed = structured.parse_and_validate(reply.content, self.schema)
                    values["parsed"] = parsed
                except structured.InvalidOutput as exc:
                    malformed = _Malformed(str(exc), reply.content)
                    values.update(status=CallStatus.error.value, error="malformed_output", error_message=str(exc))
        else:
            assert error is not None
            values.update(status=CallStatus.error.value, error=error.reason, error_message=error.message[:4000])
        # durable before the answer is used: its write starts now, and the call returns once it
        # committed. Meanwhile ``on_reply`` may start dependents' model calls ahead of their
        # leases (``engine.speculation``): their leases, tools and completions come only after
        # this row's task completes, and a call they make for an answer a crash loses is keyed by
        # that answer, never replayed for another. W with 200 ms calls: the commit (~4 ms on a
        # busy worker loop) left each level's critical path (docs/architecture.md).
        writing = asyncio.ensure_future(self._finish_row(row, values, pending))
        if self.on_reply is not None and reply is not None and not (error or malformed or reply.tool_calls):
            self.on_reply(reply.content)
        await _durably(writing)
        # live cost for the dashboard: on the stream's closing message, else one transient message
        usage = (
            {"cost_usd": float(values["cost_usd"]), "tokens": reply.prompt_tokens + reply.completion_tokens}
            if reply is not None
            else None
        )
        if streamer is not None:
            streamer.close(error=error.reason if error else ("malformed_output" if malformed else None), usage=usage)
        elif usage is not None and request.project_id is not None:
            task = str(request.task_id) if request.task_id else None
            events.publish_transient(EventKind.MODEL_USAGE, {"task_id": task, **usage}, project_id=request.project_id)
        metrics.model_call(spec.name, values)
        tracing.record_model_call(
            spec.name,
            start_ns=started_ns,
            end_ns=answered_ns,  # the provider's call, not its row's commit (a dependent may start before that)
            values=values,
            finish_reason=reply.finish_reason if reply else None,
        )
        if error is not None:
            raise error
        if malformed is not None:
            raise malformed
        assert reply is not None
        return reply, row["id"], parsed

    async def _reserve(
        self, row: dict[str, Any], *, worst_tokens: int, worst_usd: Decimal, ttl_s: float, fallback: bool
    ) -> None:
        """Commit ``row`` as the call's reservation (checked against the budgets, if any) before
        the request leaves; the refusals collected so far go with it."""
        row.update(budgets.reservation(worst_tokens=worst_tokens, worst_usd=worst_usd, ttl_s=ttl_s))
        rows, self.rows = [*self.rows, row], []
        if self.limits.any:  # checked and reserved in one transaction
            reserve = budgets.reserve(rows, self.limits, worst_tokens=worst_tokens, worst_usd=worst_usd)
        else:  # no budget to check: the reservation is only the record of a call in flight
            reserve = accounting.insert_rows_async(rows)
        try:
            await _durably(reserve)
        except BudgetExceeded as exc:
            self.attempt -= 1
            self.rows = rows[:-1]
            self.refuse(row["model"], exc, fallback=fallback)
            await asyncio.to_thread(self._budget_event, exc)
            raise
        except asyncio.CancelledError:  # stopped before the request left: the row says so, nothing spent
            row.update(_CANCELLED, latency_ms=0.0)
            await _durably(accounting.settle_row(row))  # a no-op if the reservation never landed
            raise

    async def _finish_row(self, row: dict[str, Any], values: dict[str, Any], pending: list[dict[str, Any]]) -> None:
        """Write the call's outcome: one commit, now (a cancel waits for it). A reserved call's row
        is settled; an unreserved one (in-process, ``pending``: the refusals before it) inserted."""
        reserved_tokens, reserved_usd, reserved = row["reserved_tokens"], row["reserved_usd"], row["reserved_until"]
        row.update(values)
        if reserved is None:
            await _durably(accounting.insert_rows_async([*pending, row]))
            return
        await _durably(accounting.settle_row(row))
        used_tokens = row["prompt_tokens"] + row["completion_tokens"]
        if self.limits.any and (used_tokens > reserved_tokens or row["cost_usd"] > reserved_usd):
            await asyncio.to_thread(self._overrun_event, row, reserved_tokens, reserved_usd)

    def _overrun_event(self, row: dict[str, Any], reserved_tokens: int, reserved_usd: Decimal) -> None:
        """The provider billed more than the worst case that was reserved: say so (budgets may be over)."""
        request = self.request
        with Session(get_engine(), expire_on_commit=False) as session:
            events.emit(
                session,
                EventKind.MODEL_BUDGET_OVERRUN,
                project_id=request.project_id,
                task_id=request.task_id,
                payload={
                    "model": row["model"],
                    "call_id": str(row["id"]),
                    "agent_id": str(request.agent_id or ""),
                    "reserved_tokens": reserved_tokens,
                    "used_tokens": row["prompt_tokens"] + row["completion_tokens"],
                    "reserved_usd": str(reserved_usd),
                    "used_usd": str(row["cost_usd"]),
                },
            )
            session.commit()

    def _budget_event(self, exc: BudgetExceeded) -> None:
        request = self.request
        with Session(get_engine(), expire_on_commit=False) as session:
            events.emit(
                session,
                EventKind.MODEL_BUDGET_EXCEEDED,
                project_id=request.project_id,
                task_id=request.task_id,
                payload={"message": exc.message, **(exc.details or {}), "agent_id": str(request.agent_id or "")},
            )
            accounting.insert_rows(session.connection(), self.rows)
            session.commit()
        self.rows = []

    def preflight(self, spec: ModelSpec) -> ModelError | None:
        """Refusals that need no provider call."""
        if spec.api_key_env and not os.environ.get(spec.api_key_env):
            return ModelError(
                "missing_api_key", f"{spec.name} needs the environment variable {spec.api_key_env}", model=spec.name
            )
        if not provider_for(spec).local and not network.allowed(spec):
            return ModelError(
                "network_disabled", f"{spec.name} is a network provider; refused in the test session", model=spec.name
            )
        return None

    async def on_model(self, spec: ModelSpec, *, fallback: bool) -> CompletionResult:
        """Try one model of the chain (with the one repair turn for structured output)."""
        request = self.request
        messages = request.messages
        if provider_for(spec).blocking:
            prompt_tokens = await asyncio.to_thread(tokens.count_prompt_tokens, spec, messages, request.tools)
        else:
            prompt_tokens = tokens.count_prompt_tokens(spec, messages, request.tools)
        trimmed = False
        if request.fit_context and self._room_wanted(spec, prompt_tokens) + prompt_tokens > spec.context_window:
            messages, prompt_tokens = await self._fit_messages(spec, prompt_tokens, fallback=fallback)
            trimmed = True
        max_tokens = self._max_tokens(spec, prompt_tokens, fallback=fallback)
        try:
            reply, call_id, parsed = await self.call_once(
                spec, messages, max_tokens=max_tokens, prompt_tokens=prompt_tokens, fallback=fallback
            )
        except _Malformed as bad:
            assert self.schema is not None
            messages = structured.repair_messages(
                messages, bad_content=bad.content, error=bad.error, schema=self.schema
            )
            prompt_tokens = tokens.count_prompt_tokens(spec, messages, request.tools)
            max_tokens = self._max_tokens(spec, prompt_tokens, fallback=fallback)
            try:
                reply, call_id, parsed = await self.call_once(
                    spec, messages, max_tokens=max_tokens, prompt_tokens=prompt_tokens, fallback=fallback
                )
            except _Malformed as again:
                raise ModelError(
                    "malformed_output",
                    f"{spec.name} gave invalid structured output twice: {again.error}",
                    model=spec.name,
                ) from None
        return CompletionResult(
            content=reply.content,
            tool_calls=reply.tool_calls,
            parsed=parsed,
            model=spec.name,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=float(self.cost),
            fallback_used=fallback,
            call_id=call_id,
            finish_reason=reply.finish_reason,
            context_trimmed=trimmed,
        )

    def _room_wanted(self, spec: ModelSpec, prompt_tokens: int) -> int:
        """The room a fitted prompt leaves: ``max_tokens`` (else a share of the window), plus the
        estimate margin when the prompt count is not exact (an under-count must still fit)."""
        wanted = self.request.max_tokens
        room = wanted if wanted is not None else min(spec.max_output_tokens, spec.context_window // 2)
        return room + tokens.worst_prompt_tokens(spec, prompt_tokens, self.request.tools) - prompt_tokens

    async def _fit_messages(
        self, spec: ModelSpec, prompt_tokens: int, *, fallback: bool
    ) -> tuple[list[dict[str, Any]], int]:
        """The request's messages trimmed to ``spec``'s window, and their token count.

        A prompt that cannot be made to fit (the system messages alone are too long, or
        ``max_tokens`` leaves no room) is a recorded ``context_overflow``: trimming cannot help.
        """
        request = self.request
        room = self._room_wanted(spec, prompt_tokens)

        def fit() -> tuple[list[dict[str, Any]], int]:
            fitted = prompts.fit_to_model(
                request.messages, spec=spec, max_tokens=room, tools=request.tools, pin_first=True
            )
            return fitted, tokens.count_prompt_tokens(spec, fitted, request.tools)

        try:
            return await asyncio.to_thread(fit) if provider_for(spec).blocking else fit()
        except ValidationFailed as exc:
            error = ModelError(
                "context_overflow",
                f"the prompt cannot be trimmed to the {spec.context_window}-token window of {spec.name} "
                f"with {room} tokens left for the answer: {exc.message}",
                model=spec.name,
                details={"trimmed": True},
            )
            self.refuse(spec.name, error, fallback=fallback)
            raise error from None

    def _max_tokens(self, spec: ModelSpec, prompt_tokens: int, *, fallback: bool) -> int:
        """The completion limit sent to the provider (and used for the worst case); records an overflow."""
        try:
            return self._fit(spec, prompt_tokens)
        except ModelError as exc:
            self.refuse(spec.name, exc, fallback=fallback)
            raise

    def _fit(self, spec: ModelSpec, prompt_tokens: int) -> int:
        room = spec.context_window - prompt_tokens
        wanted = self.request.max_tokens
        if wanted is not None:
            if wanted > room:
                raise ModelError(
                    "context_overflow",
                    f"prompt of {prompt_tokens} tokens + max_tokens {wanted} exceeds the {spec.context_window}-token "
                    f"window of {spec.name}",
                    model=spec.name,
                )
            return wanted
        if room < 1:
            raise ModelError(
                "context_overflow",
                f"prompt of {prompt_tokens} tokens does not fit the {spec.context_window}-token window of {spec.name}",
                model=spec.name,
            )
        return min(spec.max_output_tokens, room)
