"""The Trace tab's bars: offsets and widths in % of the run, the queue segment before an attempt."""

from __future__ import annotations

import uuid

from berrys_app.services.trace import ProjectTrace, TraceSpan
from berrys_app.ui.state.project_trace import duration, trace_rows, trace_summary


def _view(*spans: TraceSpan) -> ProjectTrace:
    return ProjectTrace(
        project_id=uuid.uuid4(), name="p", status="completed", traceparent="00-x-y-01", total_ms=2000.0,
        tasks_total=1, page=1, per_page=50, pages=1, queue_ms=100.0, approval_ms=0.0, budget_ms=0.0,
        tokens=12, cost_usd=0.25, critical_path=["a", "b"], spans=list(spans),
    )  # fmt: skip


def test_an_attempt_bar_starts_after_its_queue_segment() -> None:
    attempt = TraceSpan(
        id="task:1", kind="task", name="a", depth=1, start_ms=500.0, duration_ms=1000.0, queue_ms=100.0, critical=True
    )
    call = TraceSpan(id="model:1", kind="model", name="chat m", depth=2, start_ms=600.0, duration_ms=2.0, tokens_in=10)
    task_row, call_row = trace_rows(_view(attempt, call))
    assert (task_row["queue_left"], task_row["queue_width"]) == ("20.000%", "5.000%")
    assert (task_row["bar_left"], task_row["bar_width"]) == ("25.000%", "50.000%")
    assert task_row["critical"] == "1" and task_row["indent"] == "16px"
    assert task_row["metrics"] == "1.00 s · queued 100 ms"
    assert call_row["bar_width"] == "0.250%"  # a 2 ms call stays visible
    assert call_row["metrics"] == "2 ms · 10+0 tok" and call_row["critical"] == "0"


def test_the_summary_names_the_critical_path_and_the_waits() -> None:
    summary = trace_summary(_view())
    assert summary["critical_path"] == "a → b" and summary["queue"] == "100 ms" and summary["total"] == "2.00 s"
    assert duration(150_000) == "2.5 min"
