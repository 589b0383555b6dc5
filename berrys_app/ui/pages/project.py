"""The project page: header, then one tab per view of the project, and the task drawer.

Each part is a component module in ``ui/components/project_*.py``; this file lays them out.
"""

from __future__ import annotations

import reflex as rx

from berrys_app.services.presence import HEARTBEAT_S
from berrys_app.ui.components.project_activity import results_tab, timeline_tab
from berrys_app.ui.components.project_board import board_tab, graph_tab
from berrys_app.ui.components.project_drawer import task_drawer
from berrys_app.ui.components.project_forks import forks_tab
from berrys_app.ui.components.project_header import header
from berrys_app.ui.components.project_plan import plan_tab
from berrys_app.ui.components.project_trace import trace_tab
from berrys_app.ui.layout import page
from berrys_app.ui.state.project import ProjectState as S


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
                    rx.tabs.trigger("Forks", value="forks", id="tab-forks"),
                    rx.tabs.trigger("Trace", value="trace", id="tab-trace"),
                ),
                rx.tabs.content(graph_tab(), value="graph", padding_top="1em"),
                rx.tabs.content(board_tab(), value="board", padding_top="1em"),
                rx.tabs.content(plan_tab(), value="plan", padding_top="1em"),
                rx.tabs.content(timeline_tab(), value="timeline", padding_top="1em"),
                rx.tabs.content(results_tab(), value="results", padding_top="1em"),
                rx.tabs.content(forks_tab(), value="forks", padding_top="1em"),
                rx.tabs.content(trace_tab(), value="trace", padding_top="1em"),
                value=S.tab,
                on_change=S.set_tab,
                width="100%",
            ),
            task_drawer(),
            width="100%",
            spacing="4",
        ),
    )
