"""``complete()``: every LLM call of Berrys goes through here.

Order of work for one call:
1. ``call_key`` already completed -> return the recorded answer (no provider call).
2. Choose the chain (preferred model + fallbacks with the needed capabilities).
3. For each model: skip an open circuit; refuse a missing key / network in tests /
   a prompt over the window; reserve the worst case against the budgets; call the
   provider under ``asyncio.timeout``; validate structured output (one repair turn).
4. Record every attempt in ``model_calls`` (one INSERT when no budget applies).

The in-process providers (embedded, scripted) are called directly rather than through
litellm: litellm's per-call overhead is milliseconds, ours must stay well under one.
Network providers go through ``litellm.acompletion``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from berrys_app.db import engine_for, get_engine
from berrys_app.domain.common import utcnow
from berrys_app.domain.models import CallStatus, ModelCall
from berrys_app.services import events
from berrys_app.services.errors import BudgetExceeded, NotFound, ValidationFailed
from berrys_app.services.models import accounting, budgets, network, selection, structured, tokens
from berrys_app.services.models.catalogue import ModelSpec
from berrys_app.services.models.errors import FALLBACK_REASONS, PROVIDER_FAULTS, ModelError
from berrys_app.services.models.provider import ProviderCall, ProviderReply
from berrys_app.services.models.schemas import CompletionRequest, CompletionResult
from berrys_app.services.models.streaming import TokenStreamer
from berrys_app.settings import Settings, get_settings

RESERVATION_MARGIN_S = 60.0
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
_LOOKUP_SQL = text(
    "SELECT (SELECT id FROM model_calls WHERE call_key = :key AND status = 'ok' LIMIT 1) AS replay_id, "
    "p.id AS project_id, p.model, p.budget_usd, p.budget_tokens "
    "FROM (SELECT 1) AS one LEFT JOIN projects p ON p.id = :pid"
)


def _with_autocommit(work: Callable[[Connection], T]) -> T:
    """Run ``work`` on an autocommit connection of the no-pre-ping pool (no BEGIN/COMMIT or
    ``SELECT 1`` round trips); a connection found dropped is replaced and ``work`` retried once."""
    engine = engine_for(get_settings().require_database_url(), pre_ping=False)
    for attempt in (1, 2):
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def network_allowed(spec: ModelSpec) -> bool:
    """False in the test session, except for a loopback server the test started (``network.allowed``)."""
    return network.allowed(spec)


async def _generate(call: ProviderCall) -> ProviderReply:
    provider = call.spec.provider
    if provider == "scripted":
        from berrys_app.services.models import scripted

        return await scripted.generate(call)
    if provider == "embedded":
        from berrys_app.services.models import embedded

        return await embedded.generate(call)
    return await network.generate(call)


class _Malformed(Exception):
    def __init__(self, error: str, content: str) -> None:
        super().__init__(error)
        self.error = error
        self.content = content


@dataclass
class _Run:
    """The state of one ``complete()`` call across its attempts."""

    request: CompletionRequest
    settings: Settings
    schema: dict[str, Any] | None
    limits: budgets.Limits
    preferred: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # model_calls rows not yet written
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

    def flush(self) -> None:
        """Write the attempts collected in memory (one transaction)."""
        if self.rows:
            rows = self.rows
            _with_autocommit(lambda conn: accounting.insert_rows(conn, rows))
            self.rows = []

    def timeout_for(self, spec: ModelSpec) -> float:
        return self.request.timeout_s or spec.timeout_s or self.settings.model_timeout_s

    async def call_once(
        self, spec: ModelSpec, messages: list[dict[str, Any]], *, max_tokens: int, prompt_tokens: int, fallback: bool
    ) -> tuple[ProviderReply, uuid.UUID, dict[str, Any] | None]:
        """One provider call: reserve, call under a timeout, validate, account."""
        request = self.request
        row = self.new_row(spec.name, fallback=fallback)
        reservation: ModelCall | None = None
        budgeted = self.limits.any
        timeout = self.timeout_for(spec)
        if budgeted:
            worst_prompt = tokens.worst_prompt_tokens(spec, prompt_tokens, request.tools)  # + margin if estimated
            worst_usd = spec.cost(worst_prompt, max_tokens)
            with Session(get_engine(), expire_on_commit=False) as session:
                try:
                    budgets.reserve(
                        session,
                        row=(reservation := ModelCall(**row)),
                        limits=self.limits,
                        worst_tokens=worst_prompt + max_tokens,
                        worst_usd=worst_usd,
                        ttl_s=timeout + RESERVATION_MARGIN_S,
                    )
                except BudgetExceeded as exc:
                    self.attempt -= 1
                    self.refuse(spec.name, exc, fallback=fallback)
                    self._budget_event(exc)
                    raise
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
        )
        started = time.perf_counter()
        error: ModelError | None = None
        malformed: _Malformed | None = None
        reply: ProviderReply | None = None
        parsed: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(timeout):  # no task of its own, unlike wait_for: one hop less each way
                reply = await _generate(call)
        except TimeoutError:
            error = ModelError("timeout", f"no answer from {spec.name} within {timeout:g} s", model=spec.name)
        except ModelError as exc:
            error = exc
        except Exception as exc:  # a provider bug must still be a specific, recorded error
            error = ModelError("provider_error", f"{type(exc).__name__}: {exc}"[:2000], model=spec.name)
        except asyncio.CancelledError:  # the caller gave up (pause/cancel): release the reservation, then go
            self._finish_row(
                row,
                reservation,
                {
                    "latency_ms": (time.perf_counter() - started) * 1000,
                    "status": CallStatus.error.value,
                    "error": "cancelled",
                    "error_message": "the caller cancelled the call",
                },
            )
            if streamer is not None:
                streamer.close(error="cancelled")
            raise
        latency_ms = (time.perf_counter() - started) * 1000
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
            events.publish_transient("model.usage", {"task_id": task, **usage}, project_id=request.project_id)
        self._finish_row(row, reservation, values)
        if error is not None:
            raise error
        if malformed is not None:
            raise malformed
        assert reply is not None
        return reply, row["id"], parsed

    def _finish_row(self, row: dict[str, Any], reservation: ModelCall | None, values: dict[str, Any]) -> None:
        """Settle a reservation now, or keep the row for the single INSERT at the end."""
        if reservation is not None:
            reserved_tokens, reserved_usd = reservation.reserved_tokens, reservation.reserved_usd
            with Session(get_engine(), expire_on_commit=False) as session:
                session.add(reservation)
                budgets.settle(session, row=reservation, values=values)
                used_tokens = reservation.prompt_tokens + reservation.completion_tokens
                if used_tokens > reserved_tokens or reservation.cost_usd > reserved_usd:
                    self._overrun_event(session, reservation, reserved_tokens, reserved_usd)
        else:
            row.update(values)
            self.rows.append(row)

    def _overrun_event(self, session: Session, row: ModelCall, reserved_tokens: int, reserved_usd: Decimal) -> None:
        """The provider billed more than the worst case that was reserved: say so (budgets may be over)."""
        request = self.request
        events.emit(
            session,
            "model.budget_overrun",
            project_id=request.project_id,
            task_id=request.task_id,
            payload={
                "model": row.model,
                "call_id": str(row.id),
                "agent_id": str(request.agent_id or ""),
                "reserved_tokens": reserved_tokens,
                "used_tokens": row.prompt_tokens + row.completion_tokens,
                "reserved_usd": str(reserved_usd),
                "used_usd": str(row.cost_usd),
            },
        )
        session.commit()

    def _budget_event(self, exc: BudgetExceeded) -> None:
        request = self.request
        with Session(get_engine(), expire_on_commit=False) as session:
            events.emit(
                session,
                "model.budget_exceeded",
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
        if not spec.is_local and not network_allowed(spec):
            return ModelError(
                "network_disabled", f"{spec.name} is a network provider; refused in the test session", model=spec.name
            )
        return None

    async def on_model(self, spec: ModelSpec, *, fallback: bool) -> CompletionResult:
        """Try one model of the chain (with the one repair turn for structured output)."""
        request = self.request
        messages = request.messages
        if spec.provider == "embedded":
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
        from berrys_app.services.models import prompts

        request = self.request
        room = self._room_wanted(spec, prompt_tokens)

        def fit() -> tuple[list[dict[str, Any]], int]:
            fitted = prompts.fit_to_model(
                request.messages, spec=spec, max_tokens=room, tools=request.tools, pin_first=True
            )
            return fitted, tokens.count_prompt_tokens(spec, fitted, request.tools)

        try:
            return await asyncio.to_thread(fit) if spec.provider == "embedded" else fit()
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


def _prepare(request: CompletionRequest, settings: Settings) -> tuple[CompletionResult | None, _Run, list[ModelSpec]]:
    """Replay lookup, project preference and budgets, and the model chain (one short session)."""
    schema = structured.extract_schema(request.response_format) if request.response_format is not None else None
    if (request.agent_budget_usd is not None or request.agent_budget_tokens is not None) and request.agent_id is None:
        raise ValidationFailed("an agent budget needs agent_id")
    if request.known_project is not None:  # nothing to look up: no connection unless the catalogue must load
        return _lookup(None, request, settings, schema)
    return _with_autocommit(lambda conn: _lookup(conn, request, settings, schema))


def _lookup(
    conn: Connection | None, request: CompletionRequest, settings: Settings, schema: dict[str, Any] | None
) -> tuple[CompletionResult | None, _Run, list[ModelSpec]]:
    """One round trip: replay hit? the project's model and budgets? then the chain (catalogue is cached)."""
    session = Session(bind=conn) if conn is not None else _catalogue_session(settings)
    project: Any = None
    if request.known_project is not None:  # the caller read it and vouches that call_key is new
        project = request.known_project
    elif request.call_key or request.project_id:
        found = conn.execute(_LOOKUP_SQL, {"key": request.call_key, "pid": request.project_id}).one()
        if found.replay_id is not None:
            done = session.get(ModelCall, found.replay_id)
            assert done is not None
            return accounting.replay(done), None, []  # type: ignore[return-value]
        if request.project_id is not None:
            if found.project_id is None:
                raise NotFound(f"project {request.project_id} not found")
            project = found
    preferred = request.model or (project.model if project is not None and project.model else None)
    preferred = preferred or settings.default_model
    limits = budgets.Limits(
        project_id=request.project_id if project is not None else None,
        project_usd=project.budget_usd if project is not None else None,
        project_tokens=project.budget_tokens if project is not None else None,
        agent_id=request.agent_id,
        agent_usd=request.agent_budget_usd,
        agent_tokens=request.agent_budget_tokens,
    )
    run = _Run(request=request, settings=settings, schema=schema, limits=limits, preferred=preferred)
    try:
        chain = selection.chain_for(session, preferred=preferred, needed=request.needed_capabilities())
    except ModelError as exc:
        run.refuse(preferred, exc, fallback=False)
        if conn is None:
            run.flush()
        else:
            accounting.insert_rows(conn, run.rows)
        raise
    finally:
        if conn is None and session.in_transaction():
            session.close()  # only connected if the catalogue had to load; the session stays usable
    return None, run, chain


_CATALOGUE_SESSIONS = threading.local()


def _catalogue_session(settings: Settings) -> Session:
    """This thread's session for catalogue reads when nothing else needs a connection (the agent
    loop's calls): the catalogue is cached, so it is used only to load it now and then, and
    building and closing a Session per call cost as much as the rest of the lookup."""
    engine = engine_for(settings.require_database_url(), pre_ping=False)
    session = getattr(_CATALOGUE_SESSIONS, "session", None)
    if session is None or session.get_bind() is not engine:
        session = _CATALOGUE_SESSIONS.session = Session(bind=engine)
    return session


async def complete(request: CompletionRequest) -> CompletionResult:
    """Run one model call with selection, fallback, budgets, structured output, streaming and accounting.

    Raises ``BudgetExceeded`` before calling when the worst case does not fit a budget,
    ``ModelError`` (``.reason``) when no model of the chain could answer, ``ValidationFailed``
    for a bad request, ``NotFound`` for an unknown project.
    """
    started = time.perf_counter()
    settings = get_settings()
    replayed, run, chain = _prepare(request, settings)
    if replayed is not None:
        return replayed
    states = selection.circuit_states_cached([spec.name for spec in chain])
    if chain[0].name != run.preferred:  # chosen by capability: prefer healthy, then recently reliable, then cheap
        chain = selection.by_health(chain, states)
    last_error: ModelError | None = None
    tried: list[dict[str, str]] = []
    try:
        for spec in chain:
            fallback = spec.name != run.preferred
            state = states[spec.name]
            if state.state == selection.OPEN or (
                state.state == selection.HALF_OPEN
                and not selection.try_half_open(spec.name, call_timeout_s=run.timeout_for(spec))
            ):
                last_error = ModelError(
                    "circuit_open", f"{spec.name} failed repeatedly; skipped until its cooldown ends", model=spec.name
                )
                run.refuse(spec.name, last_error, fallback=fallback)
                tried.append({"model": spec.name, "reason": "circuit_open"})
                continue
            refusal = run.preflight(spec)
            if refusal is not None:
                if state.state == selection.HALF_OPEN:
                    selection.release_trial(spec.name)
                last_error = refusal
                run.refuse(spec.name, refusal, fallback=fallback)
                tried.append({"model": spec.name, "reason": refusal.reason})
                continue
            try:
                result = await run.on_model(spec, fallback=fallback)
            except ModelError as exc:
                if exc.reason in PROVIDER_FAULTS:
                    selection.record_failure(spec.name, state=state)
                elif exc.reason == "malformed_output" and state.state != selection.CLOSED:
                    selection.record_success(spec.name)  # it answered: the provider itself is alive
                elif state.state == selection.HALF_OPEN:
                    selection.release_trial(spec.name)  # never reached the provider: let another caller try
                last_error = exc
                tried.append({"model": spec.name, "reason": exc.reason})
                if exc.reason in FALLBACK_REASONS:
                    continue
                raise
            if state.failures or state.state != selection.CLOSED:
                selection.record_success(spec.name)
            result.latency_ms = (time.perf_counter() - started) * 1000
            if request.defer_record:
                result.pending_rows, run.rows = run.rows, []
            return result
        assert last_error is not None
        if len(tried) > 1 and isinstance(last_error.details, dict):
            last_error.details["attempts"] = tried  # every model's reason, not only the last one
        raise last_error
    finally:
        run.flush()
