from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.mcp_transport import McpTransport
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mcp_server_create_env import McpServerCreateEnv
    from ..models.mcp_server_create_headers import McpServerCreateHeaders


T = TypeVar("T", bound="McpServerCreate")


@_attrs_define
class McpServerCreate:
    """
    Attributes:
        name (str):
        transport (McpTransport):
        command (None | str | Unset):
        args (list[str] | Unset):
        url (None | str | Unset):
        timeout_s (float | Unset):  Default: 30.0.
        env (McpServerCreateEnv | Unset):
        headers (McpServerCreateHeaders | Unset):
    """

    name: str
    transport: McpTransport
    command: str | Unset | None = UNSET
    args: list[str] | Unset = UNSET
    url: str | Unset | None = UNSET
    timeout_s: float | Unset = 30.0
    env: McpServerCreateEnv | Unset = UNSET
    headers: McpServerCreateHeaders | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        transport = self.transport.value

        command: str | Unset | None
        if isinstance(self.command, Unset):
            command = UNSET
        else:
            command = self.command

        args: list[str] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args

        url: str | Unset | None
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        timeout_s = self.timeout_s

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "transport": transport,
            }
        )
        if command is not UNSET:
            field_dict["command"] = command
        if args is not UNSET:
            field_dict["args"] = args
        if url is not UNSET:
            field_dict["url"] = url
        if timeout_s is not UNSET:
            field_dict["timeout_s"] = timeout_s
        if env is not UNSET:
            field_dict["env"] = env
        if headers is not UNSET:
            field_dict["headers"] = headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mcp_server_create_env import McpServerCreateEnv
        from ..models.mcp_server_create_headers import McpServerCreateHeaders

        d = dict(src_dict)
        name = d.pop("name")

        transport = McpTransport(d.pop("transport"))

        def _parse_command(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        command = _parse_command(d.pop("command", UNSET))

        args = cast(list[str], d.pop("args", UNSET))

        def _parse_url(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        timeout_s = d.pop("timeout_s", UNSET)

        _env = d.pop("env", UNSET)
        env: McpServerCreateEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = McpServerCreateEnv.from_dict(_env)

        _headers = d.pop("headers", UNSET)
        headers: McpServerCreateHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = McpServerCreateHeaders.from_dict(_headers)

        mcp_server_create = cls(
            name=name,
            transport=transport,
            command=command,
            args=args,
            url=url,
            timeout_s=timeout_s,
            env=env,
            headers=headers,
        )

        mcp_server_create.additional_properties = d
        return mcp_server_create

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
