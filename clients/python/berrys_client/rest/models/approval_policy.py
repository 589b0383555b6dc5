from enum import StrEnum


class ApprovalPolicy(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    SIDE_EFFECTS = "side_effects"

    def __str__(self) -> str:
        return str(self.value)
