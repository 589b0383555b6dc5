"""Benchmark of the engine: workload W (200 tasks, 20 wide x 10 deep, 2 deps each) on real workers.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/engine.py [--workers 1 2] [--runs 3] [--model-latency 0] [--latency-model echo]
            [--redis-db 11]

Creates a scratch database (dropped at the end), starts ``python -m workers`` processes
(BERRYS_WORKER_ID set), runs W with ``scripted/echo`` (or a scripted delay) and prints
each figure next to its target from ARCHITECTURE.md. Median of ``--runs``.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import levels  # noqa: E402

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def setup_env(args: argparse.Namespace) -> tuple[str, str]:
    import psycopg
    from sqlalchemy import create_engine, pool
    from sqlmodel import SQLModel

    from berrys_app.settings import normalise_db_url

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    name = f"berrys_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = normalise_db_url(_with_database(admin, name))
    import berrys_app.domain  # noqa: F401

    engine = create_engine(db_url, poolclass=pool.NullPool)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    redis_base = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    redis_url = f"{redis_base}/{args.redis_db}"
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["BERRYS_CHANNEL_NAMESPACE"] = f"bench-{name}"
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return admin, name


def start_workers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    procs = []
    for i in range(count):
        env = {
            **os.environ,
            "BERRYS_WORKER_ID": f"bench-w{i + 1}",
            "BERRYS_WORKER_INDEX": str(i),
            "BERRYS_LOG_LEVEL": "WARNING",
        }
        log = open(log_dir / f"w{i + 1}.log", "ab")  # noqa: SIM115 - lives as long as the process
        procs.append(subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env, stdout=log, stderr=log))
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def make_team() -> tuple[uuid.UUID, Any]:
    from berrys_app.db import session_scope
    from berrys_app.domain.accounts import Team, TeamMember, User
    from berrys_app.services.authz import Actor

    with session_scope() as session:
        team = Team(name="bench")
        user = User(email=f"bench-{uuid.uuid4().hex[:6]}@example.com")
        session.add_all([team, user])
        session.flush()
        session.add(TeamMember(team_id=team.id, user_id=user.id, role="owner"))
        return team.id, Actor(user_id=user.id, label=user.email)


def workload(width: int, depth: int) -> dict[str, Any]:
    from tests.engine.helpers import layered_plan

    return layered_plan(width, depth, fan_in=2)


def run_once(
    team_id: uuid.UUID,
    actor: Any,
    plan: dict[str, Any],
    model: str,
    max_agents: int,
    on_done: Any = None,
    width: int = 0,
) -> dict[str, float]:
    from sqlalchemy import text
    from sqlmodel import Session

    from berrys_app.db import get_engine, session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import projects
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        project = projects.create_project(
            session, actor, team_id=team_id, data=ProjectCreate(name="W", model=model, max_agents=max_agents)
        )
        session.commit()
        project_lifecycle.submit_plan(session, actor, project.id, plan)
        session.commit()
        project_lifecycle.approve_plan(session, actor, project.id)
        session.commit()
        project_id = project.id
    started = time.time()
    with session_scope() as session:
        project_lifecycle.execute_project(session, actor, project_id)
        session.commit()
    status, observer = wait_for_end(project_id)
    if status != "completed":
        raise SystemExit(f"W ended {status}")
    with Session(get_engine()) as session:
        finished = on_done(observer) if on_done else {}
        rows = session.execute(
            text(
                """
                SELECT extract(epoch FROM t.started_at), extract(epoch FROM t.finished_at),
                       extract(epoch FROM r.ready_at), coalesce(m.latency_ms, 0), extract(epoch FROM m.first_call_at)
                FROM tasks t
                LEFT JOIN (SELECT task_id, max(created_at) AS ready_at FROM events
                           WHERE project_id = :p AND kind = 'task.ready' GROUP BY task_id) r ON r.task_id = t.id
                LEFT JOIN (SELECT task_id, sum(latency_ms) AS latency_ms, min(created_at) AS first_call_at
                           FROM model_calls WHERE project_id = :p GROUP BY task_id) m ON m.task_id = t.id
                WHERE t.project_id = :p
                """
            ),
            {"p": project_id},
        ).all()
        done_at = session.execute(
            text(
                "SELECT extract(epoch FROM max(created_at)) FROM events WHERE project_id = :p AND kind = 'project.status_changed'"
            ),
            {"p": project_id},
        ).scalar_one()
        gaps = levels.hand_over_gaps(session, project_id, width) if width else {}
    last_finish = max(float(r[1]) for r in rows)
    overhead = [(float(r[1]) - float(r[0])) * 1000 - float(r[3]) for r in rows]
    enqueue_to_start = [(float(r[0]) - float(r[2])) * 1000 for r in rows if r[2] is not None]
    enqueue_to_call = [(float(r[4]) - float(r[2])) * 1000 for r in rows if r[2] is not None and r[4] is not None]
    return {
        "wall_ms": (last_finish - started) * 1000,
        "wall_with_aggregation_ms": (float(done_at) - started) * 1000,
        "overhead_p50": levels.percentile(overhead, 0.5),
        "overhead_p95": levels.percentile(overhead, 0.95),
        "tasks_per_s": len(rows) / (last_finish - started),
        "e2s_p50": levels.percentile(enqueue_to_start, 0.5),
        "e2s_p95": levels.percentile(enqueue_to_start, 0.95),
        "e2c_p50": levels.percentile(enqueue_to_call, 0.5),
        "e2c_p95": levels.percentile(enqueue_to_call, 0.95),
        **finished,
        **gaps,
    }


def wait_for_end(project_id: uuid.UUID) -> tuple[str, float]:
    """Poll the project's status every 5 ms until it ends; its status, and the CPU (ms) the
    poll's PostgreSQL backend used, which is the bench's, not the engine's.

    One autocommit connection, one statement a poll: a pooled ORM session cost four (the pool's
    ping, BEGIN, SELECT, ROLLBACK), 2.5 times the engine's own statements in a W with 200 ms calls
    (1,024 of 2,597, counted with log_statement=all), on the cores the engine runs on."""
    import psutil
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    deadline = time.time() + 120
    with psycopg.connect(url, autocommit=True) as conn:
        backend = psutil.Process(conn.info.backend_pid)
        while True:
            (status,) = conn.execute("SELECT status FROM projects WHERE id = %s", (project_id,)).fetchone()
            if status in ("completed", "failed"):
                times = backend.cpu_times()
                return status, (times.user + times.system) * 1000
            if time.time() > deadline:
                raise SystemExit("W did not finish within 120 s")
            time.sleep(0.005)


def cpu_ms(procs: list[subprocess.Popen]) -> float:
    """User + system CPU the worker processes have used so far (ms): a figure the machine's load
    barely moves, unlike wall time (other processes share the 2 cores)."""
    total = 0
    for proc in procs:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def postgres_cpu_ms(db_name: str) -> float:
    """CPU the PostgreSQL backends of the scratch database have used so far (ms): the engine's
    statements run there, on the same 2 cores as the workers (0 if PostgreSQL is not local)."""
    from bench.pg_cpu import backend_cpu_s

    return backend_cpu_s(os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"), db_name) * 1000


def settle_database(db_name: str) -> bool:
    """VACUUM (ANALYZE) the scratch database between runs when PostgreSQL's autovacuum is off (as
    on these machines): production keeps it on, and without it every run leaves ~2000 dead task
    and agent row versions that the next run's index scans wade through (each run got slower).
    Returns whether it vacuumed.

    ANALYZE invalidates every cached plan, so the caller runs the small warm-up project again
    before the timed run: the hot statements' re-planning (the 20-task lease at execute: ~2.3 ms
    at bind, measured with log_min_duration_statement) would otherwise land in every run's first
    level, where production's autovacuum analyzes now and then, not before each project
    (interleaved A/B, 7 runs each: first level -3.9 ms, W median -2.9 ms)."""
    import psycopg

    admin = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(_with_database(admin, db_name), autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return False
        conn.execute("VACUUM (ANALYZE)")
    return True


def cpu_since(
    procs: list[subprocess.Popen], db_name: str, before: float, pg_before: float, n_tasks: int, observer: float
) -> dict[str, float]:
    """Worker and PostgreSQL CPU per task since the ``before`` readings, without the CPU of the
    bench's own status poll (``observer``, ms: its backend opened after ``pg_before``)."""
    return {
        "worker_cpu_per_task": (cpu_ms(procs) - before) / n_tasks,
        "postgres_cpu_per_task": (postgres_cpu_ms(db_name) - pg_before - observer) / n_tasks,
    }


def get_settings_chars() -> int:
    from berrys_app.settings import get_settings

    return get_settings().task_input_max_chars


def wait_for_workers(count: int) -> None:
    from sqlalchemy import text
    from sqlmodel import Session

    from berrys_app.db import get_engine

    deadline = time.time() + 90
    with Session(get_engine()) as session:
        while time.time() < deadline:
            n = session.execute(
                text(
                    "SELECT count(*) FROM worker_heartbeats WHERE NOT stopped AND last_seen > now() - interval '3 seconds'"
                )
            ).scalar_one()
            session.rollback()
            if n >= count:
                return
            time.sleep(0.1)
    raise SystemExit("workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model-latency", type=float, default=0.0, help="seconds per model call (0 = scripted/echo)")
    parser.add_argument(
        "--latency-model",
        choices=["echo", "rule"],
        default="echo",
        help="with --model-latency: scripted/echo-<ms>ms (latency and nothing else), or a scripted rule "
        "(each call also reads the rules from Redis and logs the request there, as tests need)",
    )
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument(
        "--input-chars",
        type=int,
        default=None,
        help="BERRYS_TASK_INPUT_MAX_CHARS for the workers: each dependency's output in a task's prompt is cut to "
        "this many characters (default: the product's 12,000). scripted/echo answers with its whole prompt, so by "
        "W's 6th level every output is ~24 KB and every task moves ~70 KB through PostgreSQL and Redis; "
        "bench/langgraph_anchor.py passes each input cut to 200 characters and returns ~30. 200 = the anchor's work",
    )
    parser.add_argument(
        "--max-agents",
        type=int,
        default=50,
        help="the project's max_agents: an agent runs at most max_concurrent_tasks (4) tasks at once and team "
        "assembly fills an agent with 4 tasks (of one level, in W) before it adds the next; consecutive levels "
        "overlap (a dependent starts while its upstream completion commits), so an agent with tasks in two "
        "levels makes agent capacity, not the engine, hold tasks back. 50 = 200 tasks / 4: no agent spans levels",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL and REDIS_URL (see the docstring)")
    if args.input_chars is not None:
        os.environ["BERRYS_TASK_INPUT_MAX_CHARS"] = str(args.input_chars)  # the workers inherit it
    admin, name = setup_env(args)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"berrys-bench-{name}"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        from berrys_app.services.models import scripted

        model = "scripted/echo"
        if args.model_latency > 0 and args.latency_model == "echo":
            model = f"scripted/echo-{round(args.model_latency * 1000)}ms"
        elif args.model_latency > 0:
            model = "scripted/bench"
            scripted.rule("bench", contains="Project:", step={"content": "done", "delay": args.model_latency})
        team_id, actor = make_team()
        from berrys_app.gc_tuning import settle_heap

        settle_heap()  # this process plays the web process (execute_project), which settles its heap too
        plan = workload(args.width, args.depth)
        n_tasks = args.width * args.depth
        target_wall = 150.0 if args.model_latency == 0 else args.depth * args.model_latency * 1000 + 50
        print(
            f"workload W: {n_tasks} tasks ({args.width} wide x {args.depth} deep, 2 deps each), model {model}, "
            f"max_agents {args.max_agents}, inputs cut to {get_settings_chars()} characters"
        )
        for count in args.workers:
            procs = start_workers(count, log_dir)
            try:
                wait_for_workers(count)
                run_once(team_id, actor, workload(4, 3), model, args.max_agents)  # warm-up: connections, caches
                results = []
                for _ in range(args.runs):
                    vacuumed = settle_database(name)
                    if vacuumed:  # ANALYZE invalidated every cached plan: re-plan outside the timed run
                        run_once(team_id, actor, workload(4, 3), model, args.max_agents)
                    before, pg_before = cpu_ms(procs), postgres_cpu_ms(name)
                    # CPU is read when the project completed, before the figures' own queries
                    done = functools.partial(cpu_since, procs, name, before, pg_before, n_tasks)
                    result = run_once(team_id, actor, plan, model, args.max_agents, on_done=done, width=args.width)
                    result["load"] = os.getloadavg()[0]
                    results.append(result)
                # latency without queueing: a chain has one ready task at a time, so the time from
                # "ready" to "started" is the dispatch path alone (under W it includes the wait for a
                # free worker slot)
                chain = [run_once(team_id, actor, workload(1, 30), model, args.max_agents) for _ in range(3)]
            finally:
                stop_workers(procs)
            med = {key: statistics.median(r[key] for r in results) for key in results[0]}
            best = min(r["wall_ms"] for r in results)
            print(
                f"\n{count} worker(s), median of {args.runs} (best wall {best:.1f} ms; load average {med['load']:.2f}"
                + ("; VACUUM ANALYZE and the warm-up again before each run: autovacuum is off" if vacuumed else "")
                + "):"
            )
            print(
                f"  total wall (execute -> last task)   {med['wall_ms']:8.1f} ms   target <= {target_wall:.0f} ms (2 workers)"
            )
            print("    each run: " + ", ".join(f"{r['wall_ms']:.0f}" for r in results) + " ms")
            print(f"  ... incl. aggregation + completion  {med['wall_with_aggregation_ms']:8.1f} ms")
            print(
                f"  engine overhead per task p50/p95    {med['overhead_p50']:6.2f} / {med['overhead_p95']:6.2f} ms"
                f"   (lease -> completion minus model time; a level's tasks run at once, so this includes "
                "waiting for each other's turn on the event loop and statements: the CPU per task is below; "
                "negative: the model call started ahead of the lease)"
            )
            print(
                f"  tasks/s                             {med['tasks_per_s']:8.0f}       target >= {n_tasks / (target_wall / 1000):.0f}/s"
            )
            print(
                f"  enqueue -> start p50/p95, under W   {med['e2s_p50']:6.2f} / {med['e2s_p95']:6.2f} ms   (includes queueing)"
            )
            print(
                f"  enqueue -> start p50/p95, idle      {statistics.median(c['e2s_p50'] for c in chain):6.2f} / "
                f"{statistics.median(c['e2s_p95'] for c in chain):6.2f} ms   target p50 <= 2 ms (30-task chain)"
            )
            print(
                "    (enqueue = the task.ready event, written by its last dependency's completion; start = its "
                "lease: in that completion's transaction when the completing worker has a free slot, else by "
                "whichever worker takes its queued job)"
            )
            print(
                f"  enqueue -> first model call, idle   {statistics.median(c['e2c_p50'] for c in chain):6.2f} / "
                f"{statistics.median(c['e2c_p95'] for c in chain):6.2f} ms   (p50/p95: the lease, its commit and "
                "the agent loop's start; negative: the call started ahead, while the completion readying it committed)"
            )
            print(levels.describe(results))
            print(f"  worker CPU per task (all workers)   {med['worker_cpu_per_task']:6.2f} ms")
            print(f"  PostgreSQL CPU per task             {med['postgres_cpu_per_task']:6.2f} ms   (same 2 cores)")
    finally:
        from tests.probes import dispose_all

        dispose_all()
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
