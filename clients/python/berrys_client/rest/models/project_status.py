from enum import StrEnum


class ProjectStatus(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    CREATED = "created"
    EXECUTING = "executing"
    FAILED = "failed"
    PAUSED = "paused"
    PLANNING = "planning"
    PLAN_REVIEW = "plan_review"
    READY = "ready"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
