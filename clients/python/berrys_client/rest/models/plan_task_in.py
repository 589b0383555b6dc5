from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dependency_in import DependencyIn


T = TypeVar("T", bound="PlanTaskIn")


@_attrs_define
class PlanTaskIn:
    """
    Attributes:
        id (str):
        title (str):
        description (str | Unset):  Default: ''.
        capabilities (list[str] | Unset):
        expected_output (str | Unset):  Default: ''.
        estimated_minutes (float | Unset):  Default: 30.0.
        priority (int | Unset):  Default: 0.
        depends_on (list[DependencyIn] | Unset):
    """

    id: str
    title: str
    description: str | Unset = ""
    capabilities: list[str] | Unset = UNSET
    expected_output: str | Unset = ""
    estimated_minutes: float | Unset = 30.0
    priority: int | Unset = 0
    depends_on: list[DependencyIn] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        title = self.title

        description = self.description

        capabilities: list[str] | Unset = UNSET
        if not isinstance(self.capabilities, Unset):
            capabilities = self.capabilities

        expected_output = self.expected_output

        estimated_minutes = self.estimated_minutes

        priority = self.priority

        depends_on: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.depends_on, Unset):
            depends_on = []
            for depends_on_item_data in self.depends_on:
                depends_on_item = depends_on_item_data.to_dict()
                depends_on.append(depends_on_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "title": title,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if capabilities is not UNSET:
            field_dict["capabilities"] = capabilities
        if expected_output is not UNSET:
            field_dict["expected_output"] = expected_output
        if estimated_minutes is not UNSET:
            field_dict["estimated_minutes"] = estimated_minutes
        if priority is not UNSET:
            field_dict["priority"] = priority
        if depends_on is not UNSET:
            field_dict["depends_on"] = depends_on

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dependency_in import DependencyIn

        d = dict(src_dict)
        id = d.pop("id")

        title = d.pop("title")

        description = d.pop("description", UNSET)

        capabilities = cast(list[str], d.pop("capabilities", UNSET))

        expected_output = d.pop("expected_output", UNSET)

        estimated_minutes = d.pop("estimated_minutes", UNSET)

        priority = d.pop("priority", UNSET)

        _depends_on = d.pop("depends_on", UNSET)
        depends_on: list[DependencyIn] | Unset = UNSET
        if _depends_on is not UNSET:
            depends_on = []
            for depends_on_item_data in _depends_on:
                depends_on_item = DependencyIn.from_dict(depends_on_item_data)

                depends_on.append(depends_on_item)

        plan_task_in = cls(
            id=id,
            title=title,
            description=description,
            capabilities=capabilities,
            expected_output=expected_output,
            estimated_minutes=estimated_minutes,
            priority=priority,
            depends_on=depends_on,
        )

        plan_task_in.additional_properties = d
        return plan_task_in

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
