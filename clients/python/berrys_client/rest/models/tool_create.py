from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.approval_policy import ApprovalPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_create_config import ToolCreateConfig
    from ..models.tool_create_parameters_schema import ToolCreateParametersSchema
    from ..models.tool_create_result_schema_type_0 import ToolCreateResultSchemaType0


T = TypeVar("T", bound="ToolCreate")


@_attrs_define
class ToolCreate:
    """What an admin submits; registering an existing name adds a new version.

    Attributes:
        name (str):
        kind (str):
        description (str | Unset):  Default: ''.
        category (str | Unset):  Default: 'general'.
        side_effects (bool | Unset):  Default: False.
        capabilities (list[str] | Unset):
        parameters_schema (ToolCreateParametersSchema | Unset):
        result_schema (None | ToolCreateResultSchemaType0 | Unset):
        config (ToolCreateConfig | Unset):
        approval_policy (ApprovalPolicy | None | Unset):
    """

    name: str
    kind: str
    description: str | Unset = ""
    category: str | Unset = "general"
    side_effects: bool | Unset = False
    capabilities: list[str] | Unset = UNSET
    parameters_schema: ToolCreateParametersSchema | Unset = UNSET
    result_schema: ToolCreateResultSchemaType0 | Unset | None = UNSET
    config: ToolCreateConfig | Unset = UNSET
    approval_policy: ApprovalPolicy | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tool_create_result_schema_type_0 import ToolCreateResultSchemaType0

        name = self.name

        kind = self.kind

        description = self.description

        category = self.category

        side_effects = self.side_effects

        capabilities: list[str] | Unset = UNSET
        if not isinstance(self.capabilities, Unset):
            capabilities = self.capabilities

        parameters_schema: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parameters_schema, Unset):
            parameters_schema = self.parameters_schema.to_dict()

        result_schema: dict[str, Any] | Unset | None
        if isinstance(self.result_schema, Unset):
            result_schema = UNSET
        elif isinstance(self.result_schema, ToolCreateResultSchemaType0):
            result_schema = self.result_schema.to_dict()
        else:
            result_schema = self.result_schema

        config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.config, Unset):
            config = self.config.to_dict()

        approval_policy: str | Unset | None
        if isinstance(self.approval_policy, Unset):
            approval_policy = UNSET
        elif isinstance(self.approval_policy, ApprovalPolicy):
            approval_policy = self.approval_policy.value
        else:
            approval_policy = self.approval_policy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kind": kind,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if category is not UNSET:
            field_dict["category"] = category
        if side_effects is not UNSET:
            field_dict["side_effects"] = side_effects
        if capabilities is not UNSET:
            field_dict["capabilities"] = capabilities
        if parameters_schema is not UNSET:
            field_dict["parameters_schema"] = parameters_schema
        if result_schema is not UNSET:
            field_dict["result_schema"] = result_schema
        if config is not UNSET:
            field_dict["config"] = config
        if approval_policy is not UNSET:
            field_dict["approval_policy"] = approval_policy

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_create_config import ToolCreateConfig
        from ..models.tool_create_parameters_schema import ToolCreateParametersSchema
        from ..models.tool_create_result_schema_type_0 import ToolCreateResultSchemaType0

        d = dict(src_dict)
        name = d.pop("name")

        kind = d.pop("kind")

        description = d.pop("description", UNSET)

        category = d.pop("category", UNSET)

        side_effects = d.pop("side_effects", UNSET)

        capabilities = cast(list[str], d.pop("capabilities", UNSET))

        _parameters_schema = d.pop("parameters_schema", UNSET)
        parameters_schema: ToolCreateParametersSchema | Unset
        if isinstance(_parameters_schema, Unset):
            parameters_schema = UNSET
        else:
            parameters_schema = ToolCreateParametersSchema.from_dict(_parameters_schema)

        def _parse_result_schema(data: object) -> ToolCreateResultSchemaType0 | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_schema_type_0 = ToolCreateResultSchemaType0.from_dict(data)

                return result_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ToolCreateResultSchemaType0 | Unset, data)

        result_schema = _parse_result_schema(d.pop("result_schema", UNSET))

        _config = d.pop("config", UNSET)
        config: ToolCreateConfig | Unset
        if isinstance(_config, Unset):
            config = UNSET
        else:
            config = ToolCreateConfig.from_dict(_config)

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

        tool_create = cls(
            name=name,
            kind=kind,
            description=description,
            category=category,
            side_effects=side_effects,
            capabilities=capabilities,
            parameters_schema=parameters_schema,
            result_schema=result_schema,
            config=config,
            approval_policy=approval_policy,
        )

        tool_create.additional_properties = d
        return tool_create

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
