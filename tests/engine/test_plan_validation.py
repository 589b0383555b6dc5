"""Plan validation: cycles named, unknown references, empty plans, critical path, repair, diff."""

from __future__ import annotations

import pytest

from berrys_app.services.errors import ValidationFailed
from berrys_app.services.planning import find_cycle, plan_diff, validate_plan


def _task(key: str, *deps: str, minutes: float = 10, kind: str = "completion") -> dict:
    return {
        "id": key,
        "title": f"Task {key}",
        "estimated_minutes": minutes,
        "depends_on": [{"task": d, "type": kind} for d in deps],
    }


def test_cycle_is_rejected_and_named() -> None:
    plan = {"tasks": [_task("a"), _task("b", "a", "d"), _task("c", "b"), _task("d", "c")]}
    with pytest.raises(ValidationFailed) as info:
        validate_plan(plan)
    assert info.value.details["problem"] == "cycle"
    cycle = info.value.details["cycle"]
    assert cycle[0] == cycle[-1] and set(cycle) == {"b", "c", "d"}
    assert "b -> d -> c -> b" in info.value.message or "->".join(cycle) in info.value.message.replace(" ", "")


def test_self_dependency_is_a_cycle() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_plan({"tasks": [_task("a", "a")]})
    assert info.value.details["cycle"] == ["a", "a"]


def test_unknown_reference_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_plan({"tasks": [_task("a"), _task("b", "zzz")]})
    assert info.value.details == {"problem": "unknown_reference", "references": [{"task": "b", "depends_on": "zzz"}]}
    assert "b -> zzz" in info.value.message


def test_empty_plan_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_plan({"summary": "nothing", "tasks": []})
    assert info.value.details["problem"] == "empty_plan"


def test_duplicate_ids_and_bad_json_are_rejected() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_plan({"tasks": [_task("a"), _task("a")]})
    assert info.value.details == {"problem": "duplicate_task", "tasks": ["a"]}
    with pytest.raises(ValidationFailed) as info:
        validate_plan("{not json")
    assert info.value.details["problem"] == "invalid_json"
    with pytest.raises(ValidationFailed) as info:
        validate_plan({"tasks": [{"id": "a"}]})  # no title
    assert info.value.details["problem"] == "schema"


def test_critical_path_and_estimated_total() -> None:
    plan = {
        "tasks": [
            _task("a", minutes=10),
            _task("b", "a", minutes=30),
            _task("c", "a", minutes=5),
            _task("d", "b", "c", minutes=10),
        ]
    }
    validated = validate_plan(plan)
    assert validated.critical_path == ["a", "b", "d"]
    assert validated.estimated_total_minutes == 50
    assert validated.total_effort_minutes == 55
    assert validated.order.index("a") < validated.order.index("b") < validated.order.index("d")


def test_replan_may_depend_on_completed_tasks() -> None:
    validated = validate_plan({"tasks": [_task("b2", "a", kind="input")]}, done_keys={"a"})
    assert validated.order == ["b2"]


def test_lenient_repairs_weak_model_output() -> None:
    plan = {
        "tasks": [
            _task("a", "ghost"),
            _task("b", "a", "b"),
            _task("c", "b"),
            {"id": "a", "title": " ", "depends_on": ["c"]},
        ]
    }
    validated = validate_plan(plan, lenient=True)
    keys = [t.id for t in validated.plan.tasks]
    assert len(set(keys)) == 4
    assert any("ghost" in w for w in validated.warnings)
    assert find_cycle({t.id: [d.task for d in t.depends_on] for t in validated.plan.tasks}) is None
    assert validated.plan.tasks[3].title == "Task 4"


def test_diff_between_versions() -> None:
    old = {"tasks": [_task("a"), _task("b", "a")]}
    new = {"tasks": [_task("a", minutes=99), _task("c", "a")]}
    assert plan_diff(old, new) == {
        "added": ["c"],
        "removed": ["b"],
        "changed": [{"id": "a", "fields": ["estimated_minutes"]}],
    }
