"""Accounting of model calls: the rows behind cost charts, audit and ``call_key`` replay."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from berrys_app.domain.models import CallStatus, ModelCall
from berrys_app.services.models.schemas import CompletionResult


def replay(row: ModelCall) -> CompletionResult:
    """A recorded call as a result (``replayed=True``; no provider is called)."""
    return CompletionResult(
        content=row.content or "",
        tool_calls=list(row.tool_calls or []),
        parsed=row.parsed,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cost_usd=float(row.cost_usd),
        latency_ms=row.latency_ms,
        fallback_used=row.fallback_used,
        replayed=True,
        call_id=row.id,
    )


def record(session: Session, rows: list[ModelCall]) -> None:
    """Insert finished call rows in one transaction (commits).

    If another run already recorded the same ``call_key`` as completed (a duplicate job),
    this run's answer is kept as a plain row without the key so nothing is lost.
    """
    if not rows:
        return
    session.add_all(rows)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        for row in rows:
            if row.status == CallStatus.ok.value and row.call_key:
                row.error_message = f"duplicate of completed call {row.call_key}"
                row.call_key = None
        session.add_all(rows)
        session.commit()


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert finished call rows (dicts of ``model_calls`` columns) with one Core statement.

    Same duplicate-key rule as ``record``: if another run already completed the same
    ``call_key``, this run's answer is kept without the key.
    """
    if not rows:
        return
    table = ModelCall.__table__  # type: ignore[attr-defined]
    try:
        conn.execute(insert(table), rows)
    except IntegrityError:  # only on an autocommit connection can the retry follow the failure
        for row in rows:
            if row["status"] == CallStatus.ok.value and row["call_key"]:
                row["error_message"] = f"duplicate of completed call {row['call_key']}"
                row["call_key"] = None
        conn.execute(insert(table), rows)


def settle_row(conn: Connection, row: dict[str, Any]) -> None:
    """Replace a call's reservation by its outcome (``row``: its columns, the reservation zeroed).

    Same duplicate-key rule as ``insert_rows``. A row the reconciler already settled as lost (its
    worker looked dead) gets the real outcome after all.
    """
    table = ModelCall.__table__  # type: ignore[attr-defined]
    values = {**row, "reserved_tokens": 0, "reserved_usd": 0, "reserved_until": None}
    del values["id"]
    statement = update(table).where(table.c.id == row["id"])
    try:
        conn.execute(statement.values(values))
    except IntegrityError:  # autocommit: the retry can follow the failure
        values.update(call_key=None, error_message=f"duplicate of completed call {row['call_key']}")
        conn.execute(statement.values(values))


def usage(session: Session, *, project_id: uuid.UUID) -> dict[str, Any]:
    """Totals for a project and per model: calls, errors, tokens, cost (for charts and budgets)."""
    rows = session.execute(
        select(
            ModelCall.model,
            func.count(),
            func.count().filter(col(ModelCall.status).in_([CallStatus.error.value, CallStatus.refused.value])),
            func.coalesce(func.sum(ModelCall.prompt_tokens), 0),
            func.coalesce(func.sum(ModelCall.completion_tokens), 0),
            func.coalesce(func.sum(ModelCall.cost_usd), 0),
            func.coalesce(func.avg(ModelCall.latency_ms), 0),
        )
        .where(ModelCall.project_id == project_id, ModelCall.status != CallStatus.running.value)
        .group_by(ModelCall.model)
        .order_by(ModelCall.model)
    ).all()
    by_model = [
        {
            "model": model,
            "calls": int(calls),
            "errors": int(errors),
            "prompt_tokens": int(prompt),
            "completion_tokens": int(completion),
            "cost_usd": float(cost),
            "avg_latency_ms": float(latency),
        }
        for model, calls, errors, prompt, completion, cost, latency in rows
    ]
    return {
        "project_id": str(project_id),
        "calls": sum(m["calls"] for m in by_model),
        "errors": sum(m["errors"] for m in by_model),
        "prompt_tokens": sum(m["prompt_tokens"] for m in by_model),
        "completion_tokens": sum(m["completion_tokens"] for m in by_model),
        "cost_usd": float(sum((Decimal(str(m["cost_usd"])) for m in by_model), Decimal(0))),
        "by_model": by_model,
    }
