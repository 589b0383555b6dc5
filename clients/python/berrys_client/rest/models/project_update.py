from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProjectUpdate")


@_attrs_define
class ProjectUpdate:
    """
    Attributes:
        name (None | str | Unset):
        description (None | str | Unset):
        objectives (list[str] | None | Unset):
        max_agents (int | None | Unset):
        budget_usd (float | None | Unset):
        budget_tokens (int | None | Unset):
        auto_approve (bool | None | Unset):
        model (None | str | Unset):
        deadline (datetime.datetime | None | Unset):
        max_task_attempts (int | None | Unset):
        max_replans (int | None | Unset):
    """

    name: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    objectives: list[str] | Unset | None = UNSET
    max_agents: int | Unset | None = UNSET
    budget_usd: float | Unset | None = UNSET
    budget_tokens: int | Unset | None = UNSET
    auto_approve: bool | Unset | None = UNSET
    model: str | Unset | None = UNSET
    deadline: datetime.datetime | Unset | None = UNSET
    max_task_attempts: int | Unset | None = UNSET
    max_replans: int | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name: str | Unset | None
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        description: str | Unset | None
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        objectives: list[str] | Unset | None
        if isinstance(self.objectives, Unset):
            objectives = UNSET
        elif isinstance(self.objectives, list):
            objectives = self.objectives

        else:
            objectives = self.objectives

        max_agents: int | Unset | None
        if isinstance(self.max_agents, Unset):
            max_agents = UNSET
        else:
            max_agents = self.max_agents

        budget_usd: float | Unset | None
        if isinstance(self.budget_usd, Unset):
            budget_usd = UNSET
        else:
            budget_usd = self.budget_usd

        budget_tokens: int | Unset | None
        if isinstance(self.budget_tokens, Unset):
            budget_tokens = UNSET
        else:
            budget_tokens = self.budget_tokens

        auto_approve: bool | Unset | None
        if isinstance(self.auto_approve, Unset):
            auto_approve = UNSET
        else:
            auto_approve = self.auto_approve

        model: str | Unset | None
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        deadline: str | Unset | None
        if isinstance(self.deadline, Unset):
            deadline = UNSET
        elif isinstance(self.deadline, datetime.datetime):
            deadline = self.deadline.isoformat()
        else:
            deadline = self.deadline

        max_task_attempts: int | Unset | None
        if isinstance(self.max_task_attempts, Unset):
            max_task_attempts = UNSET
        else:
            max_task_attempts = self.max_task_attempts

        max_replans: int | Unset | None
        if isinstance(self.max_replans, Unset):
            max_replans = UNSET
        else:
            max_replans = self.max_replans

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if description is not UNSET:
            field_dict["description"] = description
        if objectives is not UNSET:
            field_dict["objectives"] = objectives
        if max_agents is not UNSET:
            field_dict["max_agents"] = max_agents
        if budget_usd is not UNSET:
            field_dict["budget_usd"] = budget_usd
        if budget_tokens is not UNSET:
            field_dict["budget_tokens"] = budget_tokens
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if model is not UNSET:
            field_dict["model"] = model
        if deadline is not UNSET:
            field_dict["deadline"] = deadline
        if max_task_attempts is not UNSET:
            field_dict["max_task_attempts"] = max_task_attempts
        if max_replans is not UNSET:
            field_dict["max_replans"] = max_replans

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_name(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_description(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_objectives(data: object) -> list[str] | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                objectives_type_0 = cast(list[str], data)

                return objectives_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        objectives = _parse_objectives(d.pop("objectives", UNSET))

        def _parse_max_agents(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_agents = _parse_max_agents(d.pop("max_agents", UNSET))

        def _parse_budget_usd(data: object) -> float | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        budget_usd = _parse_budget_usd(d.pop("budget_usd", UNSET))

        def _parse_budget_tokens(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        budget_tokens = _parse_budget_tokens(d.pop("budget_tokens", UNSET))

        def _parse_auto_approve(data: object) -> bool | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        auto_approve = _parse_auto_approve(d.pop("auto_approve", UNSET))

        def _parse_model(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_deadline(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deadline_type_0 = datetime.datetime.fromisoformat(data)

                return deadline_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        deadline = _parse_deadline(d.pop("deadline", UNSET))

        def _parse_max_task_attempts(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_task_attempts = _parse_max_task_attempts(d.pop("max_task_attempts", UNSET))

        def _parse_max_replans(data: object) -> int | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_replans = _parse_max_replans(d.pop("max_replans", UNSET))

        project_update = cls(
            name=name,
            description=description,
            objectives=objectives,
            max_agents=max_agents,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            auto_approve=auto_approve,
            model=model,
            deadline=deadline,
            max_task_attempts=max_task_attempts,
            max_replans=max_replans,
        )

        project_update.additional_properties = d
        return project_update

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
