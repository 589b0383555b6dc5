from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_public_config import ToolPublicConfig
    from ..models.tool_public_parameters_schema import ToolPublicParametersSchema
    from ..models.tool_public_result_schema_type_0 import ToolPublicResultSchemaType0


T = TypeVar("T", bound="ToolPublic")


@_attrs_define
class ToolPublic:
    """
    Attributes:
        name (str):
        kind (str):
        id (UUID):
        version (int):
        team_id (None | UUID):
        capabilities (list[str]):
        parameters_schema (ToolPublicParametersSchema):
        result_schema (None | ToolPublicResultSchemaType0):
        config (ToolPublicConfig):
        approval_policy (str):
        is_active (bool):
        created_at (datetime.datetime):
        description (str | Unset):  Default: ''.
        category (str | Unset):  Default: 'general'.
        side_effects (bool | Unset):  Default: False.
    """

    name: str
    kind: str
    id: UUID
    version: int
    team_id: UUID | None
    capabilities: list[str]
    parameters_schema: ToolPublicParametersSchema
    result_schema: ToolPublicResultSchemaType0 | None
    config: ToolPublicConfig
    approval_policy: str
    is_active: bool
    created_at: datetime.datetime
    description: str | Unset = ""
    category: str | Unset = "general"
    side_effects: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tool_public_result_schema_type_0 import ToolPublicResultSchemaType0

        name = self.name

        kind = self.kind

        id = str(self.id)

        version = self.version

        team_id: str | None
        if isinstance(self.team_id, UUID):
            team_id = str(self.team_id)
        else:
            team_id = self.team_id

        capabilities = self.capabilities

        parameters_schema = self.parameters_schema.to_dict()

        result_schema: dict[str, Any] | None
        if isinstance(self.result_schema, ToolPublicResultSchemaType0):
            result_schema = self.result_schema.to_dict()
        else:
            result_schema = self.result_schema

        config = self.config.to_dict()

        approval_policy = self.approval_policy

        is_active = self.is_active

        created_at = self.created_at.isoformat()

        description = self.description

        category = self.category

        side_effects = self.side_effects

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
                "id": id,
                "version": version,
                "team_id": team_id,
                "capabilities": capabilities,
                "parameters_schema": parameters_schema,
                "result_schema": result_schema,
                "config": config,
                "approval_policy": approval_policy,
                "is_active": is_active,
                "created_at": created_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if category is not UNSET:
            field_dict["category"] = category
        if side_effects is not UNSET:
            field_dict["side_effects"] = side_effects

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_public_config import ToolPublicConfig
        from ..models.tool_public_parameters_schema import ToolPublicParametersSchema
        from ..models.tool_public_result_schema_type_0 import ToolPublicResultSchemaType0

        d = dict(src_dict)
        name = d.pop("name")

        kind = d.pop("kind")

        id = UUID(d.pop("id"))

        version = d.pop("version")

        def _parse_team_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                team_id_type_0 = UUID(data)

                return team_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        team_id = _parse_team_id(d.pop("team_id"))

        capabilities = cast(list[str], d.pop("capabilities"))

        parameters_schema = ToolPublicParametersSchema.from_dict(d.pop("parameters_schema"))

        def _parse_result_schema(data: object) -> ToolPublicResultSchemaType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_schema_type_0 = ToolPublicResultSchemaType0.from_dict(data)

                return result_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ToolPublicResultSchemaType0, data)

        result_schema = _parse_result_schema(d.pop("result_schema"))

        config = ToolPublicConfig.from_dict(d.pop("config"))

        approval_policy = d.pop("approval_policy")

        is_active = d.pop("is_active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description", UNSET)

        category = d.pop("category", UNSET)

        side_effects = d.pop("side_effects", UNSET)

        tool_public = cls(
            name=name,
            kind=kind,
            id=id,
            version=version,
            team_id=team_id,
            capabilities=capabilities,
            parameters_schema=parameters_schema,
            result_schema=result_schema,
            config=config,
            approval_policy=approval_policy,
            is_active=is_active,
            created_at=created_at,
            description=description,
            category=category,
            side_effects=side_effects,
        )

        tool_public.additional_properties = d
        return tool_public

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
