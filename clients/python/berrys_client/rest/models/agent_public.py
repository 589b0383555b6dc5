from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentPublic")


@_attrs_define
class AgentPublic:
    """
    Attributes:
        id (UUID):
        team_id (UUID):
        project_id (None | UUID):
        template_id (None | UUID):
        name (str):
        role (str):
        capabilities (list[str]):
        model (None | str):
        allowed_tools (list[str]):
        max_concurrent_tasks (int):
        status (str):
        reason (None | str):
        created_at (datetime.datetime):
        budget_usd (float | None | Unset):
        budget_tokens (int | None | Unset):
    """

    id: UUID
    team_id: UUID
    project_id: UUID | None
    template_id: UUID | None
    name: str
    role: str
    capabilities: list[str]
    model: str | None
    allowed_tools: list[str]
    max_concurrent_tasks: int
    status: str
    reason: str | None
    created_at: datetime.datetime
    budget_usd: float | Unset | None = UNSET
    budget_tokens: int | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        team_id = str(self.team_id)

        project_id: str | None
        if isinstance(self.project_id, UUID):
            project_id = str(self.project_id)
        else:
            project_id = self.project_id

        template_id: str | None
        if isinstance(self.template_id, UUID):
            template_id = str(self.template_id)
        else:
            template_id = self.template_id

        name = self.name

        role = self.role

        capabilities = self.capabilities

        model: str | None
        model = self.model

        allowed_tools = self.allowed_tools

        max_concurrent_tasks = self.max_concurrent_tasks

        status = self.status

        reason: str | None
        reason = self.reason

        created_at = self.created_at.isoformat()

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "team_id": team_id,
                "project_id": project_id,
                "template_id": template_id,
                "name": name,
                "role": role,
                "capabilities": capabilities,
                "model": model,
                "allowed_tools": allowed_tools,
                "max_concurrent_tasks": max_concurrent_tasks,
                "status": status,
                "reason": reason,
                "created_at": created_at,
            }
        )
        if budget_usd is not UNSET:
            field_dict["budget_usd"] = budget_usd
        if budget_tokens is not UNSET:
            field_dict["budget_tokens"] = budget_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        team_id = UUID(d.pop("team_id"))

        def _parse_project_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                project_id_type_0 = UUID(data)

                return project_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        project_id = _parse_project_id(d.pop("project_id"))

        def _parse_template_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                template_id_type_0 = UUID(data)

                return template_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        template_id = _parse_template_id(d.pop("template_id"))

        name = d.pop("name")

        role = d.pop("role")

        capabilities = cast(list[str], d.pop("capabilities"))

        def _parse_model(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        allowed_tools = cast(list[str], d.pop("allowed_tools"))

        max_concurrent_tasks = d.pop("max_concurrent_tasks")

        status = d.pop("status")

        def _parse_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        agent_public = cls(
            id=id,
            team_id=team_id,
            project_id=project_id,
            template_id=template_id,
            name=name,
            role=role,
            capabilities=capabilities,
            model=model,
            allowed_tools=allowed_tools,
            max_concurrent_tasks=max_concurrent_tasks,
            status=status,
            reason=reason,
            created_at=created_at,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
        )

        agent_public.additional_properties = d
        return agent_public

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
