"""The engine: what turns an approved plan into finished tasks. Read docs/architecture.md first.

Dependencies point one way: the lifecycle requests (``berrys_app.usecases``), the reconciler and
the arq jobs call the engine; the engine calls the services below it (agents, events, models, tools,
task approvals) and the domain. Nothing below imports the engine.

- ``jobs``: the queue jobs the engine sends, and their deterministic ids
- ``lifecycle``: the project's state machine and its engine-side steps (approve, start, replan)
- ``materialise``: plan -> tasks and edges; a project's start
- ``task_moves``: pause, cancel, supersede, retry, requeue, give back, wait for a person
- ``statements``: every SQL statement that changes a task's or an agent's status
- ``lease``: the hot path (lease, complete, renew) with group commit on async connections
- ``context``: the frozen task context a lease loads
- ``agent_loop``: model <-> tools over that context
- ``runner``: a worker's runs (``Run``) and the dependents it runs itself
- ``speculation``: dependents started ahead of their lease (``Settings.speculative_start``)
- ``runtime``: a worker's long-lived asyncio state (pool, Redis client, publisher, runner), built
  in arq's ``on_startup``, passed in ``ctx``
- ``planner_job``, ``aggregation_job``: the two project-level jobs
"""
