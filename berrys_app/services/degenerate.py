"""Degenerate model output: text that is a loop or not text at all.

Small models (the embedded SmolLM2-135M above all) fall into loops: ``1.1.1.1…`` until the token
limit, one sentence over and over, plans whose tasks are all the same. Such output is worse than
none: a task "completes" with it and the next task builds on it. This module names what is wrong
so the planner can fall back to a plain plan and a task attempt can fail with a reason.

Two signals, both cheap and language-independent:
- no letters at all in a text long enough to need them (``1.1.1.1.1…``, ``....``);
- a loop: most of the token n-grams are repeats of earlier ones. Ordinary prose, lists, tables and
  code repeat some n-grams, never most of them (see tests/engine/test_degenerate.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

TOKEN = re.compile(r"\w+|[^\w\s]")
LETTER = re.compile(r"[^\W\d_]")
NGRAM = 8  # a loop repeats n-grams of every length; code and prose rarely repeat 8 tokens in a row
MIN_TOKENS = 24  # shorter texts (a title, "42", "Done.") are not judged for loops
MAX_REPEATED_SHARE = 0.5  # more than half of the n-grams are repeats: a loop
MIN_CHARS_WITHOUT_LETTERS = 12  # "1.1.1.1.1.1" is not an answer; "42" or "3.14" may be


def repeated_share(text: str, n: int = NGRAM) -> float:
    """The share of the text's token n-grams that already occurred earlier in it (0 = none)."""
    tokens = TOKEN.findall(text.lower())
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return 0.0
    return 1.0 - len(set(grams)) / len(grams)


def why_degenerate(text: str | None) -> str | None:
    """Why ``text`` is degenerate model output, or None when it reads as text."""
    body = (text or "").strip()
    if not body:
        return None  # an empty answer is a different problem, reported where it matters
    if len(body) >= MIN_CHARS_WITHOUT_LETTERS and not LETTER.search(body):
        return f"it has no words, only digits and symbols ({_sample(body)})"
    if len(TOKEN.findall(body)) >= MIN_TOKENS:
        share = repeated_share(body)
        if share > MAX_REPEATED_SHARE:
            return f"it repeats itself ({share:.0%} of it is repetition: {_sample(body)})"
    return None


def why_plan_degenerate(plan: Any) -> str | None:
    """Why a planner's plan is degenerate: a title without words, identical tasks, or looping
    text. ``plan`` is the planner's JSON (a dict or its text); anything else is left to plan
    validation."""
    if isinstance(plan, str):
        try:
            plan = json.loads(plan)
        except ValueError:
            return None  # not JSON: plan validation says so
    if not isinstance(plan, dict) or not isinstance(plan.get("tasks"), list):
        return None
    tasks = [t for t in plan["tasks"] if isinstance(t, dict)]
    titles: dict[str, str] = {}
    for index, task in enumerate(tasks, start=1):
        key, title = str(task.get("id") or f"#{index}"), str(task.get("title") or "")
        if title.strip() and not LETTER.search(title):
            return f"task {key}'s title {_sample(title)} has no words"
        same = " ".join(TOKEN.findall(title.lower()))
        if same and same in titles:
            return f"tasks {titles[same]} and {key} are the same ({_sample(title)})"
        titles.setdefault(same, key)
    for where, text in _plan_texts(plan, tasks):
        why = why_degenerate(text)
        if why:
            return f"the {where} is not usable text: {why}"
    return None


def _plan_texts(plan: dict[str, Any], tasks: list[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    yield "summary", str(plan.get("summary") or "")
    for index, task in enumerate(tasks, start=1):
        key = str(task.get("id") or f"#{index}")
        for field in ("title", "description", "expected_output"):
            yield f"{field.replace('_', ' ')} of task {key}", str(task.get(field) or "")


def _sample(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")
