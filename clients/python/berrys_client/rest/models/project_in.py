from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProjectIn")


@_attrs_define
class ProjectIn:
    """
    Attributes:
        name (str):
        team_id (UUID):
        description (str | Unset):  Default: ''.
        max_agents (int | Unset):  Default: 5.
        budget_usd (float | None | Unset):
        budget_tokens (int | None | Unset):
        auto_approve (bool | Unset):  Default: False.
        model (None | str | Unset):
        max_task_attempts (int | Unset):  Default: 3.
        max_replans (int | Unset):  Default: 1.
        objectives (list[str] | Unset):
        deadline (datetime.datetime | None | Unset):
    """

    name: str
    team_id: UUID
    description: str | Unset = ""
    max_agents: int | Unset = 5
    budget_usd: float | Unset | None = UNSET
    budget_tokens: int | Unset | None = UNSET
    auto_approve: bool | Unset = False
    model: str | Unset | None = UNSET
    max_task_attempts: int | Unset = 3
    max_replans: int | Unset = 1
    objectives: list[str] | Unset = UNSET
    deadline: datetime.datetime | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        team_id = str(self.team_id)

        description = self.description

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

        auto_approve = self.auto_approve

        model: str | Unset | None
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        max_task_attempts = self.max_task_attempts

        max_replans = self.max_replans

        objectives: list[str] | Unset = UNSET
        if not isinstance(self.objectives, Unset):
            objectives = self.objectives

        deadline: str | Unset | None
        if isinstance(self.deadline, Unset):
            deadline = UNSET
        elif isinstance(self.deadline, datetime.datetime):
            deadline = self.deadline.isoformat()
        else:
            deadline = self.deadline

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "team_id": team_id,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
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
        if max_task_attempts is not UNSET:
            field_dict["max_task_attempts"] = max_task_attempts
        if max_replans is not UNSET:
            field_dict["max_replans"] = max_replans
        if objectives is not UNSET:
            field_dict["objectives"] = objectives
        if deadline is not UNSET:
            field_dict["deadline"] = deadline

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        team_id = UUID(d.pop("team_id"))

        description = d.pop("description", UNSET)

        max_agents = d.pop("max_agents", UNSET)

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

        auto_approve = d.pop("auto_approve", UNSET)

        def _parse_model(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        max_task_attempts = d.pop("max_task_attempts", UNSET)

        max_replans = d.pop("max_replans", UNSET)

        objectives = cast(list[str], d.pop("objectives", UNSET))

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

        project_in = cls(
            name=name,
            team_id=team_id,
            description=description,
            max_agents=max_agents,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            auto_approve=auto_approve,
            model=model,
            max_task_attempts=max_task_attempts,
            max_replans=max_replans,
            objectives=objectives,
            deadline=deadline,
        )

        project_in.additional_properties = d
        return project_in

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
