"""The project page: header with actions, plan graph, board, plan review, timeline, results, task drawer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.markdown import safe_markdown
from berrys_app.ui.layout import page
from berrys_app.ui.presence import HEARTBEAT_S
from berrys_app.ui.state.project import ProjectState as S

TIMELINE_FILTERS = ["all", "project.", "plan.", "task.", "agent.", "tool.", "model.", "comment."]


# -- header -----------------------------------------------------------------------------


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
        action(
            "Plan",
            S.plan,
            ident="action-plan",
            when=(status == "created") | (status == "rejected") | (status == "failed"),
        ),
        action("Approve plan", S.approve, ident="action-approve", when=status == "plan_review", color="green"),
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


def stat(label: str, *children: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="1", color_scheme="gray"), *children, spacing="1"), min_width="200px")


def header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.project["name"].to(str), size="6", id="project-name"),
            rx.badge(S.status, color_scheme=S.status_color, size="2", id="project-status", data_status=S.status),
            rx.spacer(),
            presence_bar(),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            S.project["status_reason"].to(str) != "",
            rx.text(S.project["status_reason"].to(str), size="2", color_scheme="gray"),
        ),
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
                rx.text(S.plan_status, size="1", color_scheme="gray"),
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
                rx.box(rx.avatar(fallback=name[:2], size="1", radius="full"), class_name="viewer", data_name=name),
                content=name,
            ),
        ),
        align="center",
        spacing="1",
        id="presence",
    )


# -- graph and board --------------------------------------------------------------------


def graph_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.active_count > 0,
            rx.plotly.basic(
                data=S.graph,
                on_click=S.open_task_from_graph,
                config={"displayModeBar": False, "responsive": True},
                use_resize_handler=True,
                width="100%",
                id="plan-graph",
            ),
            rx.text("No tasks yet: ask for a plan.", color_scheme="gray"),
        ),
        rx.hstack(
            rx.box(width="24px", height="4px", background="#7c3aed"),
            rx.text("critical path", size="1", color_scheme="gray"),
            align="center",
        ),
        width="100%",
    )


def task_card(task: rx.Var[dict[str, Any]]) -> rx.Component:
    """A light card (plain boxes: a 500-task board re-renders on every live update)."""
    return rx.box(
        rx.text(task["title"].to(str), weight="medium", size="2"),
        rx.text(task["key"].to(str), " ", task["agent"].to(str), size="1", color_scheme="gray"),
        on_click=S.open_task(task["id"].to(str)),
        cursor="pointer",
        width="100%",
        padding="0.5em 0.7em",
        border="1px solid var(--gray-a5)",
        border_radius="var(--radius-3)",
        background="var(--color-panel-solid)",
        class_name="task-card",
        data_task=task["key"].to(str),
        data_status=task["status"].to(str),
    )


def board_column(column: rx.Var[dict[str, Any]]) -> rx.Component:
    tasks = column["tasks"].to(list[dict[str, Any]])
    return rx.vstack(
        rx.hstack(
            rx.badge(column["status"].to(str), color_scheme=column["color"].to(str)),
            rx.text(column["count"].to(str), size="1", color_scheme="gray", class_name="column-count"),
        ),
        rx.foreach(tasks, task_card),
        rx.cond(
            column["more"].to(int) > 0,
            rx.text("+ ", column["more"].to(str), " more", size="1", color_scheme="gray"),
        ),
        min_width="200px",
        width="200px",
        padding="0.5em",
        border_radius="8px",
        background="var(--gray-a2)",
        class_name="board-column",
        data_column=column["status"].to(str),
    )


def board_tab() -> rx.Component:
    return rx.scroll_area(
        rx.hstack(rx.foreach(S.board, board_column), align="start", spacing="3"),
        scrollbars="horizontal",
        width="100%",
        id="board",
    )


# -- plan review ------------------------------------------------------------------------


def cell_input(row: rx.Var[dict[str, str]], index: rx.Var[int], field: str, width: str) -> rx.Component:
    key = index.to(str) + ":" + field
    return rx.vstack(
        rx.input(
            value=row[field].to(str),
            on_change=lambda value: S.set_plan_cell(index, field, value),
            read_only=~S.plan_editable,
            width=width,
            size="1",
            color_scheme=rx.cond(S.plan_errors.contains(key), "red", "gray"),
            class_name=f"plan-{field}",
        ),
        rx.cond(
            S.plan_errors.contains(key),
            rx.text(S.plan_errors[key], color_scheme="red", size="1", class_name="plan-error"),
        ),
        spacing="1",
    )


def plan_row(row: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(cell_input(row, index, "key", "80px")),
        rx.table.cell(cell_input(row, index, "title", "220px")),
        rx.table.cell(cell_input(row, index, "description", "260px")),
        rx.table.cell(cell_input(row, index, "capabilities", "140px")),
        rx.table.cell(cell_input(row, index, "depends_on", "120px")),
        rx.table.cell(cell_input(row, index, "estimated_minutes", "70px")),
        rx.table.cell(
            rx.cond(
                S.plan_editable,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    on_click=S.remove_plan_row(index),
                    variant="ghost",
                    color_scheme="red",
                    class_name="remove-task",
                ),
            )
        ),
        class_name="plan-row",
    )


def plan_diff() -> rx.Component:
    return rx.cond(
        S.plan_diff.length() > 0,
        rx.card(
            rx.vstack(
                rx.text("Changes from the previous version", weight="medium", size="2"),
                rx.foreach(
                    S.plan_diff,
                    lambda item: rx.hstack(
                        rx.badge(item[0]),
                        rx.text(item[1].to(list[str]).join(", "), size="2"),
                    ),
                ),
                spacing="1",
            ),
            width="100%",
            id="plan-diff",
        ),
    )


def plan_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.plan_version > 0,
            rx.text("Plan version ", S.plan_version.to(str), " · ", S.plan_status, size="2", color_scheme="gray"),
        ),
        rx.foreach(S.plan_warnings, lambda w: rx.callout(w, icon="info", color_scheme="amber", size="1")),
        plan_diff(),
        rx.cond(
            S.plan_errors.contains("plan"),
            rx.callout(S.plan_errors["plan"], icon="triangle_alert", color_scheme="red", id="plan-error"),
        ),
        rx.scroll_area(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Key", "Title", "Description", "Capabilities", "Depends on", "Min", "")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(S.plan_rows, plan_row)),
                size="1",
                id="plan-table",
            ),
            scrollbars="horizontal",
            width="100%",
        ),
        rx.cond(
            S.plan_editable,
            rx.hstack(
                rx.button(rx.icon("plus", size=14), "Add task", variant="soft", on_click=S.add_plan_row, id="add-task"),
                rx.spacer(),
                rx.cond(
                    S.plan_dirty,
                    rx.hstack(
                        rx.button("Discard edits", variant="soft", color_scheme="gray", on_click=S.discard_plan_edits),
                        rx.button(
                            "Save as new version", on_click=S.save_plan, disabled=S.has_plan_errors, id="save-plan"
                        ),
                    ),
                ),
                width="100%",
            ),
        ),
        width="100%",
        spacing="3",
    )


# -- timeline and results ---------------------------------------------------------------


def timeline_item(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.text(item["at"].to(str), size="1", color_scheme="gray", min_width="64px"),
        rx.badge(item["kind"].to(str), variant="soft", size="1"),
        rx.text(item["actor"].to(str), size="1", weight="medium"),
        rx.text(item["summary"].to(str), size="2"),
        align="center",
        spacing="2",
        class_name="timeline-item",
        data_kind=item["kind"].to(str),
    )


def timeline_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.select(TIMELINE_FILTERS, value=S.timeline_filter, on_change=S.set_timeline_filter, size="1"),
            rx.spacer(),
            width="100%",
        ),
        rx.cond(
            S.can_write,
            rx.hstack(
                rx.input(
                    placeholder="Comment… use @name to mention",
                    value=S.comment_text,
                    on_change=S.set_comment_text,
                    width="100%",
                    id="comment-input",
                ),
                rx.button("Post", on_click=S.post_comment, id="post-comment"),
                width="100%",
            ),
        ),
        rx.vstack(rx.foreach(S.filtered_timeline, timeline_item), spacing="2", width="100%", id="timeline"),
        width="100%",
    )


def deliverable_card(item: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(item["title"], size="4"),
                rx.badge(item["kind"]),
                rx.spacer(),
                rx.button(
                    rx.icon("download", size=14),
                    "Download",
                    variant="soft",
                    on_click=S.download(item["id"]),
                    class_name="download-deliverable",
                ),
                width="100%",
            ),
            safe_markdown(item["content"]),
            width="100%",
        ),
        width="100%",
        class_name="deliverable",
    )


def results_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.deliverables.length() == 0,
            rx.text("No deliverables yet.", color_scheme="gray"),
            rx.foreach(S.deliverables, deliverable_card),
        ),
        rx.heading("Files", size="3"),
        rx.vstack(
            rx.foreach(S.project_artifacts, artifact_row),
            rx.cond(
                S.project_artifacts.length() == 0,
                rx.text("No files written yet.", size="2", color_scheme="gray"),
            ),
            spacing="1",
            width="100%",
            id="results-artifacts",
        ),
        width="100%",
        spacing="3",
    )


# -- task drawer ------------------------------------------------------------------------


def transcript_entry(entry: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.box(
        rx.text(
            entry["title"], size="1", weight="bold", color_scheme=rx.cond(entry["kind"] == "tool", "amber", "violet")
        ),
        rx.text(entry["text"], size="2", white_space="pre-wrap", class_name="transcript-text"),
        padding="0.5em",
        border_left="3px solid var(--accent-a6)",
        class_name="transcript-entry",
        data_kind=entry["kind"],
    )


def artifact_row(item: rx.Var[dict[str, str]]) -> rx.Component:
    """A file the task wrote to the project workspace, with a download button."""
    return rx.hstack(
        rx.icon("file-text", size=14),
        rx.text(item["path"], size="2", class_name="artifact-path"),
        rx.text(item["size"], size="1", color_scheme="gray"),
        rx.cond(item["task"] != "", rx.badge(item["task"], variant="soft", size="1")),
        rx.spacer(),
        rx.button(
            "Download", size="1", variant="soft", on_click=S.download_artifact(item["path"]), class_name="artifact-dl"
        ),
        width="100%",
        align="center",
    )


def task_drawer() -> rx.Component:
    t = S.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(t["title"].to(str), margin="0"),
                    rx.badge(t["status"].to(str), color_scheme=t["color"].to(str), id="drawer-status"),
                    rx.spacer(),
                    rx.dialog.close(rx.icon_button(rx.icon("x"), variant="ghost")),
                    width="100%",
                    align="center",
                ),
                rx.text(t["description"].to(str), size="2"),
                rx.data_list.root(
                    rx.data_list.item(rx.data_list.label("Key"), rx.data_list.value(t["key"].to(str))),
                    rx.data_list.item(rx.data_list.label("Agent"), rx.data_list.value(t["agent"].to(str))),
                    rx.data_list.item(rx.data_list.label("Depends on"), rx.data_list.value(t["deps_text"].to(str))),
                    rx.data_list.item(rx.data_list.label("Attempts"), rx.data_list.value(t["attempt"].to(str))),
                    size="1",
                ),
                rx.cond(
                    t["error"].to(str) != "",
                    rx.callout(t["error"].to(str), icon="triangle_alert", color_scheme="red", size="1"),
                ),
                rx.cond(
                    S.task_errors.length() > 0,
                    rx.vstack(
                        rx.text("Failed attempts", size="2", weight="medium"),
                        rx.foreach(
                            S.task_errors,
                            lambda e: rx.text(
                                rx.text.strong(e["title"]),
                                " ",
                                rx.text.span(e["at"], color_scheme="gray"),
                                ": ",
                                e["text"],
                                size="1",
                                class_name="task-error",
                            ),
                        ),
                        spacing="1",
                        width="100%",
                        id="task-errors",
                    ),
                ),
                rx.cond(
                    ((t["status"].to(str) == "waiting_approval") | (t["status"].to(str) == "failed")) & S.can_write,
                    rx.hstack(
                        rx.text(
                            rx.cond(
                                t["waiting"].to(str) != "",
                                "Waiting for a person: " + t["waiting"].to(str) + ". ",
                                "",
                            ),
                            "Raise the budget in Settings if needed, then run the task again.",
                            size="2",
                            color_scheme="gray",
                        ),
                        rx.button("Retry task", on_click=S.retry_task, color_scheme="amber", id="retry-task"),
                        align="center",
                        width="100%",
                    ),
                ),
                rx.heading("Transcript", size="3"),
                rx.vstack(
                    rx.foreach(S.transcript, transcript_entry),
                    rx.cond(
                        S.transcript.length() == 0, rx.text("Nothing recorded yet.", size="2", color_scheme="gray")
                    ),
                    spacing="2",
                    width="100%",
                    id="transcript",
                ),
                rx.heading("Output", size="3"),
                rx.box(safe_markdown(t["output"].to(str)), id="task-output", width="100%"),
                rx.heading("Artifacts", size="3"),
                rx.vstack(
                    rx.foreach(S.task_artifacts, artifact_row),
                    rx.cond(
                        S.task_artifacts.length() == 0, rx.text("No files written.", size="2", color_scheme="gray")
                    ),
                    spacing="1",
                    width="100%",
                    id="task-artifacts",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="720px",
            id="task-drawer",
        ),
        open=S.drawer_open,
        on_open_change=S.set_drawer_open,
    )


@page("/projects/[project_id]", "Project", on_load=S.load, nav=False)
def project_page() -> rx.Component:
    return rx.box(
        # presence: a heartbeat while the page is open, a goodbye when the app leaves it
        rx.moment(interval=HEARTBEAT_S * 1000, on_change=S.heartbeat, display="none"),
        project_content(),
        on_unmount=S.leave(S.project["id"].to(str)),
        width="100%",
    )


def project_content() -> rx.Component:
    return rx.cond(
        S.load_error != "",
        rx.callout(S.load_error, icon="triangle_alert", color_scheme="red", id="load-error"),
        rx.vstack(
            header(),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Graph", value="graph", id="tab-graph"),
                    rx.tabs.trigger("Board", value="board", id="tab-board"),
                    rx.tabs.trigger("Plan", value="plan", id="tab-plan"),
                    rx.tabs.trigger("Activity", value="timeline", id="tab-timeline"),
                    rx.tabs.trigger("Results", value="results", id="tab-results"),
                ),
                rx.tabs.content(graph_tab(), value="graph", padding_top="1em"),
                rx.tabs.content(board_tab(), value="board", padding_top="1em"),
                rx.tabs.content(plan_tab(), value="plan", padding_top="1em"),
                rx.tabs.content(timeline_tab(), value="timeline", padding_top="1em"),
                rx.tabs.content(results_tab(), value="results", padding_top="1em"),
                value=S.tab,
                on_change=S.set_tab,
                width="100%",
            ),
            task_drawer(),
            width="100%",
            spacing="4",
        ),
    )
