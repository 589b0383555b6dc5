from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AgentTools")


@_attrs_define
class AgentTools:
    """
    Attributes:
        agent_id (UUID):
        name (str):
        allowed_tools (list[str]):
    """

    agent_id: UUID
    name: str
    allowed_tools: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agent_id = str(self.agent_id)

        name = self.name

        allowed_tools = self.allowed_tools

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "agent_id": agent_id,
                "name": name,
                "allowed_tools": allowed_tools,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        agent_id = UUID(d.pop("agent_id"))

        name = d.pop("name")

        allowed_tools = cast(list[str], d.pop("allowed_tools"))

        agent_tools = cls(
            agent_id=agent_id,
            name=name,
            allowed_tools=allowed_tools,
        )

        agent_tools.additional_properties = d
        return agent_tools

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
