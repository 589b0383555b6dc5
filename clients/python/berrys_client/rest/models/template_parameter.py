from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateParameter")


@_attrs_define
class TemplateParameter:
    """One ``{{name}}`` a start must give (or the default fills).

    Attributes:
        name (str): lower_snake_case; used as {{name}} in the template
        description (str | Unset):  Default: ''.
        required (bool | Unset):  Default: True.
        default (None | str | Unset):
        max_length (int | Unset):  Default: 1000.
    """

    name: str
    description: str | Unset = ""
    required: bool | Unset = True
    default: str | Unset | None = UNSET
    max_length: int | Unset = 1000
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        required = self.required

        default: str | Unset | None
        if isinstance(self.default, Unset):
            default = UNSET
        else:
            default = self.default

        max_length = self.max_length

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if required is not UNSET:
            field_dict["required"] = required
        if default is not UNSET:
            field_dict["default"] = default
        if max_length is not UNSET:
            field_dict["max_length"] = max_length

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description", UNSET)

        required = d.pop("required", UNSET)

        def _parse_default(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        default = _parse_default(d.pop("default", UNSET))

        max_length = d.pop("max_length", UNSET)

        template_parameter = cls(
            name=name,
            description=description,
            required=required,
            default=default,
            max_length=max_length,
        )

        template_parameter.additional_properties = d
        return template_parameter

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
