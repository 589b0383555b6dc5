from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.approval_policy import ApprovalPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_policy_edit_arguments_schema_type_0 import ToolPolicyEditArgumentsSchemaType0


T = TypeVar("T", bound="ToolPolicyEdit")


@_attrs_define
class ToolPolicyEdit:
    """A fork's change to one team tool's policy, for the fork's project only.

    Attributes:
        tool (str):
        approval_policy (ApprovalPolicy | None | Unset):
        arguments_schema (None | ToolPolicyEditArgumentsSchemaType0 | Unset):
        replace_arguments_schema (bool | Unset):  Default: False.
    """

    tool: str
    approval_policy: ApprovalPolicy | Unset | None = UNSET
    arguments_schema: ToolPolicyEditArgumentsSchemaType0 | Unset | None = UNSET
    replace_arguments_schema: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tool_policy_edit_arguments_schema_type_0 import ToolPolicyEditArgumentsSchemaType0

        tool = self.tool

        approval_policy: str | Unset | None
        if isinstance(self.approval_policy, Unset):
            approval_policy = UNSET
        elif isinstance(self.approval_policy, ApprovalPolicy):
            approval_policy = self.approval_policy.value
        else:
            approval_policy = self.approval_policy

        arguments_schema: dict[str, Any] | Unset | None
        if isinstance(self.arguments_schema, Unset):
            arguments_schema = UNSET
        elif isinstance(self.arguments_schema, ToolPolicyEditArgumentsSchemaType0):
            arguments_schema = self.arguments_schema.to_dict()
        else:
            arguments_schema = self.arguments_schema

        replace_arguments_schema = self.replace_arguments_schema

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tool": tool,
            }
        )
        if approval_policy is not UNSET:
            field_dict["approval_policy"] = approval_policy
        if arguments_schema is not UNSET:
            field_dict["arguments_schema"] = arguments_schema
        if replace_arguments_schema is not UNSET:
            field_dict["replace_arguments_schema"] = replace_arguments_schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_policy_edit_arguments_schema_type_0 import ToolPolicyEditArgumentsSchemaType0

        d = dict(src_dict)
        tool = d.pop("tool")

        def _parse_approval_policy(data: object) -> ApprovalPolicy | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                approval_policy_type_0 = ApprovalPolicy(data)

                return approval_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApprovalPolicy | None | Unset, data)

        approval_policy = _parse_approval_policy(d.pop("approval_policy", UNSET))

        def _parse_arguments_schema(data: object) -> ToolPolicyEditArgumentsSchemaType0 | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                arguments_schema_type_0 = ToolPolicyEditArgumentsSchemaType0.from_dict(data)

                return arguments_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ToolPolicyEditArgumentsSchemaType0 | Unset, data)

        arguments_schema = _parse_arguments_schema(d.pop("arguments_schema", UNSET))

        replace_arguments_schema = d.pop("replace_arguments_schema", UNSET)

        tool_policy_edit = cls(
            tool=tool,
            approval_policy=approval_policy,
            arguments_schema=arguments_schema,
            replace_arguments_schema=replace_arguments_schema,
        )

        tool_policy_edit.additional_properties = d
        return tool_policy_edit

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
