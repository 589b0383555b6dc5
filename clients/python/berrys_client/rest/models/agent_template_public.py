from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AgentTemplatePublic")


@_attrs_define
class AgentTemplatePublic:
    """
    Attributes:
        id (UUID):
        name (str):
        role (str):
        system_prompt (str):
        capabilities (list[str]):
        preferred_model (None | str):
        allowed_tools (list[str]):
        max_concurrent_tasks (int):
    """

    id: UUID
    name: str
    role: str
    system_prompt: str
    capabilities: list[str]
    preferred_model: str | None
    allowed_tools: list[str]
    max_concurrent_tasks: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        role = self.role

        system_prompt = self.system_prompt

        capabilities = self.capabilities

        preferred_model: str | None
        preferred_model = self.preferred_model

        allowed_tools = self.allowed_tools

        max_concurrent_tasks = self.max_concurrent_tasks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "role": role,
                "system_prompt": system_prompt,
                "capabilities": capabilities,
                "preferred_model": preferred_model,
                "allowed_tools": allowed_tools,
                "max_concurrent_tasks": max_concurrent_tasks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        role = d.pop("role")

        system_prompt = d.pop("system_prompt")

        capabilities = cast(list[str], d.pop("capabilities"))

        def _parse_preferred_model(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        preferred_model = _parse_preferred_model(d.pop("preferred_model"))

        allowed_tools = cast(list[str], d.pop("allowed_tools"))

        max_concurrent_tasks = d.pop("max_concurrent_tasks")

        agent_template_public = cls(
            id=id,
            name=name,
            role=role,
            system_prompt=system_prompt,
            capabilities=capabilities,
            preferred_model=preferred_model,
            allowed_tools=allowed_tools,
            max_concurrent_tasks=max_concurrent_tasks,
        )

        agent_template_public.additional_properties = d
        return agent_template_public

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
