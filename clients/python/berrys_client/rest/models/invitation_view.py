from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="InvitationView")


@_attrs_define
class InvitationView:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        email (str):
        role (Role): Team roles, weakest first.
        accepted_at (datetime.datetime | None):
        created_at (datetime.datetime):
        team_name (str | Unset):  Default: ''.
    """

    id: UUID
    team_id: UUID
    email: str
    role: Role
    accepted_at: datetime.datetime | None
    created_at: datetime.datetime
    team_name: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        email = self.email

        role = self.role.value

        accepted_at: str | None
        if isinstance(self.accepted_at, datetime.datetime):
            accepted_at = self.accepted_at.isoformat()
        else:
            accepted_at = self.accepted_at

        created_at = self.created_at.isoformat()

        team_name = self.team_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "email": email,
                "role": role,
                "accepted_at": accepted_at,
                "created_at": created_at,
            }
        )
        if team_name is not UNSET:
            field_dict["team_name"] = team_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        email = d.pop("email")

        role = Role(d.pop("role"))

        def _parse_accepted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                accepted_at_type_0 = datetime.datetime.fromisoformat(data)

                return accepted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        accepted_at = _parse_accepted_at(d.pop("accepted_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        team_name = d.pop("team_name", UNSET)

        invitation_view = cls(
            id=id,
            team_id=team_id,
            email=email,
            role=role,
            accepted_at=accepted_at,
            created_at=created_at,
            team_name=team_name,
        )

        invitation_view.additional_properties = d
        return invitation_view

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
