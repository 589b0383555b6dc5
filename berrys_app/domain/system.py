"""Worker heartbeats: what the System page shows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from berrys_app.domain.common import created_field


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=100)
    hostname: str = Field(max_length=200)
    pid: int
    started_at: datetime = created_field()
    last_seen: datetime = created_field()
    jobs_done: int = 0
    stopped: bool = False
