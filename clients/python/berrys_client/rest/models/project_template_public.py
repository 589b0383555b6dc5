from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_body import TemplateBody
    from ..models.template_parameter import TemplateParameter


T = TypeVar("T", bound="ProjectTemplatePublic")


@_attrs_define
class ProjectTemplatePublic:
    """
    Attributes:
        name (str):
        id (UUID):
        team_id (UUID):
        created_by (None | UUID):
        parameters (list[TemplateParameter]):
        body (TemplateBody): What a template stores: project settings + objectives, and optionally a plan (all may
            carry placeholders; they are checked again, filled in, when a project starts).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        description (str | Unset):  Default: ''.
    """

    name: str
    id: UUID
    team_id: UUID
    created_by: UUID | None
    parameters: list[TemplateParameter]
    body: TemplateBody
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        id = str(self.id)

        team_id = str(self.team_id)

        created_by: str | None
        if isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

        parameters = []
        for parameters_item_data in self.parameters:
            parameters_item = parameters_item_data.to_dict()
            parameters.append(parameters_item)

        body = self.body.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "id": id,
                "team_id": team_id,
                "created_by": created_by,
                "parameters": parameters,
                "body": body,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_body import TemplateBody
        from ..models.template_parameter import TemplateParameter

        d = dict(src_dict)
        name = d.pop("name")

        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        def _parse_created_by(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_by_type_0 = UUID(data)

                return created_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        created_by = _parse_created_by(d.pop("created_by"))

        parameters = []
        _parameters = d.pop("parameters")
        for parameters_item_data in _parameters:
            parameters_item = TemplateParameter.from_dict(parameters_item_data)

            parameters.append(parameters_item)

        body = TemplateBody.from_dict(d.pop("body"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        description = d.pop("description", UNSET)

        project_template_public = cls(
            name=name,
            id=id,
            team_id=team_id,
            created_by=created_by,
            parameters=parameters,
            body=body,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
        )

        project_template_public.additional_properties = d
        return project_template_public

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
