from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.fork_in_mode import ForkInMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fork_in_inputs import ForkInInputs
    from ..models.tool_policy_edit import ToolPolicyEdit


T = TypeVar("T", bound="ForkIn")


@_attrs_define
class ForkIn:
    """
    Attributes:
        description (None | str | Unset):
        model (None | str | Unset):
        at_task (None | str | Unset):
        mode (ForkInMode | Unset):  Default: ForkInMode.RUN.
        name (None | str | Unset):
        inputs (ForkInInputs | Unset):
        tool_policies (list[ToolPolicyEdit] | Unset):
    """

    description: str | Unset | None = UNSET
    model: str | Unset | None = UNSET
    at_task: str | Unset | None = UNSET
    mode: ForkInMode | Unset = ForkInMode.RUN
    name: str | Unset | None = UNSET
    inputs: ForkInInputs | Unset = UNSET
    tool_policies: list[ToolPolicyEdit] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        description: str | Unset | None
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        model: str | Unset | None
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        at_task: str | Unset | None
        if isinstance(self.at_task, Unset):
            at_task = UNSET
        else:
            at_task = self.at_task

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        name: str | Unset | None
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        inputs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.inputs, Unset):
            inputs = self.inputs.to_dict()

        tool_policies: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tool_policies, Unset):
            tool_policies = []
            for tool_policies_item_data in self.tool_policies:
                tool_policies_item = tool_policies_item_data.to_dict()
                tool_policies.append(tool_policies_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if model is not UNSET:
            field_dict["model"] = model
        if at_task is not UNSET:
            field_dict["at_task"] = at_task
        if mode is not UNSET:
            field_dict["mode"] = mode
        if name is not UNSET:
            field_dict["name"] = name
        if inputs is not UNSET:
            field_dict["inputs"] = inputs
        if tool_policies is not UNSET:
            field_dict["tool_policies"] = tool_policies

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fork_in_inputs import ForkInInputs
        from ..models.tool_policy_edit import ToolPolicyEdit

        d = dict(src_dict)

        def _parse_description(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_model(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_at_task(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        at_task = _parse_at_task(d.pop("at_task", UNSET))

        _mode = d.pop("mode", UNSET)
        mode: ForkInMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = ForkInMode(_mode)

        def _parse_name(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        _inputs = d.pop("inputs", UNSET)
        inputs: ForkInInputs | Unset
        if isinstance(_inputs, Unset):
            inputs = UNSET
        else:
            inputs = ForkInInputs.from_dict(_inputs)

        _tool_policies = d.pop("tool_policies", UNSET)
        tool_policies: list[ToolPolicyEdit] | Unset = UNSET
        if _tool_policies is not UNSET:
            tool_policies = []
            for tool_policies_item_data in _tool_policies:
                tool_policies_item = ToolPolicyEdit.from_dict(tool_policies_item_data)

                tool_policies.append(tool_policies_item)

        fork_in = cls(
            description=description,
            model=model,
            at_task=at_task,
            mode=mode,
            name=name,
            inputs=inputs,
            tool_policies=tool_policies,
        )

        fork_in.additional_properties = d
        return fork_in

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
