from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TaskPublic")


@_attrs_define
class TaskPublic:
    """
    Attributes:
        id (UUID):
        project_id (UUID):
        plan_version (int):
        key (str):
        title (str):
        description (str):
        capabilities (list[str]):
        expected_output (str):
        estimated_minutes (float):
        priority (int):
        status (str):
        attempt (int):
        failures (int):
        last_error (None | str):
        waiting_reason (None | str):
        output (None | str):
        agent_id (None | UUID):
        assignment_reason (None | str):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        created_at (datetime.datetime):
    """

    id: UUID
    project_id: UUID
    plan_version: int
    key: str
    title: str
    description: str
    capabilities: list[str]
    expected_output: str
    estimated_minutes: float
    priority: int
    status: str
    attempt: int
    failures: int
    last_error: str | None
    waiting_reason: str | None
    output: str | None
    agent_id: UUID | None
    assignment_reason: str | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        project_id = str(self.project_id)

        plan_version = self.plan_version

        key = self.key

        title = self.title

        description = self.description

        capabilities = self.capabilities

        expected_output = self.expected_output

        estimated_minutes = self.estimated_minutes

        priority = self.priority

        status = self.status

        attempt = self.attempt

        failures = self.failures

        last_error: str | None
        last_error = self.last_error

        waiting_reason: str | None
        waiting_reason = self.waiting_reason

        output: str | None
        output = self.output

        agent_id: str | None
        if isinstance(self.agent_id, UUID):
            agent_id = str(self.agent_id)
        else:
            agent_id = self.agent_id

        assignment_reason: str | None
        assignment_reason = self.assignment_reason

        started_at: str | None
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: str | None
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "project_id": project_id,
                "plan_version": plan_version,
                "key": key,
                "title": title,
                "description": description,
                "capabilities": capabilities,
                "expected_output": expected_output,
                "estimated_minutes": estimated_minutes,
                "priority": priority,
                "status": status,
                "attempt": attempt,
                "failures": failures,
                "last_error": last_error,
                "waiting_reason": waiting_reason,
                "output": output,
                "agent_id": agent_id,
                "assignment_reason": assignment_reason,
                "started_at": started_at,
                "finished_at": finished_at,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        project_id = UUID(d.pop("project_id"))

        plan_version = d.pop("plan_version")

        key = d.pop("key")

        title = d.pop("title")

        description = d.pop("description")

        capabilities = cast(list[str], d.pop("capabilities"))

        expected_output = d.pop("expected_output")

        estimated_minutes = d.pop("estimated_minutes")

        priority = d.pop("priority")

        status = d.pop("status")

        attempt = d.pop("attempt")

        failures = d.pop("failures")

        def _parse_last_error(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_waiting_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        waiting_reason = _parse_waiting_reason(d.pop("waiting_reason"))

        def _parse_output(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        output = _parse_output(d.pop("output"))

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

        def _parse_assignment_reason(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        assignment_reason = _parse_assignment_reason(d.pop("assignment_reason"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

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

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        task_public = cls(
            id=id,
            project_id=project_id,
            plan_version=plan_version,
            key=key,
            title=title,
            description=description,
            capabilities=capabilities,
            expected_output=expected_output,
            estimated_minutes=estimated_minutes,
            priority=priority,
            status=status,
            attempt=attempt,
            failures=failures,
            last_error=last_error,
            waiting_reason=waiting_reason,
            output=output,
            agent_id=agent_id,
            assignment_reason=assignment_reason,
            started_at=started_at,
            finished_at=finished_at,
            created_at=created_at,
        )

        task_public.additional_properties = d
        return task_public

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
