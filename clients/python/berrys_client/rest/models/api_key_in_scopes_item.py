from enum import StrEnum


class ApiKeyInScopesItem(StrEnum):
    ADMINREAD = "admin:read"
    ADMINWRITE = "admin:write"
    KEYSREAD = "keys:read"
    KEYSWRITE = "keys:write"
    PROJECTSREAD = "projects:read"
    PROJECTSWRITE = "projects:write"
    TEAMSREAD = "teams:read"
    TEAMSWRITE = "teams:write"
    VALUE_8 = "*"

    def __str__(self) -> str:
        return str(self.value)
