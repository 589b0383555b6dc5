"""Small page helpers the screenshots showed wrong (issue 21): the Models page's prices per 1M tokens
(not ``8e-07``), cost axes from zero (not -1..1 for $0), days as labels (not ``23:59:59.9995``); a
worker named ``worker-1`` in the activity."""

from __future__ import annotations

from decimal import Decimal

from berrys_app.ui import usage_charts
from berrys_app.ui.format import actor_label, label, per_million
from berrys_app.ui.state.project_views import event_row


def test_per_token_prices_show_per_million_tokens() -> None:
    assert per_million(Decimal("0.00000015"), Decimal("0.0000006")) == "$0.15 / $0.60"
    assert per_million(Decimal("0.0000008"), Decimal("0.000004")) == "$0.80 / $4.00"
    assert per_million(Decimal("0.000000002"), Decimal("0.000015")) == "$0.002 / $15.00"
    assert per_million(0, 0) == "free"


def test_nothing_spent_is_a_zero_axis_with_a_note_not_minus_one_to_one() -> None:
    figure = usage_charts.cost_by_model([{"model": "scripted/echo", "cost": 0.0}])
    assert tuple(figure.layout.yaxis.range) == (0, 0.01)
    assert [a.text for a in figure.layout.annotations] == [usage_charts.FREE_NOTE]
    spent = usage_charts.cost_by_model([{"model": "openai/x", "cost": 0.25}])
    assert spent.layout.yaxis.rangemode == "tozero" and not spent.layout.annotations


def test_no_usage_at_all_is_a_note_without_axes() -> None:
    for figure in (usage_charts.cost_by_model([]), usage_charts.cost_by_day([]), usage_charts.tokens_by_model([])):
        assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False
        assert [a.text for a in figure.layout.annotations] == [usage_charts.NO_USAGE_NOTE]


def test_days_are_labelled_categories() -> None:
    figure = usage_charts.cost_by_day([{"day": "2026-12-07", "cost": 0.0}, {"day": "2026-12-08", "cost": 1.5}])
    assert figure.layout.xaxis.type == "category"
    assert list(figure.data[0].x) == ["Dec 7", "Dec 8"]


def test_a_worker_actor_is_named_without_its_process_suffix() -> None:
    assert actor_label("worker:worker-1#3915-06e425") == "worker-1"
    assert actor_label("worker-2#4345-dda731") == "worker-2"  # task events name the worker without the prefix
    assert actor_label("owen@example.com") == "owen@example.com" and actor_label(None) == ""
    row = event_row({"kind": "task.completed", "actor": "worker:worker-2#77-abc", "payload": {}})
    assert row["actor"] == "worker-2"


def test_approval_policies_have_human_labels() -> None:  # the Tools page showed side_effects
    assert label("side_effects") == "Side effects" and label("never") == "Never"
