from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CredentialPublic")


@_attrs_define
class CredentialPublic:
    """The only shape a credential leaves the service in: masked.

    Attributes:
        id (UUID):
        team_id (UUID):
        name (str):
        kind (str):
        hint (str):
        tool_names (list[str]):
        allowed_hosts (list[str]):
        header_names (list[str]):
        description (str):
        created_at (datetime.datetime):
        last_used_at (datetime.datetime | None):
    """

    id: UUID
    team_id: UUID
    name: str
    kind: str
    hint: str
    tool_names: list[str]
    allowed_hosts: list[str]
    header_names: list[str]
    description: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        name = self.name

        kind = self.kind

        hint = self.hint

        tool_names = self.tool_names

        allowed_hosts = self.allowed_hosts

        header_names = self.header_names

        description = self.description

        created_at = self.created_at.isoformat()

        last_used_at: str | None
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "name": name,
                "kind": kind,
                "hint": hint,
                "tool_names": tool_names,
                "allowed_hosts": allowed_hosts,
                "header_names": header_names,
                "description": description,
                "created_at": created_at,
                "last_used_at": last_used_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        name = d.pop("name")

        kind = d.pop("kind")

        hint = d.pop("hint")

        tool_names = cast(list[str], d.pop("tool_names"))

        allowed_hosts = cast(list[str], d.pop("allowed_hosts"))

        header_names = cast(list[str], d.pop("header_names"))

        description = d.pop("description")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        credential_public = cls(
            id=id,
            team_id=team_id,
            name=name,
            kind=kind,
            hint=hint,
            tool_names=tool_names,
            allowed_hosts=allowed_hosts,
            header_names=header_names,
            description=description,
            created_at=created_at,
            last_used_at=last_used_at,
        )

        credential_public.additional_properties = d
        return credential_public

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
