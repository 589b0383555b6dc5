"""LangGraph on workload W, on this machine: the anchor ARCHITECTURE.md's engine targets are set against.

    python3 -m venv /tmp/lg && /tmp/lg/bin/pip install -r bench/requirements-langgraph.txt
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        /tmp/lg/bin/python bench/langgraph_anchor.py [--runs 5] [--model-latency 0 0.2] [--durability sync]

Why: the targets (W in 150 ms / 2.05 s) were measured on one machine; machines of this kind differ
(CPU speed varied ~2x between sessions). Running LangGraph's W next to ``bench/engine.py`` on the
same machine shows where Berrys stands against it, whatever the machine.

The graph: W's 200 nodes (20 wide x 10 deep, each node after 2 of the level before, as
``tests.engine.helpers.layered_plan``), each an async "model call" that sleeps ``--model-latency``
and returns its output into the state; LangGraph's PostgreSQL checkpointer (``AsyncPostgresSaver``)
in a scratch database, durability ``sync`` (each step's checkpoint is written before the next step
starts: durable per level; Berrys is durable per task). Its own venv: LangGraph is not a dependency of Berrys.
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.engine import _with_database  # stdlib-only module: importable in LangGraph's venv

WIDTH, DEPTH, FAN_IN = 20, 10, 2


class WState(TypedDict):
    outputs: Annotated[dict[str, str], lambda a, b: {**a, **b}]
    calls: Annotated[int, operator.add]


def _key(level: int, i: int) -> str:
    return f"L{level}T{i}"


def build(latency: float) -> Any:
    """W as a LangGraph StateGraph: a node per task, a join edge from its dependencies."""
    from langgraph.graph import START, StateGraph

    graph = StateGraph(WState)

    def node(key: str, deps: list[str]) -> Any:
        async def run(state: WState) -> dict[str, Any]:
            inputs = " | ".join(state["outputs"].get(dep, "")[:200] for dep in deps)
            if latency:
                await asyncio.sleep(latency)
            return {"outputs": {key: f"{key} done ({len(inputs)} chars in)"}, "calls": 1}

        return run

    for level in range(DEPTH):
        for i in range(WIDTH):
            deps = [] if level == 0 else sorted({_key(level - 1, (i + k) % WIDTH) for k in range(FAN_IN)})
            graph.add_node(_key(level, i), node(_key(level, i), deps))
            if deps:
                graph.add_edge(deps, _key(level, i))  # waits for all of deps
            else:
                graph.add_edge(START, _key(level, i))
    return graph


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-latency", type=float, nargs="+", default=[0.0, 0.2])
    parser.add_argument("--durability", choices=["sync", "async", "exit"], default="sync")
    args = parser.parse_args()

    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = f"berrys_lg_{uuid.uuid4().hex[:8]}"
    url = _with_database(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        async with AsyncPostgresSaver.from_conn_string(url) as saver:
            await saver.setup()
            targets = {0.0: 150.0}
            for latency in args.model_latency:
                app = build(latency).compile(checkpointer=saver)
                walls = []
                for run in range(args.runs + 1):  # the first run warms up
                    config = {"configurable": {"thread_id": uuid.uuid4().hex}, "recursion_limit": 100}
                    started = time.perf_counter()
                    final = await app.ainvoke({"outputs": {}, "calls": 0}, config, durability=args.durability)
                    wall = (time.perf_counter() - started) * 1000
                    assert final["calls"] == WIDTH * DEPTH and len(final["outputs"]) == WIDTH * DEPTH
                    if run:
                        walls.append(wall)
                target = targets.get(latency, DEPTH * latency * 1000 + 50)
                print(
                    f"LangGraph W, model latency {latency * 1000:.0f} ms, durability {args.durability}: "
                    f"median of {args.runs} {statistics.median(walls):8.1f} ms "
                    f"(runs {', '.join(f'{w:.0f}' for w in walls)}); Berrys' target {target:.0f} ms"
                )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
