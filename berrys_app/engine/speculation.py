"""Speculative start: a dependent's model call begins while the completion that readies it commits.

Between two levels of a DAG the critical path used to be: the last dependency's model call ends
-> its completion and the dependent's lease commit (one round trip, ~5-8 ms) -> the dependent's
model call starts. Here the worker that holds every input of a dependent in memory starts that
dependent's agent loop at once, from data it read ahead (``DEPENDENTS_SQL``, while the upstream
model calls were still running), and the commit runs alongside the model call.

Nothing a speculative run does outlives a misprediction, and durability is unchanged:

- only the model call runs before the lease: tool calls, recorded calls and the completion wait
  for the lease (``Pending.gate``); the completion is written under the real lease, after
  the upstream completions (which committed first);
- the lease is the same statement as before (``LEASE_READIED_SQL`` in the completion's
  transaction); a run whose lease does not come back (project paused, agent busy, no room, another
  worker took it, a different attempt or context) is cancelled, and its paid call is recorded
  without a call key (accounting, not replay);
- only first attempts of tasks with no budgets (project or agent) are started ahead: a budget is
  checked when the lease is held, as for every other call.
- a dependent whose agent has no free slot as far as this worker knows is not started ahead: its
  lease would park it, and its call would be paid for and thrown away.

An upstream completion whose readied dependents all started ahead is not urgent (their model calls
run; only their leases wait for it): it waits up to ``Settings.speculation_completion_wait_s`` for other completions,
so the statement and the database's work leave the burst in which a level's calls end. Its answer
is recorded that much later (see there).

Read-ahead happens only for model calls that last longer than ``Settings.speculation_read_ahead_s``: a fast
model gains nothing from it and would only pay for the extra query.

Off with ``Settings.speculative_start`` (``BERRYS_SPECULATIVE_START=0``): then a dependent starts
after its lease, as every other task.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from berrys_app.db import aio
from berrys_app.domain.work import TaskStatus
from berrys_app.engine import statements
from berrys_app.engine.context import TaskContext, from_row
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

# ``Settings.speculation_read_ahead_s``: a model call still running after this reads its dependents
# ahead. ``Settings.speculation_completion_wait_s``: a completion that only its dependents' leases wait for (they started ahead; their model calls
# run) waits this long for company instead of going at once: the level's model calls end in a
# burst, and the completion statements' work -- PostgreSQL's on the same cores above all -- kept
# the worker's event loop off the CPU just when it had to start the dependents (W with 200 ms
# calls, 1 worker: the loop's run-queue wait fell from 44-59 ms to 27-33 ms per run, the median
# wall time by ~4 ms). Bounded well below the model calls it overlaps, which took longer than
# the read-ahead delay. The answer waits in memory that much longer: a worker killed meanwhile runs
# the task's last model call again, as it would have in the few ms the statement takes anyway.

# The pending first-attempt dependents of ``ids`` with what their lease would load, and the state
# of each of their dependencies (the output of completed ones). ``= ANY(ARRAY(...))``, not ``IN``:
# as for ``statements.LEASE_READIED_SQL``, the planner otherwise walked every task of every
# executing project to find them (tests/engine/test_agent_history_reads.py).
DEPENDENTS_SQL = """
    SELECT t.id, t.project_id, t.plan_version, t.key, t.title, t.description, t.expected_output,
           t.agent_id, p.team_id, p.name AS project_name, p.model AS project_model, p.max_task_attempts,
           p.budget_usd AS project_budget_usd, p.budget_tokens AS project_budget_tokens,
           a.model AS agent_model, a.system_prompt, a.allowed_tools,
           a.budget_usd AS agent_budget_usd, a.budget_tokens AS agent_budget_tokens, a.max_concurrent_tasks,
           (SELECT json_agg(json_build_object('id', u.id, 'kind', d.kind, 'key', u.key, 'title', u.title,
                                              'status', u.status,
                                              'output', CASE WHEN u.status = %(t_completed)s THEN u.output END))
            FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_id
            WHERE d.task_id = t.id) AS deps
    FROM tasks t JOIN projects p ON p.id = t.project_id LEFT JOIN agents a ON a.id = t.agent_id
    WHERE t.id = ANY(ARRAY(SELECT d.task_id FROM task_dependencies d WHERE d.depends_on_id = ANY(%(ids)s::uuid[])))
      AND t.status = %(t_pending)s AND t.attempt = 0 AND p.status = %(p_executing)s
      AND p.budget_usd IS NULL AND p.budget_tokens IS NULL
      AND a.budget_usd IS NULL AND a.budget_tokens IS NULL
"""


@dataclass
class Pending:
    """A dependent started ahead of its lease."""

    ctx: TaskContext  # the context its lease is expected to load
    waits_for: set[str]  # the local upstream tasks whose completions have not come back yet
    confirmation: asyncio.Future[TaskContext | None]  # the real lease, or None if it does not come here
    gate: asyncio.Future[None]  # opened once the lease matched the guess: the run's side effects wait for it


@dataclass
class Speculation:
    """One worker's read-ahead data, in-memory outputs and runs waiting for their lease (its
    runner's: ``runner.Runner.speculation``)."""

    dependents: dict[str, list[str]] = field(default_factory=dict)  # upstream id -> dependent ids
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # dependent id -> DEPENDENTS_SQL row
    outputs: dict[str, str] = field(default_factory=dict)  # local upstream id -> its output
    pending: dict[str, Pending] = field(default_factory=dict)
    started: dict[str, None] = field(default_factory=dict)  # dependents started ahead (never twice)
    settled: dict[str, None] = field(default_factory=dict)  # upstream completions already back
    _asked: set[str] = field(default_factory=set)
    _reading: asyncio.Task[None] | None = None
    # agent id -> this worker's runs that hold its slots: from the lease (or the start ahead) to the
    # output, after which their completion is queued ahead of any later lease
    held: Counter[str] = field(default_factory=Counter)
    stats: dict[str, int] = field(default_factory=lambda: {"started": 0, "confirmed": 0, "cancelled": 0})

    # --- read-ahead -------------------------------------------------------------------------

    def read_ahead_later(self, task_id: uuid.UUID) -> asyncio.TimerHandle:
        """Read the task's dependents if its model call is still running ``Settings.speculation_read_ahead_s`` from now."""
        return asyncio.get_running_loop().call_later(get_settings().speculation_read_ahead_s, self._ask, str(task_id))

    def _ask(self, task_id: str) -> None:
        self._asked.add(task_id)
        if self._reading is None or self._reading.done():
            self._reading = asyncio.get_running_loop().create_task(self._read(), name="speculation-read-ahead")

    async def _read(self) -> None:
        while self._asked:
            ids, self._asked = sorted(self._asked), set()
            try:
                rows = await aio.fetch(DEPENDENTS_SQL, statements.bind(ids=ids))
            except Exception:  # read-ahead is an optimisation: without it tasks start after their lease
                log.warning("read-ahead of dependents failed", exc_info=True)
                return
            for row in rows:
                key = str(row["id"])
                self.rows[key] = row
                for dep in row["deps"] or []:
                    self.dependents.setdefault(str(dep["id"]), [])
                    if key not in self.dependents[str(dep["id"])]:
                        self.dependents[str(dep["id"])].append(key)

    # --- start ahead --------------------------------------------------------------------------

    def on_output(self, upstream_ctx: TaskContext, output: str, *, room: int) -> tuple[list[Pending], bool]:
        """The upstream task ``upstream_ctx`` has its output (its completion is about to be sent): the
        dependents whose every input is now known here, up to ``room`` of them, to start now; and
        whether its completion can wait (``Settings.speculation_completion_wait_s``): every dependent it may make
        ready started ahead (now or before), so nothing waits for it but their leases, and their
        model calls run meanwhile. Unknown dependents (no read-ahead) make it urgent."""
        upstream = str(upstream_ctx.task_id)
        dependents = self.dependents.get(upstream)
        if not dependents:
            return [], False
        _remember(self.outputs, upstream, output)
        started: list[Pending] = []
        can_wait = True
        for key in dependents:
            row = self.rows.get(key)
            if key in self.started:
                continue
            if row is None:
                can_wait = False
                continue
            deps = row["deps"] or []
            if not all(str(d["id"]) in self.outputs or d["status"] == TaskStatus.completed for d in deps):
                continue  # another input is still to come: this completion does not make it ready
            if len(started) >= room or not self._slot_likely(row):
                can_wait = False  # it is leased (or parked) from this completion: no waiting
                continue
            loop = asyncio.get_running_loop()
            pending = Pending(
                ctx=_context_from(row, deps, self.outputs, upstream_ctx.worker),
                waits_for={
                    str(d["id"])
                    for d in deps
                    if d["status"] != TaskStatus.completed and str(d["id"]) not in self.settled
                },
                confirmation=loop.create_future(),
                gate=loop.create_future(),
            )
            self.pending[key] = pending
            self.hold(row["agent_id"])
            _remember(self.started, key)
            self.stats["started"] += 1
            started.append(pending)
        if all(key in self.started for key in dependents):
            self._forget(upstream)
        return started, can_wait

    def _slot_likely(self, row: dict[str, Any]) -> bool:
        """Whether the dependent's agent will have a free slot when its lease is taken, as far as
        this worker knows: fewer of its runs here still working (no output yet) or waiting for
        their lease than it may run at once. A run its lease would park (agent busy) is not started
        ahead: it would be paid for and thrown away. Other workers' runs are unknown here; their
        lease refusal is the last word."""
        agent = row["agent_id"]
        return agent is None or self.held[str(agent)] < (row["max_concurrent_tasks"] or 1)

    def hold(self, agent_id: Any) -> None:
        """A run of this worker holds (or is about to hold) a slot of ``agent_id``."""
        if agent_id is not None:
            self.held[str(agent_id)] += 1

    def release(self, agent_id: Any) -> None:
        """The run no longer holds the slot as far as this worker knows (its answer is in and its
        completion queued, or the run ended)."""
        if agent_id is not None:
            key = str(agent_id)
            self.held[key] -= 1
            if self.held[key] <= 0:
                del self.held[key]

    def _forget(self, upstream: str) -> None:
        for key in self.dependents.pop(upstream, []):
            self.rows.pop(key, None)
        self.outputs.pop(upstream, None)

    # --- confirm or cancel --------------------------------------------------------------------

    def settle(self, finished: uuid.UUID, leases: Iterable[TaskContext]) -> list[TaskContext]:
        """The run of ``finished`` ended with ``leases`` (this worker's): hand each lease to the run
        started ahead for it; a run whose every upstream completion is back without its lease is
        cancelled. Returns the leases no run was waiting for (to start as usual)."""
        unclaimed: list[TaskContext] = []
        for lease in leases:
            pending = self.pending.pop(str(lease.task_id), None)
            if pending is None:
                unclaimed.append(lease)
            else:
                _resolve(pending.confirmation, lease)
        done = str(finished)
        _remember(self.settled, done)
        for key, pending in list(self.pending.items()):
            pending.waits_for.discard(done)
            if not pending.waits_for:
                del self.pending[key]
                _resolve(pending.confirmation, None)
        return unclaimed

    def give_up(self, task_id: uuid.UUID) -> None:
        """A run started ahead stopped waiting for its lease (timeout, shutdown)."""
        self.pending.pop(str(task_id), None)

    def room_held(self) -> int:
        """Local slots held by runs that wait for a lease the next completions will bring."""
        return len(self.pending)


def _remember(bounded: dict[str, Any], key: str, value: Any = None) -> None:
    """Insert, dropping the oldest entries beyond ``Settings.speculation_remembered`` (a worker runs for months)."""
    bounded[key] = value
    limit = get_settings().speculation_remembered
    while len(bounded) > limit:
        bounded.pop(next(iter(bounded)))


def _resolve(future: asyncio.Future[TaskContext | None], value: TaskContext | None) -> None:
    if not future.done():
        future.set_result(value)


def _context_from(row: dict[str, Any], deps: list[dict[str, Any]], outputs: dict[str, str], worker: str) -> TaskContext:
    """The context ``LEASE_READIED_SQL`` is expected to load for this dependent (first attempt):
    ``DEPENDENTS_SQL`` reads the lease's columns, the inputs come from memory where they are."""
    inputs = sorted(
        (
            {"key": d["key"], "title": d["title"], "output": outputs.get(str(d["id"]), d["output"])}
            for d in deps
            if d["kind"] == "input"
        ),
        key=lambda item: item["key"],
    )
    return from_row({**row, "attempt": 1, "failures": 0, "inputs": inputs}, worker)


# the fields a run started ahead relied on: the real lease must agree on all of them
_CONTEXT = (
    "task_id",
    "project_id",
    "attempt",
    "agent_id",
    "model",
    "system_prompt",
    "allowed_tools",
    "title",
    "description",
    "expected_output",
    "project_name",
    "inputs",
    "agent_budget_usd",
    "agent_budget_tokens",
)


def same_context(guess: TaskContext, real: TaskContext) -> bool:
    """Whether the run started from ``guess`` is the run ``real`` asks for."""
    return all(getattr(guess, name) == getattr(real, name) for name in _CONTEXT) and (
        real.project is not None
        and real.project.budget_usd is None
        and real.project.budget_tokens is None
        and real.project.model == (guess.project.model if guess.project else None)
    )
