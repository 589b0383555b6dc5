"""The Trace tab: the project's waterfall (``services.trace``), one page of tasks at a time.

A state mixin of ``ProjectState``. Read when the tab opens (and on Refresh), not live: a trace
is for looking back at a run. The rows sent to the browser carry only what the bars need; a
span's prompt/response excerpt stays on the server until it is clicked.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.services import trace
from berrys_app.services.errors import ServiceError
from berrys_app.ui.format import label, money

TRACE_PER_PAGE = 50  # tasks per page: ~3-4 rows each (attempt, model and tool calls)
KIND_COLOR = {
    "project": "var(--gray-8)",
    "planning": "var(--violet-9)",
    "task": "var(--blue-9)",
    "model": "var(--grass-9)",
    "tool": "var(--amber-9)",
    "approval": "var(--crimson-9)",
    "budget": "var(--red-9)",
    "aggregate": "var(--cyan-9)",
}


def duration(ms: float) -> str:
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 120_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def _pct(value: float, total: float) -> float:
    return max(0.0, min(100.0, 100 * value / total)) if total > 0 else 0.0


def trace_rows(view: trace.ProjectTrace) -> list[dict[str, str]]:
    """The bars: offsets and widths in % of the project's duration, labels as text."""
    total = view.total_ms or 1.0
    rows = []
    for span in view.spans:
        left = _pct(span.start_ms - span.queue_ms, total)
        queue_width = _pct(span.queue_ms, total)
        metrics = [duration(span.duration_ms)]
        if span.tokens_in or span.tokens_out:
            metrics.append(f"{span.tokens_in}+{span.tokens_out} tok")
        if span.cost_usd:
            metrics.append(money(span.cost_usd))
        if span.queue_ms >= 1:
            metrics.append(f"queued {duration(span.queue_ms)}")
        rows.append(
            {
                "id": span.id,
                "kind": span.kind,
                "name": span.name,
                "status": span.status,
                "indent": f"{span.depth * 16}px",
                "queue_left": f"{left:.3f}%",
                "queue_width": f"{queue_width:.3f}%",
                "bar_left": f"{_pct(span.start_ms, total):.3f}%",
                "bar_width": f"{max(_pct(span.duration_ms, total), 0.25):.3f}%",
                "color": KIND_COLOR.get(span.kind, "var(--gray-9)"),
                "critical": "1" if span.critical else "0",
                "metrics": " · ".join(metrics),
            }
        )
    return rows


def trace_summary(view: trace.ProjectTrace) -> dict[str, str]:
    return {
        "total": duration(view.total_ms),
        "tasks": str(view.tasks_total),
        "queue": duration(view.queue_ms),
        "approval": duration(view.approval_ms),
        "budget": duration(view.budget_ms),
        "tokens": str(view.tokens),
        "cost": money(view.cost_usd),
        "critical_path": " → ".join(view.critical_path) or "—",
        "traceparent": view.traceparent,
        "page": f"page {view.page} of {view.pages}",
    }


class TraceView(rx.State, mixin=True):
    """The waterfall's rows for the current page, and the span clicked for its excerpt."""

    trace_rows: list[dict[str, str]] = []
    trace_summary: dict[str, str] = {}
    trace_page: int = 1
    trace_pages: int = 1
    trace_error: str = ""
    trace_selected: dict[str, str] = {}
    _trace_details: dict[str, dict[str, str]] = {}

    def _load_trace(self) -> None:
        self.trace_error = ""
        pid = self._pid()
        if pid is None:
            return
        try:
            with session_scope() as session:
                view = trace.project_trace(
                    session, self._actor(session), pid, page=self.trace_page, per_page=TRACE_PER_PAGE
                )
        except ServiceError as exc:
            self.trace_error = exc.message
            self.trace_rows = []
            return
        self.trace_pages = view.pages
        self.trace_rows = trace_rows(view)
        self.trace_summary = trace_summary(view)
        self._trace_details = {
            span.id: {
                "name": span.name,
                "kind": label(span.kind),
                "status": label(span.status),
                "timing": f"starts at {duration(span.start_ms)} · takes {duration(span.duration_ms)}",
                "detail": span.detail or "(no prompt or response recorded for this span)",
            }
            for span in view.spans
        }
        self.trace_selected = {}

    def _clear_trace(self) -> None:
        self.trace_rows, self.trace_summary, self.trace_selected, self._trace_details = [], {}, {}, {}
        self.trace_page, self.trace_pages, self.trace_error = 1, 1, ""

    @rx.event
    def refresh_trace(self):
        self._load_trace()

    @rx.event
    def trace_next(self):
        if self.trace_page < self.trace_pages:
            self.trace_page += 1
            self._load_trace()

    @rx.event
    def trace_prev(self):
        if self.trace_page > 1:
            self.trace_page -= 1
            self._load_trace()

    @rx.event
    def select_span(self, span_id: str):
        """Show a span's excerpt (only spans of the page this tab loaded, which the service authorised)."""
        found: dict[str, Any] | None = self._trace_details.get(span_id)
        self.trace_selected = {**found, "id": span_id} if found else {}
