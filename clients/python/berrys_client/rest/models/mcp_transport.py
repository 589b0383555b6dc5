from enum import StrEnum


class McpTransport(StrEnum):
    HTTP = "http"
    STDIO = "stdio"

    def __str__(self) -> str:
        return str(self.value)
