from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProjectPublic")


@_attrs_define
class ProjectPublic:
    """
    Attributes:
        name (str):
        id (UUID):
        team_id (UUID):
        created_by (None | UUID):
        objectives (list[str]):
        status (str):
        status_reason (None | str):
        deadline (datetime.datetime | None):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        description (str | Unset):  Default: ''.
        max_agents (int | Unset):  Default: 5.
        budget_usd (float | None | Unset):
        budget_tokens (int | None | Unset):
        auto_approve (bool | Unset):  Default: False.
        model (None | str | Unset):
        max_task_attempts (int | Unset):  Default: 3.
        max_replans (int | Unset):  Default: 1.
        plan_version (int | Unset):  Default: 0.
        replans_used (int | Unset):  Default: 0.
        forked_from_project_id (None | Unset | UUID):
        forked_at_task_key (None | str | Unset):
        fork_mode (None | str | Unset):
    """

    name: str
    id: UUID
    team_id: UUID
    created_by: UUID | None
    objectives: list[str]
    status: str
    status_reason: str | None
    deadline: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = ""
    max_agents: int | Unset = 5
    budget_usd: float | Unset | None = UNSET
    budget_tokens: int | Unset | None = UNSET
    auto_approve: bool | Unset = False
    model: str | Unset | None = UNSET
    max_task_attempts: int | Unset = 3
    max_replans: int | Unset = 1
    plan_version: int | Unset = 0
    replans_used: int | Unset = 0
    forked_from_project_id: Unset | UUID | None = UNSET
    forked_at_task_key: str | Unset | None = UNSET
    fork_mode: str | Unset | None = UNSET
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

        objectives = self.objectives

        status = self.status

        status_reason: str | None
        status_reason = self.status_reason

        deadline: str | None
        if isinstance(self.deadline, datetime.datetime):
            deadline = self.deadline.isoformat()
        else:
            deadline = self.deadline

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

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

        plan_version = self.plan_version

        replans_used = self.replans_used

        forked_from_project_id: str | Unset | None
        if isinstance(self.forked_from_project_id, Unset):
            forked_from_project_id = UNSET
        elif isinstance(self.forked_from_project_id, UUID):
            forked_from_project_id = str(self.forked_from_project_id)
        else:
            forked_from_project_id = self.forked_from_project_id

        forked_at_task_key: str | Unset | None
        if isinstance(self.forked_at_task_key, Unset):
            forked_at_task_key = UNSET
        else:
            forked_at_task_key = self.forked_at_task_key

        fork_mode: str | Unset | None
        if isinstance(self.fork_mode, Unset):
            fork_mode = UNSET
        else:
            fork_mode = self.fork_mode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "id": id,
                "team_id": team_id,
                "created_by": created_by,
                "objectives": objectives,
                "status": status,
                "status_reason": status_reason,
                "deadline": deadline,
                "created_at": created_at,
                "updated_at": updated_at,
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
        if plan_version is not UNSET:
            field_dict["plan_version"] = plan_version
        if replans_used is not UNSET:
            field_dict["replans_used"] = replans_used
        if forked_from_project_id is not UNSET:
            field_dict["forked_from_project_id"] = forked_from_project_id
        if forked_at_task_key is not UNSET:
            field_dict["forked_at_task_key"] = forked_at_task_key
        if fork_mode is not UNSET:
            field_dict["fork_mode"] = fork_mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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

        objectives = cast(list[str], d.pop("objectives"))

        status = d.pop("status")

        def _parse_status_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        def _parse_deadline(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deadline_type_0 = datetime.datetime.fromisoformat(data)

                return deadline_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        deadline = _parse_deadline(d.pop("deadline"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

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

        plan_version = d.pop("plan_version", UNSET)

        replans_used = d.pop("replans_used", UNSET)

        def _parse_forked_from_project_id(data: object) -> Unset | UUID | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                forked_from_project_id_type_0 = UUID(data)

                return forked_from_project_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        forked_from_project_id = _parse_forked_from_project_id(d.pop("forked_from_project_id", UNSET))

        def _parse_forked_at_task_key(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        forked_at_task_key = _parse_forked_at_task_key(d.pop("forked_at_task_key", UNSET))

        def _parse_fork_mode(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fork_mode = _parse_fork_mode(d.pop("fork_mode", UNSET))

        project_public = cls(
            name=name,
            id=id,
            team_id=team_id,
            created_by=created_by,
            objectives=objectives,
            status=status,
            status_reason=status_reason,
            deadline=deadline,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
            max_agents=max_agents,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            auto_approve=auto_approve,
            model=model,
            max_task_attempts=max_task_attempts,
            max_replans=max_replans,
            plan_version=plan_version,
            replans_used=replans_used,
            forked_from_project_id=forked_from_project_id,
            forked_at_task_key=forked_at_task_key,
            fork_mode=fork_mode,
        )

        project_public.additional_properties = d
        return project_public

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
