"""The degenerate-output guard on recorded output of the embedded model (SmolLM2-135M) and on
ordinary text: loops and digit soup are named, prose, lists, tables and code pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berrys_app.services.degenerate import MAX_REPEATED_SHARE, repeated_share, why_degenerate, why_plan_degenerate

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).parent / "fixtures" / "degenerate"  # written by the embedded model (see README there)


def _recorded(suffix: str) -> list[Path]:
    return sorted(RECORDED.glob(f"*{suffix}"))


@pytest.mark.parametrize("path", _recorded(".txt"), ids=lambda p: p.stem)
def test_recorded_degenerate_task_outputs_are_named(path: Path) -> None:
    assert why_degenerate(path.read_text()) is not None


@pytest.mark.parametrize("path", _recorded(".json"), ids=lambda p: p.stem)
def test_recorded_degenerate_plans_are_named(path: Path) -> None:
    assert why_plan_degenerate(json.loads(path.read_text())) is not None
    assert why_plan_degenerate(path.read_text()) is not None  # the planner's text, not parsed yet


def test_the_recordings_are_there() -> None:
    assert len(_recorded(".txt")) >= 2 and len(_recorded(".json")) >= 3


def _chunks() -> list[tuple[str, str]]:
    """This repository's prose (docs, README) and code, in pieces the size of a task's answer."""
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", *sorted((ROOT / "berrys_app").rglob("*.py"))]
    out = []
    for path in files:
        text = path.read_text()
        pieces = ((f"{path.relative_to(ROOT)}@{i}", text[i : i + 3000]) for i in range(0, len(text), 3000))
        out.extend(piece for piece in pieces if len(piece[1]) >= 200)  # a file's short tail is no answer
    return out


def test_ordinary_prose_and_code_are_not_degenerate() -> None:
    chunks = _chunks()
    assert len(chunks) > 300
    flagged = [(where, why_degenerate(text)) for where, text in chunks if why_degenerate(text)]
    assert flagged == []
    worst = max(repeated_share(text) for _, text in chunks)
    assert worst < MAX_REPEATED_SHARE - 0.1, worst  # a margin, not a near miss


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", "no words"),
        ("...............", "no words"),
        ("The market grows fast. " * 10, "repeats itself"),
        ("Intro line about vector databases.\n" + "- Pinecone is a vector database\n" * 12, "repeats itself"),
    ],
)
def test_loops_and_digit_soup_are_named(text: str, why: str) -> None:
    assert why in (why_degenerate(text) or "")


@pytest.mark.parametrize(
    "text",
    ["42", "3.14159", "Done.", "", "The capital of France is Paris.", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"],
)
def test_short_answers_numbers_and_tables_pass(text: str) -> None:
    assert why_degenerate(text) is None


def test_a_plan_with_identical_tasks_or_wordless_titles_is_degenerate() -> None:
    same = {"summary": "s", "tasks": [{"id": f"t{i}", "title": "Research the market"} for i in (1, 2, 3)]}
    assert "t1 and t2 are the same" in (why_plan_degenerate(same) or "")
    digits = {"summary": "s", "tasks": [{"id": "11.1.1", "title": "1.1.1.1"}]}
    assert "has no words" in (why_plan_degenerate(digits) or "")
    sound = {
        "summary": "Compare three vector databases",
        "tasks": [
            {"id": "t1", "title": "Collect sources", "description": "Find benchmark reports"},
            {"id": "t2", "title": "Write the brief", "description": "Two pages", "expected_output": "a brief"},
        ],
    }
    assert why_plan_degenerate(sound) is None
    assert why_plan_degenerate("not json at all") is None  # left to plan validation
