"""The task drawer: one task's details, failed attempts, retry, transcript, output and files."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.labels import human
from berrys_app.ui.components.markdown import safe_markdown
from berrys_app.ui.components.project_activity import artifact_row
from berrys_app.ui.components.project_forks import fork_actions
from berrys_app.ui.state.project import ProjectState as S


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


def task_drawer() -> rx.Component:
    t = S.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(t["title"].to(str), margin="0"),
                    rx.badge(
                        human(t["status"]),
                        color_scheme=t["color"].to(str),
                        id="drawer-status",
                        data_status=t["status"].to(str),
                    ),
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
                fork_actions(),
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
