"""Pure helpers behind the dashboard: plan-table validation, DAG layout, sanitising, row shaping."""

from __future__ import annotations

from berrys_app.ui.components.dag import dag_figure, depths, layout_positions
from berrys_app.ui.components.markdown import markdown_text, safe_markdown
from berrys_app.ui.state.plan_table import find_cycle, plan_rows_from, validate_plan_rows
from berrys_app.ui.state.project_views import task_row
from berrys_app.ui.state.projects import project_row


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
    assert list(critical.x) == [0.0, 1.0, None, 1.0, 2.0, None]  # a->b, b->c on the critical path
    assert list(edges.x) == [0.0, 2.0, None]  # a->c is not
    assert list(nodes.marker.color) == ["#16a34a", "#7c3aed", "#9ca3af"]


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
