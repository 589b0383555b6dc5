from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_body import TemplateBody
    from ..models.template_parameter import TemplateParameter


T = TypeVar("T", bound="ProjectTemplateCreate")


@_attrs_define
class ProjectTemplateCreate:
    """
    Attributes:
        name (str):
        description (str | Unset):  Default: ''.
        parameters (list[TemplateParameter] | Unset):
        body (None | TemplateBody | Unset):
        from_project_id (None | Unset | UUID): copy settings, objectives and plan
    """

    name: str
    description: str | Unset = ""
    parameters: list[TemplateParameter] | Unset = UNSET
    body: TemplateBody | Unset | None = UNSET
    from_project_id: Unset | UUID | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.template_body import TemplateBody

        name = self.name

        description = self.description

        parameters: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = []
            for parameters_item_data in self.parameters:
                parameters_item = parameters_item_data.to_dict()
                parameters.append(parameters_item)

        body: dict[str, Any] | Unset | None
        if isinstance(self.body, Unset):
            body = UNSET
        elif isinstance(self.body, TemplateBody):
            body = self.body.to_dict()
        else:
            body = self.body

        from_project_id: str | Unset | None
        if isinstance(self.from_project_id, Unset):
            from_project_id = UNSET
        elif isinstance(self.from_project_id, UUID):
            from_project_id = str(self.from_project_id)
        else:
            from_project_id = self.from_project_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if body is not UNSET:
            field_dict["body"] = body
        if from_project_id is not UNSET:
            field_dict["from_project_id"] = from_project_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_body import TemplateBody
        from ..models.template_parameter import TemplateParameter

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description", UNSET)

        _parameters = d.pop("parameters", UNSET)
        parameters: list[TemplateParameter] | Unset = UNSET
        if _parameters is not UNSET:
            parameters = []
            for parameters_item_data in _parameters:
                parameters_item = TemplateParameter.from_dict(parameters_item_data)

                parameters.append(parameters_item)

        def _parse_body(data: object) -> TemplateBody | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                body_type_0 = TemplateBody.from_dict(data)

                return body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TemplateBody | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_from_project_id(data: object) -> Unset | UUID | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                from_project_id_type_0 = UUID(data)

                return from_project_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        from_project_id = _parse_from_project_id(d.pop("from_project_id", UNSET))

        project_template_create = cls(
            name=name,
            description=description,
            parameters=parameters,
            body=body,
            from_project_id=from_project_id,
        )

        project_template_create.additional_properties = d
        return project_template_create

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
