"""Overhead of the Prometheus metrics on workload W: metrics on vs off, alternating, one run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/metrics_overhead.py [--runs 5] [--workers 2] [--redis-db 11]

Each round starts the workers with ``BERRYS_METRICS=false``, runs W (zero-latency
``scripted/echo``), stops them, then does the same with ``BERRYS_METRICS=true`` (the workers also
serve their endpoint, ``BERRYS_WORKER_METRICS_PORT``, and are scraped once per run, as Prometheus
would). Prints the CPU cost of the hooks one task runs, each run, the medians and their ratio (target:
on <= 1.05 x off).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine as bench  # bench/engine.py: the same workload, setup and figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hook_cost_us(n: int = 200_000) -> float:
    """CPU cost of the hooks one W task runs (its end, one model call), in microseconds: a figure
    the machine's load barely moves, unlike the wall times."""
    import time

    from berrys_app.observability import metrics

    values = {"status": "ok", "latency_ms": 1.0, "prompt_tokens": 30, "completion_tokens": 12, "cost_usd": 0}
    started = time.process_time()
    for _ in range(n):
        metrics.task_finished("completed", 0.01)
        metrics.model_call("scripted/echo", values)
    return (time.process_time() - started) / n * 1e6


def _start(count: int, log_dir: Path) -> list:
    """Workers up and beating; a loaded machine may need several minutes to import them."""
    procs = bench.start_workers(count, log_dir)
    for _ in range(4):
        try:
            bench.wait_for_workers(count)
            return procs
        except SystemExit:
            if any(proc.poll() is not None for proc in procs):
                break
    bench.stop_workers(procs)
    raise SystemExit("workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--max-agents", type=int, default=50)
    args = parser.parse_args()
    admin, name = bench.setup_env(args)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"berrys-bench-{name}"
    log_dir.mkdir(parents=True, exist_ok=True)
    walls: dict[str, list[float]] = {"off": [], "on": []}
    try:
        team_id, actor = bench.make_team()
        print(f"hooks of one W task (task end + model call): {hook_cost_us():.2f} us CPU", flush=True)
        plan = bench.workload(20, 10)
        for round_no in range(args.runs):
            for mode in ("off", "on"):
                port = _free_port()
                os.environ.update(BERRYS_METRICS="true" if mode == "on" else "false")
                os.environ.update(BERRYS_WORKER_METRICS_PORT=str(port) if mode == "on" else "0")
                procs = _start(args.workers, log_dir)  # worker i serves on port + i
                try:
                    bench.run_once(team_id, actor, bench.workload(4, 3), "scripted/echo", args.max_agents)
                    bench.settle_database(name)
                    result = bench.run_once(team_id, actor, plan, "scripted/echo", args.max_agents)
                    if mode == "on":
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                            assert b"berrys_tasks_total" in response.read()
                finally:
                    bench.stop_workers(procs)
                walls[mode].append(result["wall_ms"])
                print(f"round {round_no + 1} metrics {mode:3}: {result['wall_ms']:7.1f} ms", flush=True)
        off, on = statistics.median(walls["off"]), statistics.median(walls["on"])
        print(
            f"\nW zero-latency, {args.workers} workers, medians of {args.runs} (load average {os.getloadavg()[0]:.2f}):"
        )
        print(f"  metrics off {off:7.1f} ms   ({', '.join(f'{w:.0f}' for w in walls['off'])})")
        print(f"  metrics on  {on:7.1f} ms   ({', '.join(f'{w:.0f}' for w in walls['on'])})")
        print(f"  on / off    {on / off:7.3f}      target <= 1.05")
    finally:
        from tests.probes import dispose_all

        dispose_all()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
