from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.project_tool_policy_public_arguments_schema_type_0 import ProjectToolPolicyPublicArgumentsSchemaType0


T = TypeVar("T", bound="ProjectToolPolicyPublic")


@_attrs_define
class ProjectToolPolicyPublic:
    """
    Attributes:
        tool_name (str):
        approval_policy (None | str):
        arguments_schema (None | ProjectToolPolicyPublicArgumentsSchemaType0):
        created_at (datetime.datetime):
    """

    tool_name: str
    approval_policy: str | None
    arguments_schema: ProjectToolPolicyPublicArgumentsSchemaType0 | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.project_tool_policy_public_arguments_schema_type_0 import (
            ProjectToolPolicyPublicArgumentsSchemaType0,
        )

        tool_name = self.tool_name

        approval_policy: str | None
        approval_policy = self.approval_policy

        arguments_schema: dict[str, Any] | None
        if isinstance(self.arguments_schema, ProjectToolPolicyPublicArgumentsSchemaType0):
            arguments_schema = self.arguments_schema.to_dict()
        else:
            arguments_schema = self.arguments_schema

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tool_name": tool_name,
                "approval_policy": approval_policy,
                "arguments_schema": arguments_schema,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.project_tool_policy_public_arguments_schema_type_0 import (
            ProjectToolPolicyPublicArgumentsSchemaType0,
        )

        d = dict(src_dict)
        tool_name = d.pop("tool_name")

        def _parse_approval_policy(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        approval_policy = _parse_approval_policy(d.pop("approval_policy"))

        def _parse_arguments_schema(data: object) -> ProjectToolPolicyPublicArgumentsSchemaType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                arguments_schema_type_0 = ProjectToolPolicyPublicArgumentsSchemaType0.from_dict(data)

                return arguments_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProjectToolPolicyPublicArgumentsSchemaType0, data)

        arguments_schema = _parse_arguments_schema(d.pop("arguments_schema"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        project_tool_policy_public = cls(
            tool_name=tool_name,
            approval_policy=approval_policy,
            arguments_schema=arguments_schema,
            created_at=created_at,
        )

        project_tool_policy_public.additional_properties = d
        return project_tool_policy_public

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
