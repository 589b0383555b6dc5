"""The Trace tab's service on a 500-task project: ``services.trace.project_trace`` time per page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/trace_view.py [--width 25] [--depth 20] [--repeat 20] [--redis-db 11]

Runs a real project (25 x 20 layered DAG, 2 deps each, ``scripted/echo``) on worker processes so
the rows are the ones a run writes (tasks, events, model calls, dependencies), then times the
service for the first page (50 tasks, what the tab shows), a 200-task page (the REST maximum) and
the last page. Median and p95 of ``--repeat`` calls each, in one fresh session per call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine import (  # noqa: E402  (the path above first)
    make_team,
    run_once,
    setup_env,
    start_workers,
    stop_workers,
    wait_for_workers,
    workload,
)
from bench.levels import percentile  # noqa: E402  (the path above first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=25)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=11)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL and REDIS_URL (see the docstring)")
    admin, name = setup_env(args)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"berrys-bench-{name}"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        from sqlalchemy import text
        from sqlmodel import Session

        from berrys_app.db import get_engine
        from berrys_app.services.trace import project_trace

        team_id, actor = make_team()
        procs = start_workers(args.workers, log_dir)
        try:
            wait_for_workers(args.workers)
            run_once(team_id, actor, workload(args.width, args.depth), "scripted/echo", 100)
        finally:
            stop_workers(procs)
        with Session(get_engine()) as session:
            project_id = session.execute(
                text("SELECT project_id FROM tasks GROUP BY project_id ORDER BY count(*) DESC LIMIT 1")
            ).scalar_one()
            counts = session.execute(
                text(
                    "SELECT (SELECT count(*) FROM tasks WHERE project_id = :p), "
                    "(SELECT count(*) FROM events WHERE project_id = :p), "
                    "(SELECT count(*) FROM model_calls WHERE project_id = :p)"
                ),
                {"p": project_id},
            ).one()
        n_tasks = counts[0]
        print(f"project: {counts[0]} tasks, {counts[1]} events, {counts[2]} model calls")
        last_page = -(-n_tasks // 50)
        for label, page, per_page in (
            ("first page, 50 tasks (the tab)", 1, 50),
            ("one page of 200 tasks (REST max)", 1, 200),
            (f"last page ({last_page}) of 50", last_page, 50),
        ):
            times = []
            for _ in range(args.repeat):
                with Session(get_engine()) as session:
                    started = time.perf_counter()
                    view = project_trace(session, actor, project_id, page=page, per_page=per_page)
                    times.append((time.perf_counter() - started) * 1000)
            print(
                f"  {label:34s} median {statistics.median(times):6.1f} ms  p95 {percentile(times, 0.95):6.1f} ms  "
                f"({len(view.spans)} spans, critical path {len(view.critical_path)} tasks)"
            )
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        from tests.probes import dispose_all

        dispose_all()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
