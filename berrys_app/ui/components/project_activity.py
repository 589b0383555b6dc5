"""The activity tab (timeline, comments) and the results tab (deliverables, files)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.markdown import safe_markdown
from berrys_app.ui.state.project import ProjectState as S

TIMELINE_FILTERS = ["all", "project.", "plan.", "task.", "agent.", "tool.", "model.", "comment."]


def timeline_item(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.text(item["at"].to(str), size="1", color_scheme="gray", min_width="64px"),
        rx.badge(item["label"].to(str), variant="soft", size="1"),
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
