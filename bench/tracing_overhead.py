"""Tracing overhead on workload W: the same runs with tracing on (OTLP/HTTP export to a local
receiver) and off, alternating in one process, medians side by side. Target: <= 5 %.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/tracing_overhead.py [--workers 2] [--runs 5] [--model-latency 0] [--redis-db 11]

Two pools of worker processes run side by side, each on a queue of its own: one with
``OTEL_EXPORTER_OTLP_ENDPOINT`` set, one without. Each pool runs a warm-up project, then W
(bench/engine.py's ``run_once``) alternates between them. With tracing on, the receiver (tests/otlp_receiver.py, in this process) must have received W's spans -- the bench
fails otherwise, so "on" really exported. Only tracing is switched: the Prometheus metrics of
issue 20 live on another branch (h20-metrics); add their switch here once merged.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import time
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


def start_pool(condition: str, args: argparse.Namespace, log_dir: Path, receiver: OtlpReceiver) -> list:
    """Worker processes for one condition, on a queue of their own (both pools run side by side)."""
    env = {**os.environ, "BERRYS_QUEUE_NAME": f"bench:{condition}", "BERRYS_RECONCILE_INTERVAL": "60"}
    env["BERRYS_LOG_LEVEL"] = "WARNING"
    if condition == "on":
        env.update(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="200")
    procs = []
    for i in range(args.workers):
        log = open(log_dir / f"{condition}-w{i + 1}.log", "ab")  # noqa: SIM115 - lives as long as the process
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "workers"],
                cwd=ROOT,
                env={**env, "BERRYS_WORKER_ID": f"bench-{condition}-w{i + 1}"},
                stdout=log,
                stderr=log,
            )
        )
    return procs


def wait_for_pools(count: int, timeout_s: float = 600.0) -> None:
    """Every worker has beaten once (bench/engine.py's wait wants them all fresh within 3 s at one
    instant, which four workers on a loaded machine may never be)."""
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


def one_run(condition: str, args: argparse.Namespace, team: tuple, model: str, name: str, procs: list, receiver):
    """Time W on the pool of ``condition`` (on/off)."""
    use_queue(condition)
    team_id, actor = team
    if settle_database(name):  # autovacuum off: VACUUM ANALYZE, then re-plan outside the timed run
        run_once(team_id, actor, workload(4, 3), model, args.max_agents)
    n_tasks = args.width * args.depth
    done = functools.partial(cpu_since, procs, name, cpu_ms(procs), postgres_cpu_ms(name), n_tasks)
    result = run_once(team_id, actor, workload(args.width, args.depth), model, args.max_agents, on_done=done)
    time.sleep(1.0)  # the batch processors' last export (every 200 ms)
    result["spans"] = len(receiver.of_trace(latest_project().hex))
    if condition == "on" and result["spans"] < n_tasks * 2:  # an attempt and a model call per task
        raise SystemExit(f"tracing on, but the receiver got {result['spans']} spans for {n_tasks} tasks")
    if condition == "off" and result["spans"]:
        raise SystemExit(f"tracing off, but the receiver got {result['spans']} spans")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5, help="runs per condition (alternating off, on, off, ...)")
    parser.add_argument("--model-latency", type=float, default=0.0, help="seconds per model call (0 = scripted/echo)")
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--max-agents", type=int, default=50)
    parser.add_argument("--redis-db", type=int, default=11)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL and REDIS_URL (see the docstring)")
    admin, name = setup_env(args)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"berrys-bench-{name}"
    log_dir.mkdir(parents=True, exist_ok=True)
    receiver = start_receiver()
    model = f"scripted/echo-{round(args.model_latency * 1000)}ms" if args.model_latency > 0 else "scripted/echo"
    results: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    pools = {condition: start_pool(condition, args, log_dir, receiver) for condition in ("off", "on")}
    try:
        team = make_team()
        wait_for_pools(2 * args.workers)
        for condition in ("off", "on"):  # warm-up: connections, caches, plans
            use_queue(condition)
            run_once(*team, workload(4, 3), model, args.max_agents)
        print(f"W: {args.width * args.depth} tasks ({args.width} x {args.depth}), {model}, {args.workers} workers each")
        for index in range(args.runs * 2):
            condition = ("off", "on")[index % 2]
            result = one_run(condition, args, team, model, name, pools[condition], receiver)
            results[condition].append(result)
            print(
                f"  run {index + 1:2d} tracing {condition:3s}: W {result['wall_ms']:7.1f} ms, worker CPU/task "
                f"{result['worker_cpu_per_task']:5.2f} ms, spans {result['spans']:4d}, load {os.getloadavg()[0]:.2f}"
            )
    finally:
        for procs in pools.values():
            stop_workers(procs)
        from tests.probes import dispose_all

        dispose_all()
        receiver.server.shutdown()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nmedians of {args.runs} runs each:")
    for key, what in (("wall_ms", "W wall (execute -> last task)"), ("worker_cpu_per_task", "worker CPU per task")):
        off = statistics.median(r[key] for r in results["off"])
        on = statistics.median(r[key] for r in results["on"])
        print(f"  {what:32s} off {off:8.2f}   on {on:8.2f}   on/off {on / off:6.3f}   target <= 1.05")
    print(f"  spans exported per traced W: {statistics.median(r['spans'] for r in results['on']):.0f}")


if __name__ == "__main__":
    main()
