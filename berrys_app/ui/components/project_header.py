"""The project page's header: name, status, presence, progress/cost/plan figures, the actions
the role may take, and the settings dialog (budget, deadline). The engine checks every action."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.labels import human, initials_of
from berrys_app.ui.state.project import ProjectState as S


def action(label: str, handler: Any, *, ident: str, when: Any, color: str = "violet", variant: str = "solid"):
    return rx.cond(
        when & S.can_write,
        rx.button(label, on_click=handler, id=ident, color_scheme=color, variant=variant),
    )


def reject_popover() -> rx.Component:
    return rx.cond(
        (S.status == "plan_review") & S.can_write,
        rx.popover.root(
            rx.popover.trigger(rx.button("Reject", color_scheme="red", variant="soft", id="reject-plan")),
            rx.popover.content(
                rx.vstack(
                    rx.text("Why reject this plan?", size="2", weight="medium"),
                    rx.text_area(value=S.reject_reason, on_change=S.set_reject_reason, id="reject-reason"),
                    rx.popover.close(
                        rx.button("Reject plan", color_scheme="red", on_click=S.reject, id="confirm-reject")
                    ),
                    spacing="2",
                ),
                width="320px",
            ),
        ),
    )


def actions() -> rx.Component:
    status = S.status
    return rx.hstack(
        action("Plan", S.plan, ident="action-plan", when=(status == "created") | (status == "failed")),
        # the planner is given the rejection's reason (planning.rejection_feedback)
        action("Plan again with your feedback", S.plan, ident="action-plan", when=status == "rejected"),
        action(
            "Approve and run",
            S.approve_and_run,
            ident="action-approve-run",
            when=status == "plan_review",
            color="green",
        ),
        action(
            "Approve only",
            S.approve,
            ident="action-approve",
            when=status == "plan_review",
            color="green",
            variant="soft",
        ),
        reject_popover(),
        action("Execute", S.execute, ident="action-execute", when=status == "ready", color="green"),
        action("Pause", S.pause, ident="action-pause", when=status == "executing", variant="soft"),
        action("Resume", S.resume, ident="action-resume", when=status == "paused"),
        settings_dialog(),
        action(
            "Cancel",
            S.cancel,
            ident="action-cancel",
            when=(status == "executing") | (status == "paused") | (status == "ready") | (status == "plan_review"),
            color="gray",
            variant="soft",
        ),
        spacing="2",
        wrap="wrap",
    )


def settings_field(label: str, name: str, value: Any, on_change: Any, *, ident: str, **props: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.input(value=value, on_change=on_change, id=ident, width="100%", **props),
        rx.cond(
            S.settings_errors.contains(name),
            rx.text(S.settings_errors[name], color_scheme="red", size="1", class_name="field-error", data_field=name),
        ),
        spacing="1",
        width="100%",
    )


def settings_dialog() -> rx.Component:
    """Budget and deadline (e.g. to let a task that spent the budget go on); the engine checks the role."""
    editable = (S.status != "completed") & (S.status != "cancelled") & S.can_write
    return rx.cond(
        editable,
        rx.dialog.root(
            rx.button(
                rx.icon("settings", size=14),
                "Settings",
                variant="soft",
                color_scheme="gray",
                on_click=S.open_settings,
                id="project-settings",
            ),
            rx.dialog.content(
                rx.vstack(
                    rx.dialog.title("Project settings", margin="0"),
                    settings_field(
                        "Budget (USD, empty: none)",
                        "budget_usd",
                        S.settings_budget,
                        S.set_settings_budget,
                        ident="settings-budget",
                    ),
                    settings_field(
                        "Token budget (empty: none)",
                        "budget_tokens",
                        S.settings_tokens,
                        S.set_settings_tokens,
                        ident="settings-tokens",
                    ),
                    settings_field(
                        "Deadline",
                        "deadline",
                        S.settings_deadline,
                        S.set_settings_deadline,
                        ident="settings-deadline",
                        type="date",
                    ),
                    rx.cond(
                        S.settings_errors.contains("form"),
                        rx.callout(S.settings_errors["form"], icon="triangle_alert", color_scheme="red", size="1"),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                        rx.button("Save", on_click=S.save_settings, id="save-settings"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                max_width="420px",
                id="settings-dialog",
            ),
            open=S.settings_open,
            on_open_change=S.set_settings_open,
        ),
    )


def progress_note() -> rx.Component:
    """What the project is doing while no task shows it: planning, and writing the final report."""
    return rx.cond(
        S.status == "planning",
        rx.callout(
            "Planning: the planner is writing the tasks for your objectives. This page updates when the plan arrives.",
            icon="loader",
            color_scheme="blue",
            id="planning-progress",
            width="100%",
        ),
        rx.cond(
            S.writing_report,
            rx.callout(
                "All tasks are done: writing the report…",
                icon="loader",
                color_scheme="violet",
                id="report-progress",
                width="100%",
            ),
            rx.cond(
                (S.status == "ready") & S.can_write,
                rx.text(
                    "The plan is approved. Execute starts the agents.",
                    size="2",
                    color_scheme="gray",
                    id="ready-hint",
                ),
            ),
        ),
    )


def stat(label: str, *children: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="1", color_scheme="gray"), *children, spacing="1"), min_width="200px")


def header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.project["name"].to(str), size="6", id="project-name"),
            rx.badge(human(S.status), color_scheme=S.status_color, size="2", id="project-status", data_status=S.status),
            rx.spacer(),
            presence_bar(),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(S.status_note != "", rx.text(S.status_note, size="2", color_scheme="gray", id="status-note")),
        progress_note(),
        rx.hstack(
            stat(
                "Progress",
                rx.progress(value=S.progress, id="project-progress"),
                rx.text(
                    S.done_count.to(str) + " / " + S.active_count.to(str) + " tasks done",
                    size="2",
                    id="progress-text",
                ),
                rx.text(S.eta, size="1", color_scheme="gray"),
            ),
            stat(
                "Cost vs budget",
                rx.progress(value=S.budget_pct, color_scheme=rx.cond(S.budget_pct >= 90, "red", "green")),
                rx.text(S.budget_text, size="2", id="cost-text"),
                rx.text(S.tokens_used.to(str) + " tokens", size="1", color_scheme="gray", id="tokens-text"),
            ),
            stat(
                "Plan",
                rx.text(rx.cond(S.plan_version > 0, "v" + S.plan_version.to(str), "none yet"), size="4", weight="bold"),
                rx.text(human(S.plan_status), size="1", color_scheme="gray"),
            ),
            wrap="wrap",
            spacing="3",
        ),
        actions(),
        rx.cond(
            S.action_error != "",
            rx.callout(S.action_error, icon="triangle_alert", color_scheme="red", id="action-error"),
        ),
        spacing="3",
        width="100%",
    )


def presence_bar() -> rx.Component:
    return rx.hstack(
        rx.icon("eye", size=14),
        rx.foreach(
            S.viewers,
            lambda name: rx.tooltip(
                rx.box(
                    rx.avatar(fallback=initials_of(name), size="1", radius="full"), class_name="viewer", data_name=name
                ),
                content=name,
            ),
        ),
        align="center",
        spacing="1",
        id="presence",
    )
