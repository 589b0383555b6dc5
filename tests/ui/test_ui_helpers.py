"""Pure helpers behind the dashboard: plan-table validation, DAG layout, sanitising, row shaping."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from berrys_app.domain.projects import ProjectCreate
from berrys_app.ui.components.markdown import safe_markdown
from berrys_app.ui.dag import TITLE_CHARS, arrow_gap, dag_figure, depths, layout_positions
from berrys_app.ui.format import brief, human_time, initials, label, markdown_text, model_label
from berrys_app.ui.state.plan_table import find_cycle, plan_rows_from, validate_plan_rows
from berrys_app.ui.state.project_views import task_row
from berrys_app.ui.state.projects import form_errors, project_row


def row(key: str, title: str = "t", deps: str = "", minutes: str = "") -> dict[str, str]:
    return {
        "key": key,
        "title": title,
        "description": "",
        "capabilities": "",
        "depends_on": deps,
        "estimated_minutes": minutes,
    }


def test_plan_validation_reports_each_problem_on_its_cell() -> None:
    errors = validate_plan_rows([row("a"), row("a", deps="zz"), row("", title=""), row("b", deps="b", minutes="x")])
    assert errors["1:key"] == "duplicate key a"
    assert errors["1:depends_on"] == "unknown task zz"
    assert errors["2:key"] == "key is required"
    assert errors["2:title"] == "title is required"
    assert errors["3:depends_on"] == "a task cannot depend on itself"
    assert errors["3:estimated_minutes"] == "a number of minutes ≥ 0"


def test_plan_validation_finds_cycles_and_accepts_a_dag() -> None:
    cyclic = validate_plan_rows([row("a", deps="c"), row("b", deps="a"), row("c", deps="b")])
    assert cyclic["plan"].startswith("dependency cycle: ")
    assert validate_plan_rows([row("a"), row("b", deps="a"), row("c", deps="a, b")]) == {}
    assert validate_plan_rows([]) == {"plan": "a plan needs at least one task"}


def test_find_cycle_returns_the_loop() -> None:
    assert find_cycle({"a": ["b"], "b": ["a"]}) in (["a", "b", "a"], ["b", "a", "b"])
    assert find_cycle({"a": [], "b": ["a"]}) == []


def test_plan_rows_from_reads_the_engine_plan_shape() -> None:
    plan = {
        "tasks": [
            {"id": "t1", "title": "One", "capabilities": ["research"], "estimated_minutes": 5, "depends_on": []},
            {"id": "t2", "title": "Two", "depends_on": [{"task": "t1", "type": "input"}]},
        ]
    }
    rows = plan_rows_from(plan)
    assert rows[0] == row("t1", "One", minutes="5") | {"capabilities": "research", "orig": "t1"}
    assert rows[1]["depends_on"] == "t1"


def test_dag_layout_puts_tasks_in_columns_by_depth() -> None:
    tasks = [
        {"key": "a", "title": "A", "status": "completed", "deps": []},
        {"key": "b", "title": "B", "status": "running", "deps": ["a"]},
        {"key": "c", "title": "C", "status": "pending", "deps": ["a", "b"]},
    ]
    assert depths(tasks) == {"a": 0, "b": 1, "c": 2}
    assert [layout_positions(tasks)[k][0] for k in "abc"] == [0.0, 1.0, 2.0]
    figure = dag_figure(tasks, ["a", "b", "c"])
    edges, critical, nodes = figure.data
    # a->b, b->c on the critical path; each edge stops short of its task so the arrowhead shows
    gap = arrow_gap(2.0)
    assert list(critical.x) == pytest.approx([0.0, 1.0 - gap, None, 1.0, 2.0 - gap, None])
    assert list(edges.x) == pytest.approx([0.0, 2.0 - gap, None])  # a->c is not
    assert critical.marker.symbol == edges.marker.symbol == "arrow"
    assert critical.marker.angleref == "previous"  # the arrow points along its edge
    assert [size > 0 for size in critical.marker.size] == [False, True, False] * 2  # a head at each end only
    assert list(nodes.marker.color) == ["#16a34a", "#7c3aed", "#9ca3af"]
    assert list(nodes.text) == ["A", "B", "C"]  # labelled by title
    assert figure.layout.dragmode == "pan"


def test_dag_labels_long_titles_short_and_big_plans_by_key() -> None:
    long_title = "Write the market overview for vector databases in Europe"
    figure = dag_figure([{"key": "t1", "title": long_title, "status": "pending", "deps": []}], [])
    label_text = figure.data[2].text[0]
    assert label_text.endswith("…") and len(label_text) <= TITLE_CHARS
    assert long_title in figure.data[2].hovertext[0] and "Pending" in figure.data[2].hovertext[0]
    many = [{"key": f"t{i}", "title": f"Task {i}", "status": "pending", "deps": []} for i in range(200)]
    assert list(dag_figure(many, []).data[2].text[:2]) == ["t0", "t1"]


def test_dag_layout_survives_a_cycle() -> None:
    assert depths([{"key": "a", "deps": ["b"]}, {"key": "b", "deps": ["a"]}]).keys() == {"a", "b"}


def test_agent_markdown_is_not_escaped_twice_and_raw_html_stays_off() -> None:
    text = "<script>alert(1)</script> **ok**\n\n```\nif a < b && c > d: pass\n```\n> quoted"
    assert markdown_text(text) == text  # escaping here would show &lt; inside code blocks
    assert task_row({"id": "1", "key": "k", "title": "T", "status": "completed", "output": text})["output"] == text
    rendered = str(safe_markdown("x"))
    assert "rehypeRaw" not in rendered and "ReactMarkdown" in rendered  # raw HTML is shown as text


def test_project_row_shows_progress_cost_and_owner() -> None:
    shaped = project_row(
        {
            "id": "p",
            "name": "P",
            "status": "executing",
            "tasks_done": 3,
            "tasks_total": 4,
            "cost_usd": 0.5,
            "owner_name": "Ada",
        }
    )
    assert (shaped["progress"], shaped["tasks"], shaped["cost"], shaped["owner"], shaped["color"]) == (
        75,
        "3/4",
        "$0.5000",
        "Ada",
        "violet",
    )


def test_statuses_and_event_kinds_have_human_labels() -> None:
    assert label("waiting_approval") == "Waiting for approval"
    assert label("plan_review") == "Plan to review"
    assert label("task.lease_expired") == "Task lease expired"
    assert label("member.added") == "Member added"
    assert label("completed") == "Completed"


def test_avatar_initials_come_from_first_and_last_name() -> None:
    assert initials("Test User") == "TU"
    assert initials("ada lovelace byron") == "AB"
    assert initials("Ada") == "A"
    assert initials("") == "?"


def test_form_errors_come_all_at_once_in_human_words() -> None:
    with pytest.raises(ValidationError) as caught:
        ProjectCreate.model_validate(
            {"name": "x" * 201, "objectives": ["fine", "y" * 1001], "budget_usd": -1, "max_agents": 500}
        )
    assert form_errors(caught.value) == {
        "name": "Name: at most 200 characters",
        "objectives": "Objective 2: at most 1000 characters",
        "budget_usd": "Budget: at least 0",
        "max_agents": "Max agents: at most 100",
    }


def test_long_descriptions_are_cut_at_a_sentence_and_times_are_human() -> None:
    text = "Fetch a URL and return its body. Only hosts on the allow list are reachable. " * 5
    cut = brief(text, 120)
    assert cut.endswith(".") and text.startswith(cut) and len(cut) <= 120  # whole sentences only
    assert brief("word " * 100, 50).endswith("…")
    assert human_time("2026-12-07T06:44:12.123456+00:00") == "Dec 7, 06:44:12"
    assert model_label("default", "embedded/smollm2") == "embedded/smollm2 (default)"
    assert model_label("openai/gpt-4o", "embedded/smollm2") == "openai/gpt-4o"
