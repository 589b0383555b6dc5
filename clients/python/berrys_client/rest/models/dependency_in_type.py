from enum import StrEnum


class DependencyInType(StrEnum):
    COMPLETION = "completion"
    INPUT = "input"

    def __str__(self) -> str:
        return str(self.value)
