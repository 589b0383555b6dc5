"""Lifecycle requests: who may ask, then the engine's state machine. Read docs/architecture.md first.

This layer sits between the front doors (``ui``, ``api``, ``workers``) and the engine: every
module here checks the actor (``services.projects.authorized``, a trigger's token, an approval's
decider role) and then moves a project through the engine. Reads and access checks stay in
``services`` below the engine, so the many services that only read a project never reach it.

- ``project_lifecycle``: plan (ask, submit, approve, reject), start, pause, resume, cancel, a
  person's retry of a task, the retry an approval decision lets through
- ``forks``: fork or replay a project at a task, retry from a failed task in place
- ``decisions``: deciding an approval (a plan's goes through ``project_lifecycle``)
- ``template_starts``: a project started from a template (by hand, MCP, a trigger)
- ``trigger_runs``: a due schedule slot or an accepted inbound webhook call starts one
"""
