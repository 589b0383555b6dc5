from enum import StrEnum


class ForkInMode(StrEnum):
    REPLAY = "replay"
    RUN = "run"

    def __str__(self) -> str:
        return str(self.value)
