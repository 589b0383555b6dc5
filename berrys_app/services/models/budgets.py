"""Hard budgets per project and per agent, in USD and tokens, checked before every call.

A call is allowed iff ``spent + reserved + worst_case <= budget`` for every budget that
applies, where ``worst_case`` = prompt tokens + max_tokens at the model's prices.
Arithmetic is ``Decimal`` (prices are NUMERIC), so the boundary is exact.

Concurrent calls cannot overspend together: the check and the reservation (a
``model_calls`` row in status ``running`` holding ``reserved_usd``/``reserved_tokens``)
happen in one transaction under a PostgreSQL advisory lock per project and per agent, on the
event loop's async pool (a worker's other runs go on meanwhile).
Settling replaces the reservation with the real cost. Every provider call holds one, budget or
not (``run``). A reservation left by a crashed worker counts as spent -- the provider served the
call or may have: the reconciler settles it at its cost (``SETTLE_LOST_SQL``) when the task's
lease expires, or once ``reserved_until`` (past the call's timeout) has gone by.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio
from berrys_app.domain.common import utcnow
from berrys_app.domain.models import CallStatus
from berrys_app.services.errors import BudgetExceeded
from berrys_app.services.models import accounting

_SPENT_SQL = """
SELECT
  COALESCE(SUM(CASE WHEN status = 'running' THEN reserved_usd ELSE cost_usd END), 0) AS usd,
  COALESCE(SUM(CASE WHEN status = 'running' THEN reserved_tokens ELSE prompt_tokens + completion_tokens END), 0)
    AS tokens
FROM model_calls WHERE {column} = :id
"""

# the same checks on the async pool: the lock is taken first, so the reads after it (a statement
# each, each with a fresh snapshot) see every reservation committed before it was granted
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(%(k)s, 0))"
_BUDGET_SQL = "SELECT budget_usd, budget_tokens FROM projects WHERE id = %(id)s"
_SPENT_BY = {column: aio.compile_sql(text(_SPENT_SQL.format(column=column))) for column in ("project_id", "agent_id")}

LOST_REASON = "worker_lost"
# A killed attempt's calls in flight: settled as spent at their reservation (the worst case; what
# the provider billed is unknown). ``:tasks``: the tasks whose leases just expired; any other
# reservation past ``reserved_until`` outlived its call's timeout, so its worker is gone too.
LOST_SET = f"""status = 'error', error = '{LOST_REASON}',
    error_message = 'the worker died during the call; its reservation is counted as spent',
    prompt_tokens = reserved_tokens, completion_tokens = 0, cost_usd = reserved_usd,
    reserved_tokens = 0, reserved_usd = 0, reserved_until = NULL"""
SETTLE_LOST_SQL = text(
    f"""
    UPDATE model_calls SET {LOST_SET}
    WHERE status = 'running' AND (task_id = ANY(CAST(:tasks AS uuid[])) OR reserved_until < now())
    RETURNING id
    """
)


@dataclass(frozen=True)
class Limits:
    """The budgets that apply to one call (``None`` = no limit)."""

    project_id: uuid.UUID | None = None
    project_usd: float | None = None
    project_tokens: int | None = None
    agent_id: uuid.UUID | None = None
    agent_usd: float | None = None
    agent_tokens: int | None = None

    @property
    def any(self) -> bool:
        project = self.project_id is not None and (self.project_usd is not None or self.project_tokens is not None)
        agent = self.agent_usd is not None or self.agent_tokens is not None
        return project or agent


def spent(
    session: Session, *, project_id: uuid.UUID | None = None, agent_id: uuid.UUID | None = None
) -> tuple[Decimal, int]:
    """USD and tokens used (settled) or reserved (in flight) by a project or an agent."""
    column, key = ("project_id", project_id) if project_id is not None else ("agent_id", agent_id)
    row = session.execute(text(_SPENT_SQL.format(column=column)), {"id": key}).one()
    return Decimal(row.usd), int(row.tokens)


def _check(
    scope: str,
    *,
    used_usd: Decimal,
    used_tokens: int,
    limit_usd: float | None,
    limit_tokens: int | None,
    worst_usd: Decimal,
    worst_tokens: int,
) -> None:
    if limit_tokens is not None and used_tokens + worst_tokens > limit_tokens:
        raise BudgetExceeded(
            f"{scope} token budget exceeded: {used_tokens} used + {worst_tokens} worst case > {limit_tokens}",
            details={
                "scope": scope,
                "unit": "tokens",
                "limit": limit_tokens,
                "used": used_tokens,
                "worst_case": worst_tokens,
            },
        )
    if limit_usd is not None:
        limit = Decimal(repr(float(limit_usd)))
        if used_usd + worst_usd > limit:
            raise BudgetExceeded(
                f"{scope} USD budget exceeded: {used_usd} used + {worst_usd} worst case > {limit}",
                details={
                    "scope": scope,
                    "unit": "usd",
                    "limit": str(limit),
                    "used": str(used_usd),
                    "worst_case": str(worst_usd),
                },
            )


async def reserve(rows: list[dict[str, Any]], limits: Limits, *, worst_tokens: int, worst_usd: Decimal) -> None:
    """Check every budget and insert ``rows`` (the call's reservation last, refusals collected
    before it first) in one transaction on the event loop's async pool (commits).

    Raises ``BudgetExceeded`` (nothing written) when the worst case does not fit.
    """
    async with aio.transaction() as conn:
        if limits.project_id is not None:
            await conn.execute(_LOCK_SQL, {"k": f"budget:project:{limits.project_id}"})
            budget = await (await conn.execute(_BUDGET_SQL, {"id": limits.project_id})).fetchone()
            if budget is not None and (budget["budget_usd"] is not None or budget["budget_tokens"] is not None):
                used = await (await conn.execute(_SPENT_BY["project_id"], {"id": limits.project_id})).fetchone()
                _check(
                    "project",
                    used_usd=Decimal(used["usd"]),
                    used_tokens=int(used["tokens"]),
                    limit_usd=budget["budget_usd"],
                    limit_tokens=budget["budget_tokens"],
                    worst_usd=worst_usd,
                    worst_tokens=worst_tokens,
                )
        if limits.agent_id is not None and (limits.agent_usd is not None or limits.agent_tokens is not None):
            await conn.execute(_LOCK_SQL, {"k": f"budget:agent:{limits.agent_id}"})
            used = await (await conn.execute(_SPENT_BY["agent_id"], {"id": limits.agent_id})).fetchone()
            _check(
                "agent",
                used_usd=Decimal(used["usd"]),
                used_tokens=int(used["tokens"]),
                limit_usd=limits.agent_usd,
                limit_tokens=limits.agent_tokens,
                worst_usd=worst_usd,
                worst_tokens=worst_tokens,
            )
        await accounting.insert_rows_in(conn, rows)


def reservation(*, worst_tokens: int, worst_usd: Decimal, ttl_s: float) -> dict[str, Any]:
    """The columns of a call in flight: ``running``, holding its worst case until ``ttl_s`` from now."""
    return {
        "status": CallStatus.running.value,
        "reserved_tokens": worst_tokens,
        "reserved_usd": worst_usd,
        "reserved_until": utcnow() + timedelta(seconds=ttl_s),
    }


def settle_lost(session: Session, task_ids: list[uuid.UUID]) -> int:
    """Settle the reservations of killed attempts as spent (``SETTLE_LOST_SQL``); how many."""
    return len(session.execute(SETTLE_LOST_SQL, {"tasks": task_ids}).all())
