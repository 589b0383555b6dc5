"""A worker's runs: lease a task, run its agent loop under a watcher, then complete / retry / wait
for a person / give it back -- and run the dependents its completion made ready right here.

The worker that completes a task leases its ready dependents in the completion's transaction
(``lease.complete_and_lease``) and runs them itself, up to ``local_tasks`` at once; only the
surplus goes to the queue, where another worker takes it. ``Run`` owns everything that changes
while one task runs (its agent loop's asyncio task, whether the lease was lost, the dependents it
started ahead of their lease); the task's context stays frozen. ``Runner`` is one worker's: it
lives in the worker's runtime (``engine.runtime``) with its speculation state and group commits,
and the jobs pass it in (``run_task(runtime.runner, ...)``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from berrys_app import tracing
from berrys_app.engine import group_commit, lease, speculation
from berrys_app.engine.agent_loop import Answer, run_agent
from berrys_app.engine.context import TaskContext
from berrys_app.engine.jobs import task_job
from berrys_app.engine.outcomes import FATAL_MODEL_REASONS, record_failure, wait_for_person
from berrys_app.engine.task_moves import release_task
from berrys_app.observability import logs, metrics
from berrys_app.queue import Job
from berrys_app.services import hot_publish
from berrys_app.services.errors import BudgetExceeded, ToolApprovalRequired
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

# A run that never held the task's lease (a duplicate job, or a run started ahead whose lease did
# not come): nothing of the task ended here.
NOT_RUN = frozenset({"skipped", "not leased"})


@dataclass(frozen=True)
class Outcome:
    """How a run ended, the jobs it made due and the dependents leased for this worker."""

    label: str
    jobs: list[Job] = field(default_factory=list)
    leases: list[TaskContext] = field(default_factory=list)


class Run:
    """One task's run on this worker, from its lease (or its start ahead of it) to its end."""

    def __init__(self, runner: Runner, ctx: TaskContext, *, wait: bool, gate: asyncio.Future[None] | None = None):
        self.runner = runner
        self.ctx = ctx  # the lease's context (a run started ahead: its guess until the lease confirms it)
        self.wait = wait  # burst workers (tests): the run's caller waits for the dependents it starts
        self.gate = gate
        self.work: asyncio.Task[Answer] | None = None
        self.lost = False  # the lease is gone (paused, cancelled, taken over): the run stops
        self.driving = False  # the run holds its lease and its agent's slot here
        self.answered = False
        self.holding = False
        self.can_wait = False  # every dependent its completion makes ready started ahead
        self.ahead: list[asyncio.Task[str]] = []  # dependents this run started ahead of their lease
        self.span: tracing.Span | None = None  # the attempt's span (tracing on), the agent loop's parent

    def begin(self) -> None:
        """Start the agent loop (a run started ahead: before its lease, gated by ``gate``)."""
        if self.work is None:
            self.span = tracing.start(
                f"task {self.ctx.key}",
                project_id=self.ctx.project_id,
                attributes={"berrys.task.id": str(self.ctx.task_id), "berrys.task.attempt": self.ctx.attempt},
            )
            self.work = asyncio.get_running_loop().create_task(
                logs.with_ids(run_agent(self.ctx, leased=self.gate, on_answer=self._on_answer), self.ctx),
                context=tracing.context_of(self.span),
            )

    def _on_answer(self, content: str) -> None:
        """From the agent loop, at the answer: handled now if the run holds its lease, else
        once it does (``drive``)."""
        if self.driving and not self.answered:
            self._answered(content)

    def _answered(self, content: str) -> None:
        """The task has its answer. Its completion is queued next, in the statement of any later
        lease of its agent or an earlier one (group commit keeps the order): for what this worker
        knows, the agent's slot is free now. The dependents whose inputs are all known here start
        at once."""
        self.answered = True
        spec = self.runner.spec()
        try:
            if self.holding and spec is not None:
                self.holding = False
                spec.release(self.ctx.agent_id)
            if spec is not None and not self.lost:
                self.ahead.extend(self.runner.start_ahead(self, content, spec))
        except Exception:  # starting ahead is an optimisation: never the task's failure
            log.exception("starting the dependents of %s ahead failed", self.ctx.key)

    async def drive(self) -> Outcome:
        """Run the leased task's agent loop under a watcher, then complete / retry / wait."""
        spec = self.runner.spec()
        if spec is not None:
            spec.hold(self.ctx.agent_id)  # given back once: at the answer, else when the run ends
            self.holding = True
        self.driving = True
        logs.bind(project_id=self.ctx.project_id, task_id=self.ctx.task_id)
        self.begin()
        outcome: Outcome | None = None
        try:
            outcome = await self._finish(spec)
            return outcome
        finally:
            tracing.end(self.span, attributes={"berrys.task.outcome": outcome.label if outcome else "stopped"})
            if self.holding and spec is not None:
                spec.release(self.ctx.agent_id)

    async def _finish(self, spec: speculation.Speculation | None) -> Outcome:
        assert self.work is not None
        ctx = self.ctx
        read_ahead = spec.read_ahead_later(ctx.task_id) if spec is not None else None
        watcher = asyncio.create_task(self._watch())
        try:
            answer = await self.work
        except asyncio.CancelledError:
            log.info("task %s cancelled: lost=%s cancelling=%s", ctx.key, self.lost, _current_cancelling())
            if self.lost and not _current_cancelling():
                await asyncio.to_thread(release_task, ctx)
                return Outcome("interrupted")
            if self.runner.stopping:  # shutdown: ready again now; a live worker's reconciler queues it
                await asyncio.shield(asyncio.to_thread(release_task, ctx))
            raise
        except BudgetExceeded as exc:
            await asyncio.to_thread(wait_for_person, ctx, "budget_exceeded", exc.message)
            return Outcome("waiting")
        except ToolApprovalRequired as exc:
            await asyncio.to_thread(wait_for_person, ctx, "tool_approval", exc.message, exc.details)
            return Outcome("waiting")
        except Exception as exc:
            if self.lost and not _current_cancelling():  # the lease went first: whatever the
                # cancelled loop raised on its way out (a call row of a project deleted meanwhile
                # refused by its foreign key) is not this attempt's failure
                log.info("task %s attempt %s: lease gone; the run ended with %r", ctx.key, ctx.attempt, exc)
                await asyncio.to_thread(release_task, ctx)
                return Outcome("interrupted")
            reason = getattr(exc, "reason", None)
            label = f"{type(exc).__name__}" + (f"[{reason}]" if reason else "")
            log.info("task %s attempt %s failed: %s: %s", ctx.key, ctx.attempt, label, exc)
            jobs = await asyncio.to_thread(record_failure, ctx, f"{label}: {exc}", fatal=reason in FATAL_MODEL_REASONS)
            return Outcome("failed", jobs)
        finally:
            watcher.cancel()
            if read_ahead is not None:
                read_ahead.cancel()
        if not self.answered:  # the answer came before the run held its lease (a run started ahead)
            self._answered(answer.content)
        completion = await lease.complete_and_lease(
            self.runner.commits,
            lease.Finished(ctx, answer.content),
            room=self.runner.room_for_completions,
            wait_s=get_settings().speculation_completion_wait_s if self.can_wait else 0.0,
        )
        self.lost = not completion.done
        return Outcome("completed" if completion.done else "lost", completion.jobs, completion.leases)

    async def _watch(self) -> None:
        """Renew the lease while the task runs; stop the run when the task was paused, cancelled or taken."""
        assert self.work is not None
        settings = get_settings()
        interval = min(settings.control_poll_s, settings.lease_s / 3)
        while not self.work.done():
            await asyncio.sleep(interval)
            if self.work.done():
                return
            try:
                alive = await asyncio.to_thread(lease.renew, self.ctx)
            except Exception:
                log.warning("lease renewal failed for %s", self.ctx.task_id, exc_info=True)
                continue
            if not alive:
                log.info(
                    "task %s attempt %s: lease gone (paused/cancelled/taken); stopping", self.ctx.key, self.ctx.attempt
                )
                self.lost = True
                self.work.cancel()
                return

    async def await_lease(self, pending: speculation.Pending, spec: speculation.Speculation) -> TaskContext | None:
        """A run started ahead: wait for its lease. The same context: the run goes on under that
        lease. Otherwise the run is cancelled (its paid model call recorded without a key) and the
        lease, if any, is returned for a fresh run (a call it had answered stays recorded under
        its own key: paid for, never replayed for another context)."""
        assert self.work is not None
        guess = pending.ctx
        try:
            async with asyncio.timeout(get_settings().lease_s):
                real = await asyncio.shield(pending.confirmation)
        except TimeoutError:
            real = None
        except asyncio.CancelledError:
            self.work.cancel()
            raise
        finally:
            spec.give_up(guess.task_id)
        if real is not None and speculation.same_context(guess, real):
            self.ctx = real
            if not pending.gate.done():
                pending.gate.set_result(None)
            spec.stats["confirmed"] += 1
            return real
        spec.stats["cancelled"] += 1
        log.info("task %s started ahead of its lease: %s; stopped", guess.key, "leased" if real else "not leased here")
        tracing.end(self.span, attributes={"berrys.task.outcome": "not leased"})
        self.work.cancel()
        await asyncio.wait([self.work])
        return real


def _current_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


class Runner:
    """The tasks this worker process runs now, and the follow-ups it started itself."""

    def __init__(self) -> None:
        self.active = 0
        self.spawned: set[asyncio.Task[str]] = set()
        self.stopping = False  # the worker shuts down: cancelled runs give their tasks back
        self.speculation = speculation.Speculation()
        self.commits = group_commit.GroupCommits()

    def spec(self) -> speculation.Speculation | None:
        """The speculation state, if starting ahead is on (``Settings.speculative_start``)."""
        return self.speculation if get_settings().speculative_start else None

    def stop(self) -> None:
        """The worker shuts down: every run it cancels gives its task back at once (``Run._finish``),
        instead of leaving it leased until the lease expires; its spawned runs are cancelled here
        (arq cancels only its own jobs). Called by the worker's signal handler, before arq cancels
        its jobs."""
        self.stopping = True
        for task in self.spawned:
            task.cancel()

    async def stopped(self, timeout_s: float) -> None:
        """Wait (bounded) until the cancelled spawned runs have given their tasks back."""
        spawned = list(self.spawned)
        if spawned:
            await asyncio.wait(spawned, timeout=timeout_s)

    def room(self, *, finishing: int) -> int:
        """Free local slots once ``finishing`` of the runs counted now have ended."""
        return get_settings().local_tasks - (self.active - finishing)

    def room_for_completions(self, finishing: int) -> int:
        """Dependents a completion statement may lease for this worker: the free slots, plus those
        held by runs started ahead (they wait for their leases from these statements)."""
        spec = self.spec()
        return self.room(finishing=finishing) + (spec.room_held() if spec is not None else 0)

    def hand_off(
        self, jobs: Sequence[Job], *, worker: str, wait: bool, leases: Sequence[TaskContext] = ()
    ) -> list[asyncio.Task[str]]:
        """Run ``leases`` (already taken for this worker) and the ready tasks of ``jobs`` there is
        room for here; queue the rest."""
        limit = get_settings().local_tasks
        local = [self._spawn(ctx.task_id, worker, wait, ctx) for ctx in leases]
        surplus: list[Job] = []
        for job in jobs:
            if job.function == "run_task" and job.defer_s <= 0 and self.active < limit:
                local.append(self._spawn(uuid.UUID(job.args[0]), worker, wait, None))
            else:
                surplus.append(job)
        hot_publish.send(None, surplus)  # at once: another worker may be idle
        return local

    def start_ahead(self, upstream: Run, output: str, spec: speculation.Speculation) -> list[asyncio.Task[str]]:
        """``upstream`` has its output: start the dependents whose inputs are all known here now,
        ahead of their lease (``speculation``), in the free local slots."""
        ahead, upstream.can_wait = spec.on_output(upstream.ctx, output, room=self.room(finishing=1))
        runs = [(pending, Run(self, pending.ctx, wait=upstream.wait, gate=pending.gate)) for pending in ahead]
        for _, run in runs:  # the model calls first: their runners only wait for the leases
            run.begin()
        return [self._spawn(p.ctx.task_id, upstream.ctx.worker, upstream.wait, None, (p, run)) for p, run in runs]

    def _spawn(
        self,
        task_id: uuid.UUID,
        worker: str,
        wait: bool,
        ctx: TaskContext | None,
        ahead: tuple[speculation.Pending, Run] | None = None,
    ) -> asyncio.Task[str]:
        self.active += 1  # counted now: the next job of this batch sees it
        task = asyncio.get_running_loop().create_task(self._run_spawned(task_id, worker, wait, ctx, ahead))
        self.spawned.add(task)
        task.add_done_callback(self.spawned.discard)
        return task

    async def _run_spawned(
        self,
        task_id: uuid.UUID,
        worker: str,
        wait: bool,
        ctx: TaskContext | None,
        ahead: tuple[speculation.Pending, Run] | None,
    ) -> str:
        try:
            async with asyncio.timeout(get_settings().job_timeout_s):  # as an arq job: not under arq's timeout
                return await self.run(task_id, worker=worker, wait=wait, counted=True, ctx=ctx, ahead=ahead)
        except asyncio.CancelledError:
            raise
        except TimeoutError:  # as for an arq job: the lease expires and the reconciler queues it again
            log.warning("task %s ran past the job timeout (%s s); stopped", task_id, get_settings().job_timeout_s)
            return "timeout"
        except Exception:  # nobody awaits a spawned run: log what would otherwise vanish
            log.exception("task %s failed in the worker", task_id)
            return "error"

    async def run(
        self,
        task_id: uuid.UUID,
        *,
        worker: str,
        wait: bool,
        counted: bool,
        ctx: TaskContext | None = None,
        ahead: tuple[speculation.Pending, Run] | None = None,
    ) -> str:
        """One task, then the runs its completion brings (here, or queued)."""
        if not counted:
            self.active += 1
        run: Run | None = None
        started = time.perf_counter()
        try:
            run, outcome = await self._run_one(task_id, worker=worker, wait=wait, ctx=ctx, ahead=ahead)
        finally:
            self.active -= 1
        metrics.task_finished(outcome.label, time.perf_counter() - started)
        log.info("task %s ended: %s", task_id, outcome.label)
        if outcome.label in NOT_RUN:  # another run holds the task: its end, not this one, settles it
            return outcome.label
        spec = self.spec()
        # the leases this completion brought: to the runs started ahead for them, or started now
        leases = spec.settle(task_id, outcome.leases) if spec is not None else outcome.leases
        local = self.hand_off(outcome.jobs, worker=worker, wait=wait, leases=leases)
        local += run.ahead if run is not None else []
        if wait and local:
            await asyncio.gather(*local, return_exceptions=True)
        return outcome.label

    async def _run_one(
        self,
        task_id: uuid.UUID,
        *,
        worker: str,
        wait: bool,
        ctx: TaskContext | None,
        ahead: tuple[speculation.Pending, Run] | None,
    ) -> tuple[Run | None, Outcome]:
        """Lease (unless the completion that readied the task leased it, or the run started ahead
        of its lease), then drive the run."""
        spec = self.spec()
        if ahead is not None and spec is not None:
            pending, run = ahead
            try:
                real = await run.await_lease(pending, spec)
            finally:
                spec.release(pending.ctx.agent_id)  # the guess's slot; the lease's is held by ``drive``
            if real is None:
                return None, Outcome("not leased")
            if run.ctx is not real:  # leased with another context than the run started from
                run = Run(self, real, wait=wait)
        else:
            ctx = ctx or await lease.lease(self.commits, task_id, worker=worker)
            if ctx is None:
                return None, Outcome("skipped")
            run = Run(self, ctx, wait=wait)
        return run, await run.drive()


async def run_task(runner: Runner, task_id: uuid.UUID, *, worker: str, wait_local: bool = False) -> str:
    """The job body: run one task, then its ready dependents here while there is room (the rest
    go to the queue). ``wait_local``: return only when those follow-ups ended too (burst workers
    in tests stop when the queue is empty and must not leave work behind)."""
    return await runner.run(task_id, worker=worker, wait=wait_local, counted=False)


async def run_tasks(
    runner: Runner, tasks: Sequence[tuple[uuid.UUID, int]], *, worker: str, wait_local: bool = False
) -> str:
    """The job body of ``tasks_job``: lease as many of the tasks as there is local room for, in one
    statement, and run them here; the rest go to the queue as task jobs (another worker may be idle)."""
    room = max(0, runner.room(finishing=0))
    here, rest = tasks[:room], tasks[room:]
    leases = await lease.lease_many([task_id for task_id, _ in here], worker=worker) if here else {}
    queued = [task_job(task_id, attempt) for task_id, attempt in rest]
    local = runner.hand_off(queued, worker=worker, wait=wait_local, leases=list(leases.values()))
    if wait_local and local:
        await asyncio.gather(*local, return_exceptions=True)
    return f"leased {len(leases)} of {len(tasks)}"
