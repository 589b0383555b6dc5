from enum import StrEnum


class CredentialKind(StrEnum):
    API_KEY = "api_key"
    BASIC = "basic"
    BEARER = "bearer"
    OAUTH2_CLIENT = "oauth2_client"

    def __str__(self) -> str:
        return str(self.value)
