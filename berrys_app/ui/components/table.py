"""A plain Radix table over a list of string dicts (the team-wide pages are all lists)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx


def data_table(
    rows: rx.Var[list[dict[str, Any]]],
    columns: Sequence[tuple[str, str]],
    *,
    table_id: str,
    extra: tuple[str, Callable[[rx.Var[dict[str, Any]]], rx.Component]] | None = None,
    empty: str = "Nothing here yet.",
) -> rx.Component:
    """``columns`` are (header, key); ``extra`` adds a last column rendered per row."""

    def row(item: rx.Var[dict[str, Any]]) -> rx.Component:
        cells = [rx.table.cell(rx.text(item[key].to(str), size="2")) for _, key in columns]
        if extra is not None:
            cells.append(rx.table.cell(extra[1](item)))
        return rx.table.row(*cells, class_name=f"{table_id}-row")

    headers = [rx.table.column_header_cell(title) for title, _ in columns]
    if extra is not None:
        headers.append(rx.table.column_header_cell(extra[0]))
    return rx.cond(
        rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*headers)),
            rx.table.body(rx.foreach(rows, row)),
            width="100%",
            variant="surface",
            id=table_id,
        ),
        rx.text(empty, color_scheme="gray"),
    )


def error_callout(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "", rx.callout(message, icon="triangle_alert", color_scheme="red", class_name="page-error")
    )
