"""Overhead of tracing + metrics together on workload W: everything on vs everything off, side by
side in one run, alternating, medians. Target: on <= 1.05 x off.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/observability_overhead.py [--latencies 0 0.2] [--runs 5] [--workers 2] [--redis-db 15]

Two pools of worker processes run side by side, each on a queue of its own:

- **off**: ``BERRYS_METRICS=false``, no ``OTEL_EXPORTER_OTLP_ENDPOINT`` (no endpoint, no spans);
- **on**: metrics recorded and served (``BERRYS_WORKER_METRICS_PORT``, scraped after each run as
  Prometheus would) and spans exported over OTLP/HTTP to a receiver in this process
  (tests/otlp_receiver.py), batched as in production (the SDK's defaults: every 5 s or 512 spans;
  ``--batch-delay-ms`` sets ``OTEL_BSP_SCHEDULE_DELAY``). Each export is a POST (~1 ms of CPU
  besides the encoding): a short delay on a loaded machine, where W stretches to seconds, posts
  many small batches per run, a cost production's batching does not pay.

Each pool runs a warm-up project, then W (bench/engine.py's ``run_once``) runs on the pools in
ABBA order (off on, on off, ...) for each model latency. A traced run must reach the receiver
(>= 2 spans per task: the attempt and its model call) and the on pool's endpoints must count its
tasks, else the bench fails; the off pool must export nothing. Also printed, load-independent:
the CPU the tracing and metrics calls of one W task cost in this process (``hook_cost_us``).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine import (  # noqa: E402  (the path above first)
    cpu_ms,
    cpu_since,
    make_team,
    postgres_cpu_ms,
    run_once,
    settle_database,
    setup_env,
    stop_workers,
    workload,
)
from berrys_app.db import session_scope  # noqa: E402
from berrys_app.settings import get_settings  # noqa: E402
from tests.otlp_receiver import OtlpReceiver, start_receiver  # noqa: E402

CONDITIONS = ("off", "on")


def _free_port(count: int) -> int:
    """A port ``p`` with ``p .. p + count - 1`` free (worker i serves on ``p + i``)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count < 65536 and all(_is_free(base + i) for i in range(count)):
            return base
    raise SystemExit("no free ports for the workers' metrics")


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def hook_cost_us(n: int = 20_000) -> dict[str, float]:
    """CPU (us) of what one W task adds with everything on, in this process: the metrics hooks
    (task end, one model call), and the tracing calls (attempt span, its context, the model call's
    span, the end) plus the OTLP encoding of those two spans that the exporter thread does."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from berrys_app import tracing
    from berrys_app.observability import metrics

    class Encoding(SpanExporter):
        """The production exporter's encoding (the SDK's), without the HTTP post."""

        def export(self, spans):
            encode_spans(spans).SerializePartialToString()
            return SpanExportResult.SUCCESS

    values = {"status": "ok", "latency_ms": 1.0, "prompt_tokens": 30, "completion_tokens": 12, "cost_usd": 0}
    started = time.process_time()
    for _ in range(n):
        metrics.task_finished("completed", 0.01)
        metrics.model_call("scripted/echo", values)
    metrics_us = (time.process_time() - started) / n * 1e6

    tracing.setup("bench", exporter=Encoding())
    project_id, task_id = uuid.uuid4(), str(uuid.uuid4())
    try:
        started = time.process_time()
        for index in range(n):
            current = tracing.start("task l0-t0", project_id=project_id, attributes={"berrys.task.id": task_id})
            ctx = tracing.context_of(current)
            assert ctx is not None
            now = time.time_ns()
            ctx.run(tracing.record_model_call, "scripted/echo", start_ns=now, end_ns=now + 1000, values=values)
            tracing.end(current, attributes={"berrys.task.outcome": "completed"})
            if index % 500 == 499:  # the processor's thread encodes every span (counted: process time),
                tracing.flush(60_000)  # none dropped from its queue (2048 spans)
        tracing.flush(60_000)
        tracing_us = (time.process_time() - started) / n * 1e6
    finally:
        tracing.shutdown()
    return {"metrics": metrics_us, "tracing": tracing_us}


def start_pool(condition: str, args: argparse.Namespace, log_dir: Path, receiver: OtlpReceiver) -> tuple[list, int]:
    """Worker processes for one condition, on a queue of their own; returns them and the first
    metrics port (0: none)."""
    env = {
        **os.environ,
        "BERRYS_QUEUE_NAME": f"bench:{condition}",
        "BERRYS_RECONCILE_INTERVAL": "60",
        "BERRYS_LOG_LEVEL": "WARNING",
    }
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    port = 0
    if condition == "on":
        port = _free_port(args.workers)
        env.update(
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, BERRYS_METRICS="true", BERRYS_WORKER_METRICS_PORT=str(port)
        )
        if args.batch_delay_ms:
            env["OTEL_BSP_SCHEDULE_DELAY"] = str(args.batch_delay_ms)
    else:
        env.update(BERRYS_METRICS="false", BERRYS_WORKER_METRICS_PORT="0")
    procs = []
    for i in range(args.workers):
        log = open(log_dir / f"{condition}-w{i + 1}.log", "ab")  # noqa: SIM115 - lives as long as the process
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "workers"],
                cwd=ROOT,
                env={**env, "BERRYS_WORKER_ID": f"bench-{condition}-w{i + 1}", "BERRYS_WORKER_INDEX": str(i)},
                stdout=log,
                stderr=log,
            )
        )
    return procs, port


def wait_for_pools(count: int, timeout_s: float = 600.0) -> None:
    """Every worker has beaten once (a loaded machine may take minutes to import four workers)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        with session_scope() as session:
            if session.execute(text("SELECT count(*) FROM worker_heartbeats WHERE NOT stopped")).scalar_one() >= count:
                return
        time.sleep(0.2)
    raise SystemExit("workers did not start")


def latest_project() -> uuid.UUID:
    """W's project (the trace id of its spans)."""
    with session_scope() as session:
        return session.execute(text("SELECT id FROM projects ORDER BY created_at DESC LIMIT 1")).scalar_one()


def use_queue(condition: str) -> None:
    """This process (playing the web process) dispatches the project's jobs to that pool's queue."""
    os.environ["BERRYS_QUEUE_NAME"] = f"bench:{condition}"
    get_settings.cache_clear()


def tasks_counted(port: int, workers: int) -> float:
    """``berrys_tasks_total`` summed over the on pool's endpoints (a scrape, as Prometheus does)."""
    total = 0.0
    for i in range(workers):
        with urllib.request.urlopen(f"http://127.0.0.1:{port + i}/metrics", timeout=10) as response:
            body = response.read().decode()
        total += sum(float(v) for v in re.findall(r"^berrys_tasks_total\{[^}]*\} (\S+)$", body, re.M))
    return total


def model_name(latency: float) -> str:
    return f"scripted/echo-{round(latency * 1000)}ms" if latency > 0 else "scripted/echo"


def one_run(condition: str, latency: float, args, team, name: str, pool: tuple[list, int], receiver) -> dict:
    """Time W on the pool of ``condition`` and check that it recorded (on) or did not (off)."""
    use_queue(condition)
    procs, port = pool
    if settle_database(name):  # autovacuum off: VACUUM ANALYZE, then re-plan outside the timed run
        run_once(*team, workload(4, 3), model_name(latency), args.max_agents)
    n_tasks = args.width * args.depth
    counted = tasks_counted(port, args.workers) if port else 0.0
    done = functools.partial(cpu_since, procs, name, cpu_ms(procs), postgres_cpu_ms(name), n_tasks)
    plan = workload(args.width, args.depth)
    result = run_once(*team, plan, model_name(latency), args.max_agents, on_done=done)
    trace_id = latest_project().hex
    deadline = time.time() + (args.batch_delay_ms or 5000) / 1000 + 5  # the batch processors' next export
    while condition == "on" and len(receiver.of_trace(trace_id)) < n_tasks * 2 and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5 if condition == "on" else 1.0)  # the last spans (the project's root) / any stray export
    result["spans"] = len(receiver.of_trace(trace_id))
    if condition == "on":
        if result["spans"] < n_tasks * 2:  # an attempt and a model call per task
            raise SystemExit(f"on, but the receiver got {result['spans']} spans for {n_tasks} tasks")
        if tasks_counted(port, args.workers) - counted < n_tasks:
            raise SystemExit("on, but the workers' /metrics did not count W's tasks")
    elif result["spans"]:
        raise SystemExit(f"off, but the receiver got {result['spans']} spans")
    return result


def run_latency(latency: float, args, team, name: str, pools: dict, receiver) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {condition: [] for condition in CONDITIONS}
    print(f"\nW: {args.width * args.depth} tasks ({args.width} x {args.depth}), {model_name(latency)}, ABBA order")
    for index in range(args.runs):
        for condition in CONDITIONS if index % 2 == 0 else CONDITIONS[::-1]:
            result = one_run(condition, latency, args, team, name, pools[condition], receiver)
            results[condition].append(result)
            print(
                f"  pair {index + 1:2d} {condition:3s}: W {result['wall_ms']:7.1f} ms, worker CPU/task "
                f"{result['worker_cpu_per_task']:5.2f} ms, spans {result['spans']:4d}, "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    return results


def summary(latency: float, args, results: dict[str, list[dict]]) -> None:
    print(f"\n{model_name(latency)}: medians of {args.runs} runs each")
    for key, what in (("wall_ms", "W wall (execute -> last task)"), ("worker_cpu_per_task", "worker CPU per task")):
        off = statistics.median(r[key] for r in results["off"])
        on = statistics.median(r[key] for r in results["on"])
        print(f"  {what:32s} off {off:8.2f}   on {on:8.2f}   on/off {on / off:6.3f}   target <= 1.05")
    walls = {c: ", ".join(f"{r['wall_ms']:.0f}" for r in results[c]) for c in CONDITIONS}
    print(f"  walls off: {walls['off']}\n  walls on:  {walls['on']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per pool")
    parser.add_argument("--runs", type=int, default=5, help="runs per condition and latency (>= 5 for the target)")
    parser.add_argument("--latencies", type=float, nargs="+", default=[0.0, 0.2], help="seconds per model call")
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--max-agents", type=int, default=50)
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--batch-delay-ms", type=int, default=0, help="OTEL_BSP_SCHEDULE_DELAY (0: the SDK's 5000)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL and REDIS_URL (see the docstring)")
    admin, name = setup_env(args)  # first: it points the settings at a scratch database
    costs = hook_cost_us()
    print(
        f"one W task, CPU in this process: metrics hooks {costs['metrics']:.1f} us, "
        f"tracing (2 spans + their OTLP encoding) {costs['tracing']:.1f} us",
        flush=True,
    )
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"berrys-bench-{name}"
    log_dir.mkdir(parents=True, exist_ok=True)
    receiver = start_receiver()
    pools = {condition: start_pool(condition, args, log_dir, receiver) for condition in CONDITIONS}
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.workers} workers per pool, logs in {log_dir}")
    try:
        team = make_team()
        wait_for_pools(2 * args.workers)
        for condition in CONDITIONS:  # warm-up: connections, caches, plans
            use_queue(condition)
            for latency in args.latencies:
                run_once(*team, workload(4, 3), model_name(latency), args.max_agents)
        for latency in args.latencies:
            summary(latency, args, run_latency(latency, args, team, name, pools, receiver))
    finally:
        for procs, _ in pools.values():
            stop_workers(procs)
        from tests.probes import dispose_all

        dispose_all()
        receiver.server.shutdown()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
