"""Garbage-collector settings for the long-running web and worker processes.

The web process holds a large, permanent heap (the compiled Reflex app, SQLAlchemy and
pydantic metadata, route tables). CPython's full (generation 2) collection walks all of it:
measured here, 0.1-0.4 s per pause while serving the task list at c=32 — the whole p99.
Once the app is built, ``gc.freeze()`` moves that heap to the permanent generation, so later
collections walk only what requests allocate; a larger generation-0 threshold makes the young
collections (one per ~700 allocations by default) rarer. Cyclic garbage is still collected.

A worker's startup heap (litellm's tables above all) is as large: a full collection took 0.1 s,
which doubled the wall time of one run of the engine benchmark in three.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 20_000


def settle_heap() -> None:
    """Run once the process is built (a Reflex lifespan task, a worker's startup): collect,
    freeze, raise gen-0."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
