from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tool_call_public_arguments import ToolCallPublicArguments


T = TypeVar("T", bound="ToolCallPublic")


@_attrs_define
class ToolCallPublic:
    """
    Attributes:
        id (UUID):
        task_id (None | UUID):
        agent_id (None | UUID):
        tool_name (str):
        arguments (ToolCallPublicArguments):
        status (str):
        error_code (None | str):
        content (str):
        attempts (int):
        duration_ms (float | None):
        started_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: UUID
    task_id: UUID | None
    agent_id: UUID | None
    tool_name: str
    arguments: ToolCallPublicArguments
    status: str
    error_code: str | None
    content: str
    attempts: int
    duration_ms: float | None
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

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

        tool_name = self.tool_name

        arguments = self.arguments.to_dict()

        status = self.status

        error_code: str | None
        error_code = self.error_code

        content = self.content

        attempts = self.attempts

        duration_ms: float | None
        duration_ms = self.duration_ms

        started_at = self.started_at.isoformat()

        finished_at: str | None
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "task_id": task_id,
                "agent_id": agent_id,
                "tool_name": tool_name,
                "arguments": arguments,
                "status": status,
                "error_code": error_code,
                "content": content,
                "attempts": attempts,
                "duration_ms": duration_ms,
                "started_at": started_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_call_public_arguments import ToolCallPublicArguments

        d = dict(src_dict)
        id = UUID(d.pop("id"))

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

        tool_name = d.pop("tool_name")

        arguments = ToolCallPublicArguments.from_dict(d.pop("arguments"))

        status = d.pop("status")

        def _parse_error_code(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        error_code = _parse_error_code(d.pop("error_code"))

        content = d.pop("content")

        attempts = d.pop("attempts")

        def _parse_duration_ms(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        tool_call_public = cls(
            id=id,
            task_id=task_id,
            agent_id=agent_id,
            tool_name=tool_name,
            arguments=arguments,
            status=status,
            error_code=error_code,
            content=content,
            attempts=attempts,
            duration_ms=duration_ms,
            started_at=started_at,
            finished_at=finished_at,
        )

        tool_call_public.additional_properties = d
        return tool_call_public

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
