"""The Grafana dashboard and the alert rules query only metric names the processes export."""

from __future__ import annotations

from berrys_app.observability import metrics, scrape
from tests.observability.promql_names import alert_queries, dashboard_queries, exported_names, names_in


def test_the_parsers_find_the_queries_and_their_names() -> None:
    """Not vacuous: both files hold queries, and their names cover every family we record."""
    assert len(dashboard_queries()) >= 15 and len(alert_queries()) >= 8
    used = names_in(dashboard_queries()) | names_in(alert_queries())
    recorded = {metrics.TASKS, metrics.MODEL_CALLS, metrics.MODEL_ERRORS, metrics.MODEL_TOKENS, metrics.MODEL_COST}
    recorded |= {metrics.TOOL_CALLS, metrics.HTTP_REQUESTS}
    for counter in recorded:
        assert f"{counter._name}_total" in used, counter._name
    assert "berrys_queue_depth" in used and "berrys_approvals_waiting" in used


def test_every_name_queried_is_in_the_exposition(env) -> None:
    body, _ = scrape.exposition()  # this process's registry with the state collector (real stores)
    exported = exported_names(body.decode())
    assert "berrys_queue_dept" not in exported  # a typo would be caught
    for source, queries in (("grafana", dashboard_queries()), ("alerts", alert_queries())):
        missing = names_in(queries) - exported
        assert not missing, f"{source} queries names nobody exports: {sorted(missing)}"
