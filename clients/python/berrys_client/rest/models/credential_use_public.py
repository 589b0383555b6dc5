from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CredentialUsePublic")


@_attrs_define
class CredentialUsePublic:
    """
    Attributes:
        id (int):
        credential_id (UUID):
        tool_name (str):
        call_key (None | str):
        project_id (None | UUID):
        task_id (None | UUID):
        agent_id (None | UUID):
        purpose (str):
        created_at (datetime.datetime):
    """

    id: int
    credential_id: UUID
    tool_name: str
    call_key: str | None
    project_id: UUID | None
    task_id: UUID | None
    agent_id: UUID | None
    purpose: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        credential_id = str(self.credential_id)

        tool_name = self.tool_name

        call_key: str | None
        call_key = self.call_key

        project_id: str | None
        if isinstance(self.project_id, UUID):
            project_id = str(self.project_id)
        else:
            project_id = self.project_id

        task_id: str | None
        if isinstance(self.task_id, UUID):
            task_id = str(self.task_id)
        else:
            task_id = self.task_id

        agent_id: str | None
        if isinstance(self.agent_id, UUID):
            agent_id = str(self.agent_id)
        else:
            agent_id = self.agent_id

        purpose = self.purpose

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "credential_id": credential_id,
                "tool_name": tool_name,
                "call_key": call_key,
                "project_id": project_id,
                "task_id": task_id,
                "agent_id": agent_id,
                "purpose": purpose,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        credential_id = UUID(d.pop("credential_id"))

        tool_name = d.pop("tool_name")

        def _parse_call_key(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        call_key = _parse_call_key(d.pop("call_key"))

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

        def _parse_task_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                task_id_type_0 = UUID(data)

                return task_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        task_id = _parse_task_id(d.pop("task_id"))

        def _parse_agent_id(data: object) -> UUID | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                agent_id_type_0 = UUID(data)

                return agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        purpose = d.pop("purpose")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credential_use_public = cls(
            id=id,
            credential_id=credential_id,
            tool_name=tool_name,
            call_key=call_key,
            project_id=project_id,
            task_id=task_id,
            agent_id=agent_id,
            purpose=purpose,
            created_at=created_at,
        )

        credential_use_public.additional_properties = d
        return credential_use_public

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
