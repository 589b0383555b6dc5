from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TeamAgent")


@_attrs_define
class TeamAgent:
    """
    Attributes:
        id (str):
        name (str):
        role (str):
        status (str):
        project (str):
        project_id (str):
        task (str):
        model (str):
    """

    id: str
    name: str
    role: str
    status: str
    project: str
    project_id: str
    task: str
    model: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        role = self.role

        status = self.status

        project = self.project

        project_id = self.project_id

        task = self.task

        model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "role": role,
                "status": status,
                "project": project,
                "project_id": project_id,
                "task": task,
                "model": model,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        role = d.pop("role")

        status = d.pop("status")

        project = d.pop("project")

        project_id = d.pop("project_id")

        task = d.pop("task")

        model = d.pop("model")

        team_agent = cls(
            id=id,
            name=name,
            role=role,
            status=status,
            project=project,
            project_id=project_id,
            task=task,
            model=model,
        )

        team_agent.additional_properties = d
        return team_agent

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
