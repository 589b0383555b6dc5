"""``complete()``: every LLM call of Berrys goes through here.

Order of work for one call:
1. ``call_key`` already completed -> return the recorded answer (no provider call).
2. Choose the chain (preferred model + fallbacks with the needed capabilities).
3. For each model: skip an open circuit; refuse a missing key / network in tests /
   a prompt over the window; reserve the worst case against the budgets; call the
   provider under ``asyncio.timeout``; validate structured output (one repair turn).
4. Record every attempt in ``model_calls``: a call in flight is a ``running`` row holding its
   worst case (a reservation), committed before the provider is asked; the answer replaces it in
   its own commit as soon as it arrives, before it is published or used. An in-process provider
   with no budget to hold gets one row, committed with its answer (``run``).

Each model's provider comes from ``registry`` (one ``Provider`` protocol): the in-process
providers (embedded, scripted) are called directly rather than through litellm (litellm's
per-call overhead is milliseconds, ours must stay well under one); every other name goes
through ``litellm.acompletion``. One model's attempt is a ``run.Run``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session

from berrys_app.db import autocommit_engine
from berrys_app.domain.models import ModelCall
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.models import accounting, budgets, selection, structured
from berrys_app.services.models.errors import FALLBACK_REASONS, PROVIDER_FAULTS, ModelError
from berrys_app.services.models.run import Run, with_autocommit
from berrys_app.services.models.schemas import CompletionRequest, CompletionResult
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import Settings, get_settings

_LOOKUP_SQL = text(
    "SELECT (SELECT id FROM model_calls WHERE call_key = :key AND status = 'ok' LIMIT 1) AS replay_id, "
    "p.id AS project_id, p.team_id, p.model, p.budget_usd, p.budget_tokens "
    "FROM (SELECT 1) AS one LEFT JOIN projects p ON p.id = :pid"
)


def _prepare(request: CompletionRequest, settings: Settings) -> tuple[CompletionResult | None, Run, list[ModelSpec]]:
    """Replay lookup, project preference and budgets, and the model chain (one short session)."""
    schema = structured.extract_schema(request.response_format) if request.response_format is not None else None
    if (request.agent_budget_usd is not None or request.agent_budget_tokens is not None) and request.agent_id is None:
        raise ValidationFailed("an agent budget needs agent_id")
    known = request.known_project
    if known is not None and (known.team_id is not None or request.project_id is None):
        return _lookup(
            None, request, settings, schema
        )  # nothing to look up: no connection unless the catalogue must load
    return with_autocommit(lambda conn: _lookup(conn, request, settings, schema))


def _lookup(
    conn: Connection | None, request: CompletionRequest, settings: Settings, schema: dict[str, Any] | None
) -> tuple[CompletionResult | None, Run, list[ModelSpec]]:
    """One round trip: replay hit? the project's team, model and budgets? then the chain (catalogue is cached)."""
    session = Session(bind=conn) if conn is not None else _catalogue_session(settings)
    project: Any = None
    if conn is None:  # the caller read the project (and its team) and vouches that call_key is new
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
    team_id = request.team_id
    if project is not None and project.team_id is not None:
        if team_id not in (None, project.team_id):
            raise ValidationFailed("team_id is not the project's team")
        team_id = project.team_id  # the project's team resolves its model names, never another's
    limits = budgets.Limits(
        project_id=request.project_id if project is not None else None,
        project_usd=project.budget_usd if project is not None else None,
        project_tokens=project.budget_tokens if project is not None else None,
        agent_id=request.agent_id,
        agent_usd=request.agent_budget_usd,
        agent_tokens=request.agent_budget_tokens,
    )
    run = Run(request=request, settings=settings, schema=schema, limits=limits, preferred=preferred)
    try:
        chain = selection.chain_for(session, preferred=preferred, needed=request.needed_capabilities(), team_id=team_id)
    except ModelError as exc:
        run.refuse(preferred, exc, fallback=False)
        rows, run.rows = run.rows, []
        if conn is None:
            with_autocommit(lambda fresh: accounting.insert_rows(fresh, rows))
        else:
            accounting.insert_rows(conn, rows)
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
    engine = autocommit_engine()
    session = getattr(_CATALOGUE_SESSIONS, "session", None)
    if session is None or session.get_bind() is not engine:
        session = _CATALOGUE_SESSIONS.session = Session(bind=engine)
    return session


async def complete(request: CompletionRequest, *, on_reply: Callable[[str], None] | None = None) -> CompletionResult:
    """Run one model call with selection, fallback, budgets, structured output, streaming and accounting.

    ``on_reply``: called with a final answer (no tool calls) as soon as it is received, while its
    row commits (the engine starts dependents ahead with it); the call returns once it committed.

    Raises ``BudgetExceeded`` before calling when the worst case does not fit a budget,
    ``ModelError`` (``.reason``) when no model of the chain could answer, ``ValidationFailed``
    for a bad request, ``NotFound`` for an unknown project.
    """
    started = time.perf_counter()
    settings = get_settings()
    replayed, run, chain = _prepare(request, settings)
    if replayed is not None:
        return replayed
    run.on_reply = on_reply
    states = selection.circuit_states_cached([selection.circuit_name(spec) for spec in chain])
    if chain[0].name != run.preferred:  # chosen by capability: prefer healthy, then recently reliable, then cheap
        chain = selection.by_health(chain, states)
    last_error: ModelError | None = None
    tried: list[dict[str, str]] = []
    try:
        for spec in chain:
            fallback = spec.name != run.preferred
            circuit = selection.circuit_name(spec)
            state = states[circuit]
            if state.state == selection.OPEN or (
                state.state == selection.HALF_OPEN
                and not selection.try_half_open(circuit, call_timeout_s=run.timeout_for(spec))
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
                    selection.release_trial(circuit)
                last_error = refusal
                run.refuse(spec.name, refusal, fallback=fallback)
                tried.append({"model": spec.name, "reason": refusal.reason})
                continue
            try:
                result = await run.on_model(spec, fallback=fallback)
            except ModelError as exc:
                if exc.reason in PROVIDER_FAULTS:
                    selection.record_failure(circuit, state=state)
                elif exc.reason == "malformed_output" and state.state != selection.CLOSED:
                    selection.record_success(circuit)  # it answered: the provider itself is alive
                elif state.state == selection.HALF_OPEN:
                    selection.release_trial(circuit)  # never reached the provider: let another caller try
                last_error = exc
                tried.append({"model": spec.name, "reason": exc.reason})
                if exc.reason in FALLBACK_REASONS:
                    continue
                raise
            if state.failures or state.state != selection.CLOSED:
                selection.record_success(circuit)
            result.latency_ms = (time.perf_counter() - started) * 1000
            return result
        assert last_error is not None
        if len(tried) > 1 and isinstance(last_error.details, dict):
            last_error.details["attempts"] = tried  # every model's reason, not only the last one
        raise last_error
    finally:
        await run.flush()
