"""Choosing models for a call: preference, capabilities, cost, and a per-model circuit breaker.

Chain = the preferred model, then its catalogue ``fallbacks`` (in order), keeping only
models that have every capability the call needs; if none qualifies, the cheapest
active catalogue models that do. The service walks the chain in order, skipping models whose circuit
is open.

Circuit breaker (state in Redis, shared by every process): after
``circuit_failure_threshold`` consecutive provider faults a model is *open* for
``circuit_cooldown_s``: calls skip it at no cost. After the cooldown it is *half-open*:
exactly one caller gets a trial call; success closes it, failure opens it again.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlmodel import Session

from berrys_app.keys import CIRCUIT_PREFIX
from berrys_app.redis_client import sync_redis
from berrys_app.services.models import catalogue
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import get_settings

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def _key(model: str) -> str:
    return f"{CIRCUIT_PREFIX}{model}"


@dataclass
class CircuitState:
    model: str
    state: str = CLOSED
    failures: int = 0
    opened_until: float = 0.0


def circuit_states(models: list[str]) -> dict[str, CircuitState]:
    """Current breaker state of each model (one Redis round trip)."""
    if not models:
        return {}
    client = sync_redis()
    if len(models) == 1:  # the usual case: skip the pipeline machinery
        replies = [client.hmget(_key(models[0]), "failures", "opened_until")]
    else:
        pipe = client.pipeline(transaction=False)
        for model in models:
            pipe.hmget(_key(model), "failures", "opened_until")
        replies = pipe.execute()
    now = time.time()
    states: dict[str, CircuitState] = {}
    for model, (failures, opened_until) in zip(models, replies, strict=True):
        state = CircuitState(model=model, failures=int(failures or 0), opened_until=float(opened_until or 0))
        if state.opened_until:
            state.state = OPEN if now < state.opened_until else HALF_OPEN
        states[model] = state
    return states


_CLOSED_SEEN: dict[str, float] = {}


def circuit_states_cached(models: list[str]) -> dict[str, CircuitState]:
    """``circuit_states`` for the call path: a circuit this process read as closed, without failures,
    less than ``circuit_closed_cache_s`` (Settings) ago is taken as still closed without a round trip (a busy worker
    made one per model call). Another process opening it is seen that much later; this process's
    own failures and successes forget the entry at once."""
    now = time.monotonic()
    trust_s = get_settings().circuit_closed_cache_s
    if all(now - _CLOSED_SEEN.get(model, -trust_s) < trust_s for model in models):
        return {model: CircuitState(model=model) for model in models}
    states = circuit_states(models)
    for model, state in states.items():
        if state.state == CLOSED and not state.failures:
            _CLOSED_SEEN[model] = now
        else:
            _CLOSED_SEEN.pop(model, None)
    return states


def try_half_open(model: str, *, call_timeout_s: float) -> bool:
    """Claim the single trial call of a half-open circuit; False if another caller has it.

    The claim lasts as long as the trial call may (its timeout), so a slow trial is not joined
    by a second one; the outcome deletes it.
    """
    ttl_ms = int(max(call_timeout_s, get_settings().circuit_cooldown_s) * 1000) + 1000
    return bool(sync_redis().set(f"{_key(model)}:trial", "1", nx=True, px=ttl_ms))


def release_trial(model: str) -> None:
    """Give back a half-open trial that never reached the provider."""
    sync_redis().delete(f"{_key(model)}:trial")


def record_failure(model: str, *, state: CircuitState | None = None) -> str:
    """Count a provider fault; returns the new state."""
    _CLOSED_SEEN.pop(model, None)
    settings = get_settings()
    client = sync_redis()
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(_key(model), "failures", 1)
    pipe.delete(f"{_key(model)}:trial")
    failures = int(pipe.execute()[0])
    was_trial = state is not None and state.state == HALF_OPEN
    if was_trial or failures >= settings.circuit_failure_threshold:
        client.hset(_key(model), "opened_until", repr(time.time() + settings.circuit_cooldown_s))
        return OPEN
    return CLOSED


def record_success(model: str) -> None:
    """Close the circuit (forget failures)."""
    _CLOSED_SEEN.pop(model, None)
    sync_redis().delete(_key(model), f"{_key(model)}:trial")


def circuit_name(spec: ModelSpec) -> str:
    """The breaker's name for a model: a team's own entry has its own (two teams' entries of one name
    are different endpoints: one failing must not skip the other)."""
    return spec.name if spec.team_id is None else f"{spec.name}@{spec.team_id}"


def chain_for(
    session: Session, *, preferred: str, needed: set[str], team_id: uuid.UUID | None = None
) -> list[ModelSpec]:
    """The models to try, in order, as ``team_id`` resolves their names (may raise
    ``ModelError(unknown_model)`` for the preferred one)."""
    first = catalogue.resolve(session, preferred, team_id)
    chain: list[ModelSpec] = []
    seen: set[str] = set()
    for name in (first.name, *first.fallbacks):
        if name in seen:
            continue
        seen.add(name)
        try:
            spec = first if name == first.name else catalogue.resolve(session, name, team_id)
        except ModelError:
            continue  # a deactivated/unknown fallback is skipped, not fatal
        if needed <= spec.capabilities:
            chain.append(spec)
    if not chain:
        capable = [s for s in catalogue.active_models(session) if needed <= s.capabilities and s.name not in seen]
        capable.sort(key=lambda s: (s.input_price + s.output_price, s.name))
        chain = capable
    if not chain:
        raise ModelError(
            "unknown_model",
            f"no active model offers {sorted(needed)} (preferred {preferred!r} has {sorted(first.capabilities)})",
            model=preferred,
        )
    return chain


def by_health(chain: list[ModelSpec], states: dict[str, CircuitState]) -> list[ModelSpec]:
    """Closed circuits first, then fewer recent failures; the chain's cost order breaks ties."""
    return sorted(
        chain, key=lambda spec: (states[circuit_name(spec)].state != CLOSED, states[circuit_name(spec)].failures)
    )
