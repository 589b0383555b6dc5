"""Exactly-once model calls, counted at the provider: real worker processes call a real
OpenAI-compatible HTTP server (``tests/providers/counting_server.py``) that counts requests per
prompt and SIGKILLs the worker on the other end of the connection at chosen moments -- right
after its answer's last byte, or as a request arrives. A poison task that kills its worker every
time fails after ``max_task_crashes``; a crash-looping worker's tasks run elsewhere in time."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.engine.conftest import WorkerPool, wait_for
from tests.engine.helpers import events_of, fresh, layered_plan, project_row, start_project, status_is, tasks_of
from tests.providers.counting_server import COMPLETION_TOKENS, PROMPT_TOKENS, CountingServer, counting_server
from tests.providers.team_endpoint import TeamAdmin, allow_test_server, connect

# restarted workers boot in seconds on an idle machine, in a minute on a busy one
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def provider(session: Session, team, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CountingServer, str]]:
    """The counting server, connected as the team's own model endpoint (as a team admin does)."""
    with counting_server() as server:
        allow_test_server(monkeypatch, server.base_url)  # the workers inherit both settings
        name = f"openai/counting-{uuid.uuid4().hex[:6]}"
        connect(
            session,
            TeamAdmin(team.team_id, team.admin),
            name,
            server.base_url,
            api_key="sk-counting",
            input_price=0.001,
            output_price=0.002,
            context_window=4096,
            max_output_tokens=32,
        )
        yield server, name


class Restarter:
    """Restarts killed workers at once (a supervisor), and keeps the server's pid list current."""

    def __init__(self, pool: WorkerPool, server: CountingServer, names: tuple[str, ...]) -> None:
        self.pool, self.server, self.names = pool, server, names
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def pids(self) -> tuple[int, ...]:
        return tuple(self.pool.procs[name].pid for name in self.names)

    def _run(self) -> None:
        while not self.stop.is_set():
            for name in self.names:
                if self.pool.procs[name].poll() is not None:
                    self.pool.start(name)
                    self.server.pids = self.pids()
            time.sleep(0.05)

    def __enter__(self) -> Restarter:
        for name in self.names:
            self.pool.start(name)
        self.server.pids = self.pids()
        for name in self.names:
            wait_until_up(self.pool, name)
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join(5)


def wait_until_up(pool: WorkerPool, name: str) -> None:
    """Until the worker process beats (its imports take a while on a busy machine)."""
    pid = pool.procs[name].pid
    wait_for(
        lambda: fresh(
            lambda s: s.execute(
                text("SELECT 1 FROM worker_heartbeats WHERE worker_id = :w AND pid = :p"), {"w": name, "p": pid}
            ).first()
        ),
        timeout=180,
        interval=0.2,
        what=f"worker {name} to start",
    )


def _calls(project_id: uuid.UUID) -> list[dict[str, Any]]:
    """The project's model_calls rows with their task's title."""
    return fresh(
        lambda s: [
            dict(row)
            for row in s.execute(
                text(
                    "SELECT m.status, m.error, m.call_key, m.created_at, m.prompt_tokens, m.completion_tokens, "
                    "m.cost_usd, t.title FROM model_calls m JOIN tasks t ON t.id = m.task_id "
                    "WHERE m.project_id = :p ORDER BY m.created_at"
                ),
                {"p": project_id},
            ).mappings()
        ]
    )


def _title(prompt: str) -> str | None:
    line = next((line for line in prompt.splitlines() if line.startswith("Task: ")), None)
    return line.removeprefix("Task: ") if line else None


def test_chaos_kills_at_the_last_byte_repeat_no_recorded_call_and_spend_matches_the_provider(
    session: Session, team, workers: WorkerPool, provider
) -> None:
    server, model = provider
    workers.env.update(BERRYS_MAX_TASK_CRASHES="20")  # innocent bystanders of many kills must not fail
    kills: list[tuple[str, str]] = []  # (moment, prompt)
    served_n, received_n = iter(range(1, 10**6)), iter(range(1, 10**6))
    after_last_byte = {2, 5, 9, 13, 17}  # the n-th answer served: kill its worker right after
    on_arrival = {4, 15}  # the n-th request received: kill its worker before it gets an answer

    def kill(moment: str, prompt: str, pid: int | None) -> None:
        if pid is not None and _title(prompt):
            os.kill(pid, signal.SIGKILL)
            kills.append((moment, prompt))

    def served(prompt: str, pid: int | None) -> None:
        if next(served_n) in after_last_byte:
            kill("after the last byte", prompt, pid)

    def received(prompt: str, pid: int | None) -> None:
        if next(received_n) in on_arrival:
            kill("on arrival", prompt, pid)

    server.on_served, server.on_request = served, received
    plan = layered_plan(6, 4)  # 24 tasks, 2 inputs each from level 1 on
    with Restarter(workers, server, ("w1", "w2")):
        project_id = start_project(session, team.member, team.team_id, plan, model=model, max_task_attempts=3)
        started = time.monotonic()
        wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=400, what="project to finish")
    elapsed = time.monotonic() - started
    assert project_row(project_id).status == "completed", (project_row(project_id).status_reason, workers.logs())

    tasks = tasks_of(project_id)
    assert len(tasks) == 24 and all(t.status == "completed" for t in tasks.values())
    completed = [e.task_id for e in events_of(project_id, "task.completed")]
    assert len(completed) == 24 and len(set(completed)) == 24  # every task completed once
    assert len(kills) >= 4, kills  # a kill whose worker could not be told from the socket is skipped

    calls = _calls(project_id)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for row in calls:
        by_title.setdefault(row["title"], []).append(row)
    received = Counter({_title(p): n for p, n in server.received.items() if _title(p)})
    fully_served = Counter({_title(p): n for p, n in server.served.items() if _title(p)})
    repeated_after_served = {t: n for t, n in fully_served.items() if n > 1}
    for title, rows in by_title.items():
        ok = [r for r in rows if r["status"] == "ok"]
        assert len(ok) == 1, (title, rows)  # one recorded answer per task's call
        # ... and it is the task's last call: no request after the recorded answer
        assert rows[-1] is ok[0], (title, rows)
        assert (ok[0]["prompt_tokens"], ok[0]["completion_tokens"]) == (PROMPT_TOKENS, COMPLETION_TOKENS)
        # every request that reached the provider is a row; a row more only for a call that never
        # sent its request: its worker died after the reservation (settled as spent), or its run
        # was stopped first (a run started ahead that did not get its lease: cancelled, nothing spent)
        extra = len(rows) - received[title]
        unsent = [r for r in rows if r["error"] in ("worker_lost", "cancelled")]
        assert 0 <= extra <= len(unsent), (title, received[title], rows)
        assert all(r["status"] in ("ok", "error") for r in rows), rows  # no reservation left open
    assert set(by_title) == set(received) and len(by_title) == 24
    # spend: the served answers recorded at what the provider reported; the killed ones at their worst case
    recorded_tokens = sum(r["prompt_tokens"] + r["completion_tokens"] for r in calls)
    served_tokens = sum(fully_served.values()) * (PROMPT_TOKENS + COMPLETION_TOKENS)
    assert recorded_tokens >= served_tokens
    print(
        f"\nchaos: {len(kills)} kills ({Counter(m for m, _ in kills)}), {sum(received.values())} requests, "
        f"{sum(fully_served.values())} fully served, {len(calls)} rows "
        f"({sum(1 for r in calls if r['status'] == 'ok')} ok, {sum(1 for r in calls if r['error'] == 'worker_lost')} "
        f"settled as lost), answers served twice (killed before the commit): {repeated_after_served}, "
        f"{elapsed:.1f} s"
    )


def test_a_poison_task_fails_after_killing_its_worker_max_task_crashes_times(
    session: Session, team, workers: WorkerPool, provider
) -> None:
    server, model = provider
    workers.env.update(BERRYS_MAX_TASK_CRASHES="2")

    def received(prompt: str, pid: int | None) -> None:
        if "Task: Poison" in prompt and pid is not None:
            os.kill(pid, signal.SIGKILL)  # the run takes its worker down, every time

    server.on_request = received
    plan = {"tasks": [{"id": "p", "title": "Poison"}, {"id": "after", "title": "After", "depends_on": ["p"]}]}
    with Restarter(workers, server, ("w1", "w2")):
        project_id = start_project(session, team.member, team.team_id, plan, model=model, max_replans=0)
        try:
            wait_for(lambda: tasks_of(project_id)["p"].status == "failed", timeout=240, what="the poison task to fail")
        except AssertionError:
            state = [(t.key, t.status, t.attempt, t.crashes, t.leased_by) for t in tasks_of(project_id).values()]
            procs = {n: (p.pid, p.poll()) for n, p in workers.procs.items()}
            raise AssertionError((state, procs, dict(server.received), workers.logs()[-4000:])) from None
        wait_for(lambda: status_is(project_id, "failed"), timeout=20, what="the project to fail")
    poison = tasks_of(project_id)["p"]
    assert poison.crashes == 2 and poison.last_error == "worker died 2 times running this task"
    assert sum(n for prompt, n in server.received.items() if "Task: Poison" in prompt) == 2
    failed = events_of(project_id, "task.failed")
    assert [e.payload["error"] for e in failed] == ["worker died 2 times running this task"]
    assert "worker died 2 times" in (project_row(project_id).status_reason or "")
    assert tasks_of(project_id)["after"].status == "cancelled"
    lost = [r for r in _calls(project_id) if r["title"] == "Poison"]
    assert [r["error"] for r in lost] == ["worker_lost", "worker_lost"]  # both attempts' spend counted


def test_a_crash_looping_workers_tasks_run_elsewhere_within_lease_plus_2_s(
    session: Session, team, workers: WorkerPool, provider
) -> None:
    """The worker is restarted under its name after each kill and killed again: each dead process
    is a lease holder of its own, so its leases expire on schedule and its tasks move on."""
    server, model = provider
    server.chunk_delay_s = 1.0  # calls of ~2 s: the victim holds tasks when it dies
    workers.env.update(BERRYS_MAX_TASK_CRASHES="20")
    lease_s = float(workers.env["BERRYS_LEASE_S"])
    workers.start("looping")
    wait_until_up(workers, "looping")
    project_id = start_project(session, team.member, team.team_id, layered_plan(8, 8), model=model)
    workers.start("steady")
    wait_until_up(workers, "steady")
    taken_back: list[tuple[int, float]] = []  # (tasks the dead process held, seconds until all ran elsewhere)
    for _ in range(3):
        held = {
            t.key: t.leased_by
            for t in tasks_of(project_id).values()
            if t.status == "running" and (t.leased_by or "").startswith("looping#")
        }
        workers.kill9("looping")
        killed_at = time.monotonic()
        workers.start("looping")  # its replacement, under the same name: killed again next turn

        def moved(held: dict[str, str | None] = held) -> bool:
            now = tasks_of(project_id)
            return all(
                now[key].status == "completed" or now[key].leased_by not in (None, was) for key, was in held.items()
            )

        wait_for(moved, timeout=lease_s + 10, interval=0.05, what="the dead worker's tasks running elsewhere")
        taken_back.append((len(held), time.monotonic() - killed_at))
        time.sleep(1.0)
    print(f"\ncrash loop: (tasks held, s until running elsewhere) {[(n, round(t, 2)) for n, t in taken_back]}")
    assert taken_back[0][0] >= 1  # the first process died holding tasks
    assert all(t <= lease_s + 2 for _, t in taken_back), taken_back
    assert events_of(project_id, "task.lease_expired")
