"""Pure logic of the project page: saving the plan table, the timeline, the ETA (no browser needed)."""

from __future__ import annotations

from typing import Any

from berrys_app.services import planning
from berrys_app.ui.state.plan_table import plan_from_rows, plan_rows_from


def stored_plan() -> dict[str, Any]:
    """A plan as the engine stores it (``PlanIn.model_dump``): input edges, expected outputs, priorities."""
    raw = {
        "summary": "berries, explained",
        "tasks": [
            {"id": "t1", "title": "Gather", "capabilities": ["research"], "expected_output": "facts", "priority": 3},
            {
                "id": "t2",
                "title": "Draft",
                "expected_output": "a draft",
                "priority": 2,
                "estimated_minutes": 12.5,
                "depends_on": [{"task": "t1", "type": "input"}],
            },
            {
                "id": "t3",
                "title": "Review",
                "priority": 1,
                "depends_on": [{"task": "t2", "type": "input"}, {"task": "t1", "type": "completion"}],
            },
        ],
    }
    return planning.PlanIn.model_validate(raw).model_dump(mode="json")


def submitted(rows: list[dict[str, str]], original: dict[str, Any]) -> dict[str, Any]:
    """What the engine would store for the saved table."""
    return planning.PlanIn.model_validate(plan_from_rows(rows, original)).model_dump(mode="json")


def test_saving_an_unedited_plan_changes_nothing() -> None:
    original = stored_plan()
    saved = submitted(plan_rows_from(original), original)
    assert planning.plan_diff(original, saved) == {"added": [], "removed": [], "changed": []}
    assert saved == original  # summary, input edges, expected outputs and priorities all kept


def test_an_edit_changes_only_the_edited_field_and_keeps_dependency_types() -> None:
    original = stored_plan()
    rows = plan_rows_from(original)
    rows[2]["title"] = "Review carefully"
    rows[1]["depends_on"] = "t1"  # unchanged text: still the same input edge
    saved = submitted(rows, original)
    assert planning.plan_diff(original, saved)["changed"] == [{"id": "t3", "fields": ["title"]}]
    assert saved["tasks"][2]["depends_on"] == [{"task": "t2", "type": "input"}, {"task": "t1", "type": "completion"}]


def test_editing_dependencies_keeps_the_type_of_those_still_listed() -> None:
    original = stored_plan()
    rows = plan_rows_from(original)
    rows[2]["depends_on"] = "t2"  # t1 dropped, the t2 input edge stays an input edge
    rows.append({**rows[0], "key": "t4", "title": "Extra", "depends_on": "t3", "orig": ""})
    saved = submitted(rows, original)
    diff = planning.plan_diff(original, saved)
    assert diff["added"] == ["t4"] and diff["changed"] == [{"id": "t3", "fields": ["depends_on"]}]
    assert saved["tasks"][2]["depends_on"] == [{"task": "t2", "type": "input"}]
    assert saved["tasks"][3]["depends_on"] == [{"task": "t3", "type": "completion"}]
    assert saved["tasks"][3]["expected_output"] == "" and saved["summary"] == "berries, explained"


def test_renaming_a_key_keeps_the_rest_of_the_task() -> None:
    original = stored_plan()
    rows = plan_rows_from(original)
    rows[0]["key"] = "gather"
    rows[1]["depends_on"] = "gather"
    rows[2]["depends_on"] = "t2, gather"
    saved = submitted(rows, original)
    assert saved["tasks"][0] | {"id": "t1"} == original["tasks"][0]
    assert saved["tasks"][1]["depends_on"] == [{"task": "gather", "type": "input"}]  # the edge follows the rename


def test_settings_fields_parse_to_project_update_values_or_errors_by_field() -> None:
    from datetime import UTC, datetime

    from berrys_app.ui.state.project_views import parse_settings

    values, errors = parse_settings("$2.50", "100_000", "2026-12-31")
    assert errors == {}
    assert values == {"budget_usd": 2.5, "budget_tokens": 100_000, "deadline": datetime(2026, 12, 31, tzinfo=UTC)}
    assert parse_settings("", "", "") == ({"budget_usd": None, "budget_tokens": None, "deadline": None}, {})
    _, errors = parse_settings("lots", "-1", "next week")
    assert set(errors) == {"budget_usd", "budget_tokens", "deadline"}
    assert parse_settings("-3", "1.5", "")[1].keys() == {"budget_usd", "budget_tokens"}


def _task(key: str, status: str = "pending", deps: tuple[str, ...] = (), estimate: float = 5) -> dict[str, Any]:
    return {
        "id": key,
        "key": key,
        "title": key,
        "agent": "",
        "status": status,
        "deps": list(deps),
        "estimate": estimate,
    }


def test_time_left_follows_the_longest_unfinished_chain_not_the_sum() -> None:
    from berrys_app.ui.state.project_views import remaining_minutes

    wide = [_task(f"w{i}") for i in range(20)]  # 20 parallel 5-minute tasks: 5 minutes, not 100
    assert remaining_minutes(wide) == 5
    chain = [_task("a", "completed"), _task("b", "running", ("a",), 10), _task("c", deps=("b",), estimate=3)]
    assert remaining_minutes([*chain, _task("side", deps=("a",), estimate=4)]) == 13  # b -> c
    assert remaining_minutes([_task("x", "completed"), _task("y", "cancelled")]) == 0


def test_the_board_has_a_cancelled_column() -> None:
    from berrys_app.ui.state.project_views import board_columns

    board = {column["status"]: column for column in board_columns([_task("a", "cancelled"), _task("b", "failed")])}
    assert board["cancelled"]["count"] == 1 and board["cancelled"]["tasks"][0]["key"] == "a"
    assert board["failed"]["count"] == 1 and board["pending"]["count"] == 0
