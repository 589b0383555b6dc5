"""How often the embedded model's plans and answers are degenerate: the sampling before issue 21
(temperature 0.2, no repeat penalty) against ``embedded.TEXT_SAMPLING`` / ``JSON_SAMPLING``.

    .venv/bin/python bench/embedded_degenerate.py [--rounds 2] [--task-tokens 512] [--plan-tokens 1200] \\
        [--plans 3] [--tasks 6] [--record tests/engine/fixtures/degenerate]

Same prompts for both (up to three planner prompts and six task prompts: ``--plans``/``--tasks``
take the first N, to keep a run short on a shared machine), judged by
``services.degenerate``; prints each verdict and the counts. ``--record`` writes the degenerate
outputs of the old sampling as ``recorded-*`` fixtures. Needs no database: the provider is called
directly, as ``complete()`` would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from berrys_app.domain.projects import Project
from berrys_app.services import degenerate, planning
from berrys_app.services.models import embedded
from berrys_app.services.models.provider import ProviderCall
from berrys_app.services.models.registry import builtin_spec

OLD = {"temperature": 0.2, "top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.0}
PROJECTS = [
    (
        "Vector DB market brief",
        "Compare the leading vector databases for a buyer.",
        ["list vendors", "compare pricing"],
    ),
    ("Haiku about tea", "Write a short haiku about green tea and explain it.", ["a haiku", "an explanation"]),
    ("Onboarding checklist", "A checklist for a new engineer's first week.", ["accounts and access", "first tasks"]),
]
TASKS = [
    ("Vector DB market brief", "List vendors", "Name five vector database vendors and one strength of each."),
    ("Vector DB market brief", "Compare pricing", "Compare the pricing models of vector databases."),
    ("Vector DB market brief", "Write a brief", "Write a one-page brief for a buyer of a vector database."),
    ("Haiku about tea", "A haiku", "Write a haiku about green tea."),
    ("Onboarding checklist", "Accounts and access", "List the accounts a new engineer needs in the first week."),
    ("Onboarding checklist", "First tasks", "Suggest three first tasks for a new engineer."),
]
SYSTEM = "You are a helpful agent. Do the task and answer with the result."


async def one_round(label: str, text: dict, structured: dict, args: argparse.Namespace, out: list[dict]) -> None:
    embedded.TEXT_SAMPLING.clear()
    embedded.TEXT_SAMPLING.update(text)
    embedded.JSON_SAMPLING.clear()
    embedded.JSON_SAMPLING.update(structured)
    spec = builtin_spec("embedded/smollm2")
    assert spec is not None
    calls: list[tuple[str, str, ProviderCall]] = []
    for name, description, objectives in PROJECTS[: args.plans]:
        project = Project(
            id=uuid.uuid4(), team_id=uuid.uuid4(), name=name, description=description, objectives=objectives
        )
        messages = planning.planner_messages(project)
        calls.append(("plan", name, ProviderCall(spec, messages, args.plan_tokens, schema=planning.PLAN_SCHEMA)))
    for project_name, title, description in TASKS[: args.tasks]:
        prompt = f"Project: {project_name}\n\nTask: {title}\n\n{description}"
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        calls.append(("task", title, ProviderCall(spec, messages, args.task_tokens)))
    bad = {"plan": 0, "task": 0}
    for kind, name, call in calls:
        started = time.perf_counter()
        reply = await embedded.generate(call)
        judge = degenerate.why_plan_degenerate if kind == "plan" else degenerate.why_degenerate
        why = judge(reply.content)
        bad[kind] += bool(why)
        out.append({"set": label, "kind": kind, "name": name, "why": why, "content": reply.content})
        print(f"{label:5} {kind} {name!r}: {why or 'ok'} ({time.perf_counter() - started:.1f} s)", flush=True)
    plans, tasks = len(PROJECTS[: args.plans]), len(TASKS[: args.tasks])
    print(f"{label}: degenerate plans {bad['plan']}/{plans}, answers {bad['task']}/{tasks}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--task-tokens", type=int, default=512)
    parser.add_argument("--plan-tokens", type=int, default=1200)
    parser.add_argument("--plans", type=int, default=len(PROJECTS), help="the first N planner prompts")
    parser.add_argument("--tasks", type=int, default=len(TASKS), help="the first N task prompts")
    parser.add_argument("--record", type=Path)
    args = parser.parse_args()
    new_text, new_json = dict(embedded.TEXT_SAMPLING), dict(embedded.JSON_SAMPLING)
    out: list[dict] = []
    for number in range(args.rounds):
        await one_round(f"old{number}", OLD, OLD, args, out)
        await one_round(f"new{number}", new_text, new_json, args, out)
    if args.record:
        for index, item in enumerate(i for i in out if i["set"].startswith("old") and i["why"]):
            suffix = ".json" if item["kind"] == "plan" else ".txt"
            (args.record / f"recorded-{item['kind']}-{index}{suffix}").write_text(item["content"])


if __name__ == "__main__":
    asyncio.run(main())
