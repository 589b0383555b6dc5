from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionPublic")


@_attrs_define
class SessionPublic:
    """
    Attributes:
        id (UUID):
        client (str):
        started_at (datetime.datetime):
        last_used_at (datetime.datetime):
        expires_at (datetime.datetime):
    """

    id: UUID
    client: str
    started_at: datetime.datetime
    last_used_at: datetime.datetime
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        client = self.client

        started_at = self.started_at.isoformat()

        last_used_at = self.last_used_at.isoformat()

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "client": client,
                "started_at": started_at,
                "last_used_at": last_used_at,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        client = d.pop("client")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        last_used_at = datetime.datetime.fromisoformat(d.pop("last_used_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        session_public = cls(
            id=id,
            client=client,
            started_at=started_at,
            last_used_at=last_used_at,
            expires_at=expires_at,
        )

        session_public.additional_properties = d
        return session_public

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
