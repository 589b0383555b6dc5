"""The Trace tab: a waterfall of the project's planning, task attempts, model and tool calls and
waits for a person; the critical path marked; a click shows a span's prompt/response excerpt."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.state.project import ProjectState as S


def _figure(name: str, key: str) -> rx.Component:
    return rx.vstack(
        rx.text(name, size="1", color_scheme="gray"),
        rx.text(S.trace_summary[key], size="2", weight="medium", id=f"trace-{key.replace('_', '-')}"),
        spacing="0",
    )


def trace_summary() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _figure("Duration", "total"),
            _figure("Tasks run", "tasks"),
            _figure("Waiting in queue", "queue"),
            _figure("Waiting for approvals", "approval"),
            _figure("Waiting for budget", "budget"),
            _figure("Tokens", "tokens"),
            _figure("Cost", "cost"),
            spacing="5",
            wrap="wrap",
        ),
        rx.hstack(
            rx.badge("critical path", color_scheme="orange", variant="surface"),
            rx.text(S.trace_summary["critical_path"], size="2", id="trace-critical-path"),
            align="center",
        ),
        spacing="2",
        width="100%",
    )


def span_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    critical = row["critical"] == "1"
    return rx.hstack(
        rx.hstack(
            rx.cond(critical, rx.icon("flame", size=12, color="var(--orange-10)")),
            rx.text(row["name"], size="1", weight=rx.cond(critical, "bold", "regular"), truncate=True),
            padding_left=row["indent"],
            width="34%",
            min_width="0",
            spacing="1",
            align="center",
        ),
        rx.box(
            rx.box(
                position="absolute", left=row["queue_left"], width=row["queue_width"], top="5px", height="6px",
                background="var(--gray-6)", class_name="trace-queue",
            ),
            rx.box(
                position="absolute", left=row["bar_left"], width=row["bar_width"], top="2px", height="12px",
                background=row["color"], border_radius="2px",
                outline=rx.cond(critical, "2px solid var(--orange-9)", "none"),
            ),
            position="relative",
            height="16px",
            flex="1",
            overflow="hidden",
            background="var(--gray-2)",
        ),
        rx.text(row["metrics"], size="1", color_scheme="gray", width="22%", truncate=True, text_align="right"),
        width="100%",
        spacing="2",
        align="center",
        padding_y="1px",
        cursor="pointer",
        _hover={"background": "var(--accent-a3)"},
        on_click=S.select_span(row["id"]),
        class_name="trace-span",
        data_kind=row["kind"],
        data_status=row["status"],
        data_critical=row["critical"],
        data_span=row["id"],
    )  # fmt: skip


def span_detail() -> rx.Component:
    d = S.trace_selected
    return rx.cond(
        d.contains("id"),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.badge(d["kind"]),
                    rx.text(d["name"], weight="bold", size="2"),
                    rx.badge(d["status"], variant="soft"),
                    rx.spacer(),
                    rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1", on_click=S.select_span("")),
                    width="100%",
                    align="center",
                ),
                rx.text(d["timing"], size="1", color_scheme="gray"),
                rx.text(d["detail"], size="2", white_space="pre-wrap", id="trace-detail"),
                width="100%",
            ),
            width="100%",
            id="trace-span-detail",
        ),
    )


def trace_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(S.trace_error != "", rx.callout(S.trace_error, icon="triangle_alert", color_scheme="red")),
        rx.hstack(
            trace_summary(),
            rx.spacer(),
            rx.button(rx.icon("refresh_cw", size=14), "Refresh", variant="soft", size="1", on_click=S.refresh_trace),
            width="100%",
            align="start",
        ),
        span_detail(),
        rx.vstack(rx.foreach(S.trace_rows, span_row), spacing="0", width="100%", id="trace-waterfall"),
        rx.hstack(
            rx.button("Previous", size="1", variant="soft", on_click=S.trace_prev, disabled=S.trace_page <= 1),
            rx.text(S.trace_summary["page"], size="1", id="trace-page"),
            rx.button("Next", size="1", variant="soft", on_click=S.trace_next, disabled=S.trace_page >= S.trace_pages),
            rx.spacer(),
            rx.text("traceparent ", S.trace_summary["traceparent"], size="1", color_scheme="gray"),
            align="center",
            width="100%",
        ),
        width="100%",
        spacing="3",
    )
