"""The per-day rollup of model usage behind the Models page (``services/usage_rollup.py``).

``model_calls`` is the truth; these rows are its sums for *closed* UTC days, so the page reads a
few hundred rows a year instead of every call. ``usage_rollup_state`` holds the one watermark:
days before ``closed_before`` are in ``model_usage_daily``, later ones are read from the calls.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Numeric
from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field

USAGE_SUM = Numeric(24, 12)  # a sum of model_calls.cost_usd (Numeric(20, 12)) kept exact


class ModelUsageDaily(SQLModel, table=True):
    """One team's settled calls of one model on one UTC day (``status <> 'running'``)."""

    __tablename__ = "model_usage_daily"

    team_id: uuid.UUID = Field(primary_key=True, foreign_key="teams.id", ondelete="CASCADE")
    day: date = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=200)
    calls: int = Field(sa_column=Column(BigInteger, nullable=False))
    prompt_tokens: int = Field(sa_column=Column(BigInteger, nullable=False))
    completion_tokens: int = Field(sa_column=Column(BigInteger, nullable=False))
    cost_usd: Decimal = Field(sa_column=Column(USAGE_SUM, nullable=False))


class UsageRollupState(SQLModel, table=True):
    """The single watermark row (``id`` 1): every day before ``closed_before`` is rolled up."""

    __tablename__ = "usage_rollup_state"

    id: int = Field(default=1, primary_key=True)
    closed_before: date
    rolled_at: datetime = created_field()
