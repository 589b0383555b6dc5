"""Overhead of the Prometheus metrics on workload W: metrics on vs off, alternating, one run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/metrics_overhead.py [--runs 5] [--workers 2] [--redis-db 11]

Each round starts the workers with ``BERRYS_METRICS=false``, runs W (zero-latency
``scripted/echo``), stops them, then does the same with ``BERRYS_METRICS=true`` (the workers also
serve their endpoint, ``BERRYS_WORKER_METRICS_PORT``, and are scraped once per run, as Prometheus
would). Prints each run, the medians and their ratio (target: on <= 1.05 x off).
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
        plan = bench.workload(20, 10)
        for round_no in range(args.runs):
            for mode in ("off", "on"):
                port = _free_port()
                os.environ.update(BERRYS_METRICS="true" if mode == "on" else "false")
                os.environ.update(BERRYS_WORKER_METRICS_PORT=str(port) if mode == "on" else "0")
                procs = bench.start_workers(args.workers, log_dir)  # worker i serves on port + i
                try:
                    bench.wait_for_workers(args.workers)
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
