"""System page: PostgreSQL, Redis and one live row per worker (signed-in people only: the rows
name worker processes; ``/health/ready`` is the public probe).

Worker rows follow the live heartbeat messages. The PostgreSQL and Redis badges are
re-checked every ``HEALTH_CHECK_S`` while the page is open (a background task per tab;
an outage sends no message, so it has to be probed): they turn "down" without a reload.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import reflex as rx

from berrys_app.db import session_scope
from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import system
from berrys_app.ui import live
from berrys_app.ui.components.table import error_callout
from berrys_app.ui.format import human_time
from berrys_app.ui.layout import page
from berrys_app.ui.state.workspace import PageState

STATUS_COLOR = {"live": "green", "stale": "red", "stopped": "gray"}
HEALTH_CHECK_S = 2.0


def probe() -> tuple[bool, bool]:
    """(PostgreSQL reachable, Redis reachable), each a real round trip."""
    with session_scope() as session:
        database = system.database_ok(session)
    return database, system.redis_ok()


def _tab_on_system_page(token: str) -> bool:
    """The tab is still subscribed to the System page (live drops it when the tab navigates away)."""
    return live.is_subscribed("system", token)


class SystemState(PageState):
    """What the System page shows (signed-in people: it names worker processes and hosts); kept
    current by live worker messages."""

    database_ok: bool = False
    redis_ok: bool = False
    health_checked_at: str = ""
    workers: list[dict[str, Any]] = []
    sandbox: dict[str, str] = {}
    outbox: list[dict[str, str]] = []  # the operator's view of the mail outbox (empty for others)
    is_operator: bool = False
    _watch: int = 0  # the current health watcher; a newer load() retires older ones

    @rx.event
    def load(self):
        refused = self._run(self._fetch)
        if refused is not None or self.error:
            return refused
        self.database_ok, self.redis_ok = probe()
        self.health_checked_at = datetime.now(UTC).isoformat()
        self._subscribe("system", SystemState)
        self._watch += 1
        return SystemState.watch_health

    def _fetch(self, session, actor) -> None:
        self.workers = [{**w, "last_seen": human_time(w["last_seen"])} for w in system.list_workers(session, actor)]
        self.sandbox = system.sandbox_status(actor)
        self.is_operator = system.is_operator(session, actor)
        self.outbox = system.mail_outbox(session, actor) if self.is_operator else []

    @rx.event(background=True)
    async def watch_health(self):
        """Re-check PostgreSQL and Redis while this tab shows the page."""
        async with self:
            watch, token = self._watch, self.router.session.client_token
        while True:
            await asyncio.sleep(HEALTH_CHECK_S)
            if not _tab_on_system_page(token):
                return
            database, redis = await asyncio.to_thread(probe)
            async with self:
                if self._watch != watch:
                    return
                self.database_ok, self.redis_ok = database, redis
                self.health_checked_at = datetime.now(UTC).isoformat()

    def _on_live(self, message: dict[str, Any]) -> None:
        """Apply a heartbeat or staleness message to the worker rows."""
        payload = message.get("payload", {})
        wid = payload.get("worker_id")
        if not wid:
            return
        self.redis_ok = True
        if message["kind"] == EventKind.WORKER_HEARTBEAT:
            row = {
                "worker_id": wid,
                "pid": payload.get("pid", 0),
                "hostname": "",
                "last_seen": human_time(payload.get("last_seen", "")),
                "jobs_done": payload.get("jobs_done", 0),
                "status": "stopped" if payload.get("stopped") else "live",
            }
        elif message["kind"] == EventKind.WORKER_STALE:
            row = next((dict(w) for w in self.workers if w["worker_id"] == wid), None)
            if row is None:
                return
            row["status"] = "stale"
        else:
            return
        others = [w for w in self.workers if w["worker_id"] != wid]
        self.workers = sorted([*others, row], key=lambda w: w["worker_id"])


def status_badge(ok: rx.Var[bool], label: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.text(label, weight="bold"),
            rx.cond(
                ok,
                rx.badge("up", color_scheme="green", data_testid=f"health-{label.lower()}"),
                rx.badge("down", color_scheme="red", data_testid=f"health-{label.lower()}"),
            ),
            justify="between",
        ),
        width="220px",
    )


def sandbox_card() -> rx.Component:
    """How python tool snippets are isolated and limited on this host."""
    fields = (("Isolation", "isolation"), ("Limits", "limits"), ("Seccomp", "seccomp"), ("Sandbox uid", "uid"))
    return rx.card(
        rx.vstack(
            rx.text("Python sandbox", weight="bold"),
            *(
                rx.hstack(
                    rx.text(label, color_scheme="gray"), rx.text(SystemState.sandbox[key], data_testid=f"sandbox-{key}")
                )
                for label, key in fields
            ),
            rx.text("Operator caps: ", SystemState.sandbox["caps"], size="2", color_scheme="gray"),
            spacing="1",
        ),
        id="sandbox-card",
    )


def worker_row(worker: rx.Var[dict[str, Any]]) -> rx.Component:
    status = worker["status"].to(str)
    return rx.table.row(
        rx.table.cell(worker["worker_id"].to(str)),
        rx.table.cell(worker["pid"].to(str)),
        rx.table.cell(
            rx.badge(
                status,
                color_scheme=rx.match(status, ("live", "green"), ("stale", "red"), "gray"),
                class_name="worker-status",
            )
        ),
        rx.table.cell(worker["last_seen"].to(str)),
        rx.table.cell(worker["jobs_done"].to(str)),
        data_worker=worker["worker_id"].to(str),
        data_status=status,
        class_name="worker-row",
    )


def outbox_row(item: rx.Var[dict[str, str]]) -> rx.Component:
    link = item["link"].to(str)
    return rx.table.row(
        rx.table.cell(item["to"].to(str)),
        rx.table.cell(item["subject"].to(str)),
        rx.table.cell(rx.badge(item["status"].to(str), class_name="mail-status")),
        rx.table.cell(item["attempts"].to(str)),
        rx.table.cell(item["last_error"].to(str)),
        rx.table.cell(rx.cond(link != "", rx.link(link, href=link, class_name="mail-link"), "")),
        data_to=item["to"].to(str),
        class_name="mail-row",
    )


def outbox_card() -> rx.Component:
    """Identity mails (operator only). Without SMTP_URL their links are here (and in the log)."""
    headers = ("To", "Subject", "Status", "Attempts", "Last error", "Link")
    return rx.vstack(
        rx.heading("Mail outbox", size="4", margin_top="1em"),
        rx.text(
            "Without SMTP_URL, mails are not sent: hand each link to the person it is for.",
            size="2",
            color_scheme="gray",
        ),
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
            rx.table.body(rx.foreach(SystemState.outbox, outbox_row)),
            width="100%",
            id="mail-outbox",
        ),
        width="100%",
    )


@page("/system", "System", on_load=SystemState.load, icon="server", order=90)
def system_page() -> rx.Component:
    return rx.vstack(
        error_callout(SystemState.error),
        rx.hstack(
            status_badge(SystemState.database_ok, "PostgreSQL"),
            status_badge(SystemState.redis_ok, "Redis"),
            id="health-badges",
            data_checked_at=SystemState.health_checked_at,
        ),
        sandbox_card(),
        rx.heading("Workers", size="4", margin_top="1em"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Worker"),
                    rx.table.column_header_cell("PID"),
                    rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell("Last heartbeat"),
                    rx.table.column_header_cell("Jobs done"),
                )
            ),
            rx.table.body(rx.foreach(SystemState.workers, worker_row)),
            width="100%",
            id="workers-table",
        ),
        rx.cond(SystemState.is_operator, outbox_card()),
        width="100%",
        spacing="3",
    )
