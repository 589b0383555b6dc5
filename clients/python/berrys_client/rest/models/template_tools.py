from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TemplateTools")


@_attrs_define
class TemplateTools:
    """
    Attributes:
        template_id (UUID):
        name (str):
        allowed_tools (list[str]):
        team_override (bool):
    """

    template_id: UUID
    name: str
    allowed_tools: list[str]
    team_override: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template_id = str(self.template_id)

        name = self.name

        allowed_tools = self.allowed_tools

        team_override = self.team_override

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template_id": template_id,
                "name": name,
                "allowed_tools": allowed_tools,
                "team_override": team_override,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        template_id = UUID(d.pop("template_id"))

        name = d.pop("name")

        allowed_tools = cast(list[str], d.pop("allowed_tools"))

        team_override = d.pop("team_override")

        template_tools = cls(
            template_id=template_id,
            name=name,
            allowed_tools=allowed_tools,
            team_override=team_override,
        )

        template_tools.additional_properties = d
        return template_tools

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
