from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dependency_in_type import DependencyInType
from ..types import UNSET, Unset

T = TypeVar("T", bound="DependencyIn")


@_attrs_define
class DependencyIn:
    """An edge: this task needs ``task`` (``input`` also passes its output along).

    Attributes:
        task (str):
        type_ (DependencyInType | Unset):  Default: DependencyInType.COMPLETION.
    """

    task: str
    type_: DependencyInType | Unset = DependencyInType.COMPLETION
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task = self.task

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task": task,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task = d.pop("task")

        _type_ = d.pop("type", UNSET)
        type_: DependencyInType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = DependencyInType(_type_)

        dependency_in = cls(
            task=task,
            type_=type_,
        )

        dependency_in.additional_properties = d
        return dependency_in

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
