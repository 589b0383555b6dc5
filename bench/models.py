"""Benchmark of the model layer.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/models.py [--calls 500] [--tokens 128] [--runs 3] [--redis-db 13] [--skip-embedded]

Prints, each with its target:
1. calls/s and per-call ms through ``complete()`` with ``scripted/echo`` (bare; and with a
   project + call_key as the agent loop calls it), next to baselines measured in the same run
   (one PostgreSQL INSERT round trip, one Redis round trip), the provider alone and the same
   provider through ``litellm.acompletion`` (why the layer calls in-process providers directly);
2. tokens/s of the embedded SmolLM2 through ``complete()`` vs llama-cpp-python directly
   (same prompt, same max_tokens, same sampling; median of ``--runs``; target ratio >= 0.95).

Creates a scratch database (dropped at the end) and flushes the chosen Redis db.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Write a short story about a robot who learns to paint. Use simple words."


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def setup_env(redis_db: int) -> tuple[str, str]:
    import psycopg
    import redis
    from sqlalchemy import create_engine, pool
    from sqlmodel import SQLModel

    import berrys_app.domain  # noqa: F401
    from berrys_app.settings import normalise_db_url

    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("set DATABASE_URL and REDIS_URL (see the docstring)")
    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = f"berrys_bench_models_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = normalise_db_url(_with_database(admin, name))
    engine = create_engine(db_url, poolclass=pool.NullPool)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    redis_url = f"{os.environ['REDIS_URL'].rsplit('/', 1)[0]}/{redis_db}"
    os.environ.update(DATABASE_URL=db_url, REDIS_URL=redis_url, BERRYS_CHANNEL_NAMESPACE=f"bench-{name}")
    redis.Redis.from_url(redis_url).flushdb()
    return admin, name


def teardown(admin: str, name: str) -> None:
    import psycopg

    from tests.probes import dispose_all

    dispose_all()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _make_project() -> uuid.UUID:
    from berrys_app.db import session_scope
    from berrys_app.domain.accounts import Team
    from berrys_app.domain.projects import Project

    with session_scope() as session:
        team = Team(name="bench")
        session.add(team)
        session.flush()
        project = Project(name="bench", team_id=team.id, model="scripted/echo")
        session.add(project)
        session.flush()
        return project.id


async def in_runtime(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` as a worker's job runs: in a runtime (its async pool, Redis client and publisher)."""
    from berrys_app.engine.runtime import running

    async with running():
        await work


async def bench_echo(calls: int) -> None:
    import litellm

    from berrys_app.services.models import CompletionRequest, complete
    from berrys_app.services.models import scripted as scripted_provider
    from berrys_app.services.models.provider import ProviderCall
    from berrys_app.services.models.registry import builtin_spec

    messages = [{"role": "user", "content": "hello bench"}]
    spec = builtin_spec("scripted/echo")
    assert spec is not None

    async def provider_only() -> None:
        await scripted_provider.generate(ProviderCall(spec=spec, messages=messages, max_tokens=64))

    async def via_litellm() -> None:
        await litellm.acompletion(model="scripted/echo", messages=messages)

    async def layer_bare() -> None:
        await complete(CompletionRequest(model="scripted/echo", messages=messages))

    project_id = _make_project()
    task_id = uuid.uuid4()
    counter = iter(range(10**9))

    async def layer_agent_style() -> None:
        step = next(counter)
        await complete(
            CompletionRequest(
                messages=messages, project_id=project_id, task_id=task_id, call_key=f"task:{task_id}:model:{step}"
            )
        )

    from berrys_app.services.models.schemas import KnownProject

    known = KnownProject(model="scripted/echo", budget_usd=None, budget_tokens=None)

    async def layer_agent_loop() -> None:
        step = next(counter)
        await complete(  # as engine.agent_loop calls it: the lease read the project, the call is
            CompletionRequest(  # committed as a reservation, then as its answer, tokens streamed
                messages=messages,
                project_id=project_id,
                task_id=task_id,
                call_key=f"task:{task_id}:model:{step}",
                known_project=known,
                stream=True,
                fit_context=True,
            )
        )

    from sqlalchemy import text

    from berrys_app.db import autocommit_engine
    from berrys_app.redis_client import sync_redis

    engine = autocommit_engine()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_baseline (id serial primary key, note text)"))

    async def baseline_insert() -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("INSERT INTO bench_baseline (note) VALUES ('x')"))

    async def baseline_redis() -> None:
        sync_redis().ping()

    print(f"== scripted/echo, {calls} sequential calls ==")
    for label, fn in (
        ("baseline: one INSERT round trip", baseline_insert),
        ("baseline: one Redis round trip", baseline_redis),
        ("provider alone", provider_only),
        ("provider via litellm.acompletion", via_litellm),
        ("complete() bare", layer_bare),
        ("complete() project+call_key", layer_agent_style),
        ("complete() as the agent loop calls it", layer_agent_loop),
    ):
        for _ in range(min(20, calls)):  # warm up pools and caches
            await fn()
        started = time.perf_counter()
        for _ in range(calls):
            await fn()
        elapsed = time.perf_counter() - started
        print(f"{label:38s} {calls / elapsed:9.0f} calls/s  {elapsed / calls * 1000:7.3f} ms/call")
    print(
        "target: complete() overhead well under 1 ms/call besides the one model_calls INSERT\n"
        "  bare = 1 Redis (circuit) + 1 INSERT; project+call_key adds 1 SELECT (replay + project in one query);\n"
        "  the agent loop's calls make no round trip here (the completion statement writes the row)"
    )


async def bench_embedded(tokens: int, runs: int) -> None:
    from berrys_app.services.models import CompletionRequest, complete, embedded

    messages = [{"role": "user", "content": PROMPT}]
    loaded = embedded.load("embedded/smollm2")
    llama = loaded.llama

    def direct() -> tuple[int, float]:
        started = time.perf_counter()
        with loaded.thread_lock:
            result = llama.create_chat_completion(messages=messages, max_tokens=tokens, temperature=0.2, seed=1)
        return result["usage"]["completion_tokens"], time.perf_counter() - started

    async def layer() -> tuple[int, float]:
        started = time.perf_counter()
        result = await complete(
            CompletionRequest(model="embedded/smollm2", messages=messages, max_tokens=tokens, temperature=0.2)
        )
        return result.completion_tokens, time.perf_counter() - started

    direct()  # warm up (first call builds caches)
    await layer()
    direct_rates, layer_rates = [], []
    for _ in range(runs):  # interleaved so machine load affects both alike
        count, seconds = direct()
        direct_rates.append(count / seconds)
        count, seconds = await layer()
        layer_rates.append(count / seconds)
    d, lay = statistics.median(direct_rates), statistics.median(layer_rates)
    print(f"== embedded/smollm2, max_tokens={tokens}, median of {runs} ==")
    print(f"llama-cpp-python direct   {d:7.1f} tokens/s")
    print(f"through complete()        {lay:7.1f} tokens/s")
    print(f"ratio layer/direct        {lay / d:7.3f}   (target >= 0.95)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--skip-embedded", action="store_true")
    args = parser.parse_args()
    admin, name = setup_env(args.redis_db)
    try:
        asyncio.run(in_runtime(bench_echo(args.calls)))
        if not args.skip_embedded:
            asyncio.run(in_runtime(bench_embedded(args.tokens, args.runs)))
    finally:
        teardown(admin, name)


if __name__ == "__main__":
    main()
