from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mcp_server_public_env import McpServerPublicEnv
    from ..models.mcp_server_public_headers import McpServerPublicHeaders


T = TypeVar("T", bound="McpServerPublic")


@_attrs_define
class McpServerPublic:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        name (str):
        transport (str):
        command (None | str):
        args (list[str]):
        url (None | str):
        env (McpServerPublicEnv):
        headers (McpServerPublicHeaders):
        status (str):
        last_error (None | str):
        tool_names (list[str]):
        created_at (datetime.datetime):
        discovered_at (datetime.datetime | None):
    """

    id: UUID
    team_id: UUID
    name: str
    transport: str
    command: str | None
    args: list[str]
    url: str | None
    env: McpServerPublicEnv
    headers: McpServerPublicHeaders
    status: str
    last_error: str | None
    tool_names: list[str]
    created_at: datetime.datetime
    discovered_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        name = self.name

        transport = self.transport

        command: str | None
        command = self.command

        args = self.args

        url: str | None
        url = self.url

        env = self.env.to_dict()

        headers = self.headers.to_dict()

        status = self.status

        last_error: str | None
        last_error = self.last_error

        tool_names = self.tool_names

        created_at = self.created_at.isoformat()

        discovered_at: str | None
        if isinstance(self.discovered_at, datetime.datetime):
            discovered_at = self.discovered_at.isoformat()
        else:
            discovered_at = self.discovered_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "name": name,
                "transport": transport,
                "command": command,
                "args": args,
                "url": url,
                "env": env,
                "headers": headers,
                "status": status,
                "last_error": last_error,
                "tool_names": tool_names,
                "created_at": created_at,
                "discovered_at": discovered_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mcp_server_public_env import McpServerPublicEnv
        from ..models.mcp_server_public_headers import McpServerPublicHeaders

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        name = d.pop("name")

        transport = d.pop("transport")

        def _parse_command(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        command = _parse_command(d.pop("command"))

        args = cast(list[str], d.pop("args"))

        def _parse_url(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        env = McpServerPublicEnv.from_dict(d.pop("env"))

        headers = McpServerPublicHeaders.from_dict(d.pop("headers"))

        status = d.pop("status")

        def _parse_last_error(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        tool_names = cast(list[str], d.pop("tool_names"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_discovered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                discovered_at_type_0 = datetime.datetime.fromisoformat(data)

                return discovered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        discovered_at = _parse_discovered_at(d.pop("discovered_at"))

        mcp_server_public = cls(
            id=id,
            team_id=team_id,
            name=name,
            transport=transport,
            command=command,
            args=args,
            url=url,
            env=env,
            headers=headers,
            status=status,
            last_error=last_error,
            tool_names=tool_names,
            created_at=created_at,
            discovered_at=discovered_at,
        )

        mcp_server_public.additional_properties = d
        return mcp_server_public

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
